"""Secret, revocable calendar feeds for mediators and institutions."""

import datetime
import hashlib
from urllib.parse import urlparse

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from bookings.constants import Status
from mediators.models import Language
from notifications.ical import booking_uid
from notifications.models import CalendarFeed
from tests.bookings.factories import BookingFactory
from tests.institutions.factories import CoordinatorFactory, StaffFactory, UserFactory
from tests.mediators.factories import MediatorFactory

from .icalcheck import read_with_icalendar

pytestmark = pytest.mark.django_db

API = "/api/v1/calendar-feed/"


def feed_path(client, user):
    response = client(user).get(API)
    assert response.status_code == 200, response.content
    return urlparse(response.json()["url"]).path


def test_a_mediator_gets_the_same_secret_url_each_time(client_for, mediator):
    first = feed_path(client_for, mediator.user)
    second = feed_path(client_for, mediator.user)

    assert first == second
    assert first.startswith("/calendar/") and first.endswith(".ics")
    assert len(first.removeprefix("/calendar/").removesuffix(".ics")) >= 64


def test_the_token_is_stored_only_as_its_sha256(client_for, mediator):
    token = feed_path(client_for, mediator.user).removeprefix("/calendar/").removesuffix(".ics")

    row = CalendarFeed.objects.get(mediator=mediator)
    assert row.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in {str(getattr(row, f.attname)) for f in CalendarFeed._meta.fields}


def test_staff_of_one_institution_share_its_feed(client_for, staff):
    colleague = StaffFactory(institution=staff.institution)

    assert feed_path(client_for, staff.user) == feed_path(client_for, colleague.user)
    assert CalendarFeed.objects.get().institution == staff.institution


@pytest.mark.parametrize("who", ["coordinator", "nobody"])
def test_coordinators_and_users_without_a_role_get_403(client_for, who):
    user = CoordinatorFactory().user if who == "coordinator" else UserFactory()

    assert client_for(user).get(API).status_code == 403
    assert client_for(user).post(API).status_code == 403
    assert not CalendarFeed.objects.exists()


def test_without_credentials_the_api_answers_401(api_client):
    assert api_client.get(API).status_code == 401


def test_rotating_makes_the_old_url_answer_404(client_for, mediator):
    old = feed_path(client_for, mediator.user)

    response = client_for(mediator.user).post(API)

    new = urlparse(response.json()["url"]).path
    assert response.status_code == 200 and new != old
    assert Client().get(old).status_code == 404
    assert Client().get(new).status_code == 200
    assert feed_path(client_for, mediator.user) == new


@pytest.mark.parametrize("token", ["x", "0" * 64, "a" * 500])
def test_an_unknown_token_answers_404(token):
    assert Client().get(f"/calendar/{token}.ics").status_code == 404


def test_the_feed_holds_the_confirmed_bookings_with_the_invitations_uids(
    client_for, mediator, staff
):
    now = timezone.now()
    mine = BookingFactory(
        institution=staff.institution, mediator=mediator, status=Status.CONFIRMED, confirmed_at=now
    )
    done = BookingFactory(
        institution=staff.institution,
        mediator=mediator,
        status=Status.COMPLETED,
        confirmed_at=now,
        starts_at=now - datetime.timedelta(days=3),
        ends_at=now - datetime.timedelta(days=3, hours=-1),
    )
    cancelled = BookingFactory(
        institution=staff.institution,
        mediator=mediator,
        status=Status.CANCELLED,
        confirmed_at=now,
        sequence=2,
    )
    long_cancelled = BookingFactory(
        institution=staff.institution, mediator=mediator, status=Status.CANCELLED, confirmed_at=now
    )
    type(long_cancelled).objects.filter(pk=long_cancelled.pk).update(
        updated_at=now - datetime.timedelta(days=60)
    )
    open_request = BookingFactory(institution=staff.institution, status=Status.REQUESTED)
    someone_elses = BookingFactory(
        institution=staff.institution,
        mediator=MediatorFactory(pool=mediator.pool),
        status=Status.CONFIRMED,
        confirmed_at=now,
    )

    response = Client().get(feed_path(client_for, mediator.user))

    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    events = {str(e["UID"]): e for e in read_with_icalendar(response.content).walk("VEVENT")}
    assert set(events) == {booking_uid(b.pk) for b in (mine, done, cancelled)}
    assert str(events[booking_uid(cancelled.pk)]["STATUS"]) == "CANCELLED"
    assert events[booking_uid(cancelled.pk)].decoded("SEQUENCE") == 2
    assert str(events[booking_uid(mine.pk)]["STATUS"]) == "CONFIRMED"
    assert booking_uid(open_request.pk) not in events
    assert booking_uid(someone_elses.pk) not in events
    assert b"METHOD" not in response.content


def test_an_institution_feed_holds_its_confirmed_bookings(client_for, staff, mediator):
    ours = BookingFactory(institution=staff.institution, mediator=mediator, status=Status.CONFIRMED)
    BookingFactory(mediator=MediatorFactory(), status=Status.CONFIRMED)  # another institution

    response = Client().get(feed_path(client_for, staff.user))

    uids = [str(e["UID"]) for e in read_with_icalendar(response.content).walk("VEVENT")]
    assert uids == [booking_uid(ours.pk)]


def test_a_conditional_request_answers_304_until_something_changes(client_for, mediator, staff):
    booking = BookingFactory(
        institution=staff.institution, mediator=mediator, status=Status.CONFIRMED
    )
    path = feed_path(client_for, mediator.user)
    first = Client().get(path)

    unchanged = Client().get(path, HTTP_IF_NONE_MATCH=first["ETag"])
    booking.sequence += 1
    booking.save()
    changed = Client().get(path, HTTP_IF_NONE_MATCH=first["ETag"])

    assert unchanged.status_code == 304 and unchanged.content == b""
    assert unchanged["ETag"] == first["ETag"]
    assert changed.status_code == 200 and changed["ETag"] != first["ETag"]


def test_a_fetch_without_an_etag_reads_the_rows_and_their_etag_in_one_query(
    client_for, mediator, staff
):
    now = timezone.now()
    for days, status in ((3, Status.CONFIRMED), (1, Status.CONFIRMED), (2, Status.CANCELLED)):
        BookingFactory(
            institution=staff.institution,
            mediator=mediator,
            status=status,
            confirmed_at=now,
            starts_at=now + datetime.timedelta(days=days),
            ends_at=now + datetime.timedelta(days=days, hours=1),
        )
    path = feed_path(client_for, mediator.user)

    with CaptureQueriesContext(connection) as queries:
        first = Client().get(path)
    statements = len(queries)  # before the next request resets the connection's log
    unchanged = Client().get(path, HTTP_IF_NONE_MATCH=first["ETag"])

    # The feed's row, its bookings with their ETag, the access-log row.
    assert first.status_code == 200 and statements == 3
    events = read_with_icalendar(first.content).walk("VEVENT")
    starts = [e.decoded("DTSTART") for e in events]
    assert len(starts) == 3 and starts == sorted(starts)
    # The ETag read with the rows is the one a conditional request computes on its own.
    assert unchanged.status_code == 304 and unchanged["ETag"] == first["ETag"]


def test_an_empty_feed_has_the_same_etag_either_way(client_for, mediator):
    path = feed_path(client_for, mediator.user)

    first = Client().get(path)
    unchanged = Client().get(path, HTTP_IF_NONE_MATCH=first["ETag"])

    assert first.status_code == 200
    assert unchanged.status_code == 304 and unchanged["ETag"] == first["ETag"]


def test_a_matching_conditional_request_does_not_build_the_feed(
    client_for, mediator, staff, monkeypatch
):
    BookingFactory(institution=staff.institution, mediator=mediator, status=Status.CONFIRMED)
    path = feed_path(client_for, mediator.user)
    etag = Client().get(path)["ETag"]

    def must_not_build(content):
        raise AssertionError("built the feed for a 304")

    monkeypatch.setattr("notifications.views.feed_build", must_not_build)
    unchanged = Client().get(path, HTTP_IF_NONE_MATCH=etag)

    assert unchanged.status_code == 304
    assert unchanged["Cache-Control"] == "private, max-age=300"


def test_a_new_address_of_the_place_changes_the_etag(client_for, mediator, staff):
    booking = BookingFactory(
        institution=staff.institution, mediator=mediator, status=Status.CONFIRMED
    )
    path = feed_path(client_for, mediator.user)
    first = Client().get(path)

    location = booking.location
    location.address = "Neue Straße 7"
    location.save()
    changed = Client().get(path, HTTP_IF_NONE_MATCH=first["ETag"])

    assert changed.status_code == 200
    assert b"Neue Stra" in changed.content


def test_the_feed_answers_only_get_and_head(client_for, mediator):
    path = feed_path(client_for, mediator.user)

    assert Client().head(path).status_code == 200
    assert Client().post(path).status_code == 405


def test_a_ukrainian_mediators_feed_names_the_language_in_ukrainian(client_for, mediator, staff):
    mediator.language = "uk"
    mediator.save(update_fields=["language"])
    BookingFactory(
        institution=staff.institution,
        mediator=mediator,
        status=Status.CONFIRMED,
        confirmed_at=timezone.now(),
        language=Language.objects.get(code="ukr"),
    )

    response = Client().get(feed_path(client_for, mediator.user))

    (event,) = read_with_icalendar(response.content).walk("VEVENT")
    assert "українська" in str(event["SUMMARY"])
    assert "Ukrainian" not in str(event["SUMMARY"])
