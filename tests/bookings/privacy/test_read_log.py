"""Reads of personal data in bulk are logged (PRODUCT.md, "Privacy and trust"): every list,
export, calendar feed and admin page writes exactly one access-log row per request, naming
what it showed, at no query per row. Coordinators filter the log by person, booking and time."""

from __future__ import annotations

import datetime
from urllib.parse import urlparse

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from bookings.constants import Status
from bookings.models import AccessLog
from bookings.services.access_log import access_log_list, id_list_parse
from institutions.coordination import COORDINATION_GROUP
from notifications.feeds import calendar_feed_get, feed_url
from tests.bookings.factories import BookingFactory
from tests.institutions.factories import CoordinatorFactory, InstitutionFactory
from tests.mediators.factories import MediatorFactory

pytestmark = pytest.mark.django_db


def api_for(user) -> APIClient:
    api = APIClient()
    api.force_authenticate(user)
    return api


def bookings_of(pool, count: int, **fields) -> list:
    institution = InstitutionFactory(pool=pool)
    return [
        BookingFactory(
            institution=institution, case_reference=f"AZ-{n}", notes="vertraulich", **fields
        )
        for n in range(count)
    ]


def new_rows(since_pk: int):
    return AccessLog.objects.filter(pk__gt=since_pk).order_by("pk")


def last_pk() -> int:
    return AccessLog.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


def test_the_coordinators_booking_list_writes_one_row_naming_the_bookings_shown():
    coordinator = CoordinatorFactory()
    shown = bookings_of(coordinator.pool, 7)
    start = last_pk()

    response = api_for(coordinator.user).get("/api/v1/bookings/?status=requested")

    assert response.status_code == 200
    (row,) = new_rows(start)
    assert (row.action, row.what, row.user_id) == ("list", "api:booking-list", coordinator.user_id)
    assert sorted(id_list_parse(row.booking_ids)) == sorted(b.pk for b in shown)
    assert (row.count, row.query, row.pool_id) == (7, "status=requested", coordinator.pool_id)


def test_logging_a_list_costs_the_same_queries_for_3_and_for_40_bookings():
    coordinator = CoordinatorFactory()
    api = api_for(coordinator.user)
    bookings_of(coordinator.pool, 3)
    api.get("/api/v1/bookings/")  # warm up (content types, language rows)
    with CaptureQueriesContext(connection) as few:
        api.get("/api/v1/bookings/")
    bookings_of(coordinator.pool, 37)
    with CaptureQueriesContext(connection) as many:
        response = api.get("/api/v1/bookings/")

    assert response.json()["count"] == 40
    assert len(many) == len(few)
    assert new_rows(0).filter(what="api:booking-list").count() == 3


def test_the_candidates_of_a_booking_are_logged_by_the_mediators_accounts():
    coordinator = CoordinatorFactory()
    (booking,) = bookings_of(coordinator.pool, 1, status=Status.REQUESTED)
    start = last_pk()

    response = api_for(coordinator.user).get(f"/api/v1/bookings/{booking.pk}/candidates/")

    assert response.status_code == 200
    (row,) = new_rows(start)
    assert row.what == "api:booking-candidates"
    assert id_list_parse(row.booking_ids) == [booking.pk]
    assert row.count == response.json()["count"]


def test_the_mediator_list_names_the_people_listed():
    coordinator = CoordinatorFactory()
    mediators = MediatorFactory.create_batch(3, pool=coordinator.pool)
    start = last_pk()

    assert api_for(coordinator.user).get("/api/v1/mediators/").status_code == 200

    (row,) = new_rows(start)
    assert sorted(id_list_parse(row.user_ids)) == sorted(m.user_id for m in mediators)


def test_the_statistics_export_and_summary_are_logged_once_each():
    coordinator = CoordinatorFactory()
    start = last_pk()
    api = api_for(coordinator.user)

    assert api.get("/api/v1/stats/export/?format=csv").status_code == 200
    assert api.get("/api/v1/stats/summary/").status_code == 200

    assert [(r.action, r.what) for r in new_rows(start)] == [
        ("export", "api:stats-export"),
        ("list", "api:stats-summary"),
    ]


def test_a_calendar_feed_fetch_is_logged_once_and_a_304_not_at_all():
    mediator = MediatorFactory()
    BookingFactory(
        institution=InstitutionFactory(pool=mediator.pool),
        mediator=mediator,
        status=Status.CONFIRMED,
    )
    path = urlparse(feed_url(calendar_feed_get(mediator=mediator))).path
    start = last_pk()
    client = Client()

    first = client.get(path)
    again = client.get(path, HTTP_IF_NONE_MATCH=first["ETag"])

    assert (first.status_code, again.status_code) == (200, 304)
    (row,) = new_rows(start)
    assert (row.what, row.user_id, row.count) == ("feed:mediator", None, 1)
    assert id_list_parse(row.user_ids) == [mediator.user_id]


def test_the_pages_of_bookings_and_mediators_write_one_row_each():
    coordinator = CoordinatorFactory()
    bookings_of(coordinator.pool, 4)
    MediatorFactory.create_batch(2, pool=coordinator.pool)
    page = Client()
    page.force_login(coordinator.user)
    start = last_pk()

    assert page.get(reverse("web:coordinator-bookings")).status_code == 200
    assert page.get(reverse("web:coordinator-mediators")).status_code == 200

    rows = list(new_rows(start))
    assert [r.what for r in rows] == ["page:coordinator-bookings", "page:coordinator-mediators"]
    assert [r.count for r in rows] == [4, 2]


@pytest.fixture
def admin_coordinator():
    coordinator = CoordinatorFactory(user__is_staff=True)
    coordinator.user.groups.add(Group.objects.get(name=COORDINATION_GROUP))
    return coordinator


def test_the_admin_list_and_change_pages_write_one_row_each(admin_coordinator):
    shown = bookings_of(admin_coordinator.pool, 5)
    page = Client()
    page.force_login(admin_coordinator.user)
    start = last_pk()

    listing = page.get(reverse("admin:bookings_booking_changelist"))
    change = page.get(reverse("admin:bookings_booking_change", args=[shown[0].pk]))

    assert (listing.status_code, change.status_code) == (200, 200)
    rows = list(new_rows(start))
    assert [(r.action, r.what) for r in rows] == [
        ("list", "admin:bookings.booking"),
        ("read", "admin:bookings.booking"),
    ]
    assert sorted(id_list_parse(rows[0].booking_ids)) == sorted(b.pk for b in shown)
    assert id_list_parse(rows[1].booking_ids) == [shown[0].pk]


def test_the_admin_access_log_filters_by_person_and_booking(admin_coordinator):
    pool = admin_coordinator.pool
    (booking,) = bookings_of(pool, 1)
    reader = CoordinatorFactory(pool=pool).user
    about = access_log_list(user=reader, what="api:booking-list", booking_ids=[booking.pk])
    other = access_log_list(user=reader, what="api:mediator-list", user_ids=[12345])
    page = Client()
    page.force_login(admin_coordinator.user)
    url = reverse("admin:bookings_accesslog_changelist")

    by_booking = page.get(url, {"booking": booking.pk})
    by_person = page.get(url, {"person": 12345})

    assert (by_booking.status_code, by_person.status_code) == (200, 200)
    assert [r.pk for r in by_booking.context["cl"].result_list] == [about.pk]
    assert [r.pk for r in by_person.context["cl"].result_list] == [other.pk]


def test_coordinators_filter_the_access_log_by_person_booking_and_time():
    coordinator = CoordinatorFactory()
    pool = coordinator.pool
    (booking,) = bookings_of(pool, 1)
    mediator = MediatorFactory(pool=pool)
    listed = access_log_list(
        user=coordinator.user, what="api:booking-list", booking_ids=[booking.pk]
    )
    person = access_log_list(
        user=coordinator.user, what="api:mediator-list", user_ids=[mediator.user_id]
    )
    old = access_log_list(user=coordinator.user, what="api:booking-list", booking_ids=[booking.pk])
    AccessLog.objects.filter(pk=old.pk).update(
        at=datetime.datetime(2025, 1, 1, tzinfo=datetime.UTC)
    )
    elsewhere = CoordinatorFactory()
    access_log_list(user=elsewhere.user, what="api:booking-list", booking_ids=[booking.pk])
    api = api_for(coordinator.user)

    def ids(**query) -> list[int]:
        response = api.get("/api/v1/access-log/", query)
        assert response.status_code == 200, response.content
        return [row["id"] for row in response.json()["results"]]

    assert ids(booking=booking.pk) == [listed.pk, old.pk]
    assert ids(person=mediator.user_id) == [person.pk]
    assert ids(booking=booking.pk, since="2025-06-01T00:00") == [listed.pk]
    assert ids(booking=booking.pk, until="2025-06-01T00:00") == [old.pk]
    assert api.get("/api/v1/access-log/", {"since": "gestern"}).status_code == 400
    assert api_for(mediator.user).get("/api/v1/access-log/").status_code == 403
