"""Series of appointments through the API: preview, request (all dates or none, each
refused date named), read, the series on each date, and cancel from a day onwards."""

import datetime

import pytest
from django.utils import timezone

from bookings.constants import Status
from bookings.models import Booking, BookingSeries

from .test_bookings import request_body

pytestmark = pytest.mark.django_db

SERIES = "/api/v1/series/"


def first_day(days: int = 21) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=days)


def series_body(world, **extra):
    body = request_body(world, starts_at=f"{first_day().isoformat()}T08:00:00")
    return {**body, "interval_weeks": 1, "count": 4, **extra}


def test_staff_preview_the_dates_without_writing_anything(world):
    response = world.client("requester").post(
        f"{SERIES}preview/",
        {"starts_at": f"{first_day().isoformat()}T08:00:00", "interval_weeks": 2, "count": 3},
        format="json",
    )

    assert response.status_code == 200, response.json()
    days = [datetime.datetime.fromisoformat(d).date() for d in response.json()["dates"]]
    assert days == [first_day() + datetime.timedelta(weeks=2 * i) for i in range(3)]
    assert all(d.endswith(("T08:00:00+01:00", "T08:00:00+02:00")) for d in response.json()["dates"])
    assert Booking.objects.count() == 0 and BookingSeries.objects.count() == 0


def test_staff_request_a_series_and_get_every_date_as_its_own_booking(world):
    skipped = first_day() + datetime.timedelta(weeks=1)

    response = world.client("requester").post(
        SERIES, series_body(world, skip=[skipped.isoformat()]), format="json"
    )

    assert response.status_code == 201, response.json()
    body = response.json()
    assert [d["position"] for d in body["bookings"]] == [1, 2, 3]
    assert skipped not in [
        datetime.datetime.fromisoformat(d["starts_at"]).date() for d in body["bookings"]
    ]
    assert {d["status"] for d in body["bookings"]} == {"requested"}
    one = world.client("requester").get(f"/api/v1/bookings/{body['bookings'][1]['id']}/").json()
    assert (one["series"], one["series_position"]) == (body["id"], 2)
    assert world.client("requester").get(f"{SERIES}{body['id']}/").json() == body


def test_a_series_past_the_limits_answers_400_and_writes_nothing(world):
    response = world.client("requester").post(SERIES, series_body(world, count=53), format="json")

    assert response.status_code == 400
    assert "count" in response.json()
    assert Booking.objects.count() == 0


def test_a_series_refused_by_a_rule_names_the_field_and_writes_nothing(world):
    world.pool.refused_kinds = ["medical_treatment"]
    world.pool.save()

    response = world.client("requester").post(
        SERIES, series_body(world, kind="medical_treatment"), format="json"
    )

    assert response.status_code == 400
    assert len(response.json()["series"]) == 4  # one line per date
    assert Booking.objects.count() == 0 and BookingSeries.objects.count() == 0


def test_mediators_and_other_institutions_do_not_reach_a_series(world):
    created = world.client("requester").post(SERIES, series_body(world), format="json").json()

    assert world.client("mediator").get(f"{SERIES}{created['id']}/").status_code == 403
    assert world.client("mediator").post(SERIES, series_body(world), format="json").status_code \
        == 403  # fmt: skip
    other = world.client("coordinator")
    assert other.get(f"{SERIES}{created['id']}/").status_code == 200
    foreign = BookingSeries.objects.create(
        institution=world.foreign_institution, interval_weeks=1, count=2, created_at=timezone.now()
    )
    assert world.client("requester").get(f"{SERIES}{foreign.pk}/").status_code == 404
    assert world.client("requester").post(
        f"{SERIES}{foreign.pk}/cancel/", {"day": first_day().isoformat(), "reason": "x"},
        format="json",
    ).status_code == 404  # fmt: skip


def test_cancelling_from_a_day_cancels_that_date_and_the_later_ones(world):
    created = world.client("requester").post(SERIES, series_body(world), format="json").json()
    third_day = first_day() + datetime.timedelta(weeks=2)

    response = world.client("requester").post(
        f"{SERIES}{created['id']}/cancel/",
        {"day": third_day.isoformat(), "reason": "The pupil moved away"},
        format="json",
    )

    assert response.status_code == 200, response.json()
    assert [d["status"] for d in response.json()["bookings"]] == [
        "requested", "requested", "cancelled", "cancelled",
    ]  # fmt: skip
    assert set(
        Booking.objects.filter(status=Status.CANCELLED).values_list(
            "cancellation_reason", flat=True
        )
    ) == {"The pupil moved away"}


def test_cancelling_without_a_reason_answers_400_and_changes_nothing(world):
    created = world.client("requester").post(SERIES, series_body(world), format="json").json()

    response = world.client("requester").post(
        f"{SERIES}{created['id']}/cancel/", {"day": first_day().isoformat()}, format="json"
    )

    assert response.status_code == 400 and "reason" in response.json()
    assert not Booking.objects.filter(status=Status.CANCELLED).exists()
