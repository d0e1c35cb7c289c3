"""Reschedule and no-show through the API.

Each change goes through its service and lands in the access log; bad input answers 400
with the field, a state that does not allow the change 409, and neither writes anything.
(Resolving a report and the travel of a late cancellation: test_lifecycle_reports.py.)
"""

import datetime
import json

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bookings.constants import Status
from bookings.models import AccessLog, Allowance, Booking, BookingEvent
from notifications.models import Message
from tests.api.lifecycle import (
    AUTUMN,
    MALFORMED,
    NEXT_YEAR,
    SPRING,
    berlin,
    counts,
    in_days,
    json_values,
    snapshot,
    time_like,
    url,
)
from tests.institutions.factories import LocationFactory
from tests.mediators.factories import (
    AvailabilitySlotFactory,
    LanguageFactory,
    MediatorLanguageFactory,
)

pytestmark = pytest.mark.django_db


# --- reschedule ---------------------------------------------------------------------------


def free_every_day(mediator):
    """The mediator speaks Arabic and is free every day 06-22 (near the world's places)."""
    MediatorLanguageFactory(mediator=mediator, language=LanguageFactory(code="ara"))
    for weekday in range(7):
        AvailabilitySlotFactory(
            mediator=mediator,
            weekday=weekday,
            start_time=datetime.time(6),
            end_time=datetime.time(22),
        )
    return mediator


def test_staff_move_a_confirmed_booking_and_both_sides_get_the_updated_invitation(world):
    free_every_day(world.mediator)
    booking = world.confirmed_booking("own", requested_by=world.requester.user)
    new_start = berlin(in_days(20), 9, 30)

    response = world.client("requester").post(
        url(booking, "reschedule"),
        {"starts_at": new_start, "reason": "Elternabend verschoben"},
        format="json",
    )

    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["starts_at"] == new_start
    assert body["status"] == "confirmed"
    assert body["mediator"]["id"] == world.mediator.pk
    assert body["reschedule_outcome"]["outcome"] == "mediator_kept"
    assert body["reschedule_outcome"]["at"] == body["events"][-1]["at"]
    assert body["reschedule_outcome"]["broken_rules"] is None  # coordinators only
    booking.refresh_from_db()
    assert booking.starts_at == datetime.datetime.fromisoformat(new_start)
    assert booking.ends_at == booking.starts_at + datetime.timedelta(minutes=60)
    assert booking.sequence == 1
    event = BookingEvent.objects.get(booking=booking)
    assert (event.from_status, event.to_status, event.reason) == (
        "confirmed",
        "confirmed",
        "Elternabend verschoben",
    )
    assert event.data["rescheduled"] is True
    assert set(event.data["changes"]) == {"starts_at"}
    changed = Message.objects.filter(booking=booking, kind="booking_changed")
    assert {m.recipient_user_id for m in changed} == {
        world.requester.user.pk,
        world.mediator.user.pk,
    }
    assert AccessLog.objects.get(booking=booking).action == "change"


def test_a_coordinator_changes_duration_and_place_of_another_institutions_request(world):
    booking = world.booking("other")
    hall = LocationFactory(institution=world.other_institution, name="Turnhalle")

    response = world.client("coordinator").post(
        url(booking, "reschedule"),
        {"duration_minutes": 90, "location": hall.pk, "reason": "größerer Raum"},
        format="json",
    )

    assert response.status_code == 200, response.json()
    assert response.json()["duration_minutes"] == 90
    assert response.json()["location"]["id"] == hall.pk
    booking.refresh_from_db()
    assert (booking.duration_minutes, booking.location_id, booking.status) == (
        90,
        hall.pk,
        Status.REQUESTED,
    )
    assert booking.ends_at - booking.starts_at == datetime.timedelta(minutes=90)


@pytest.mark.parametrize(
    "local, utc",
    [
        (f"{SPRING}T03:30:00", f"{SPRING}T01:30:00+00:00"),  # naive, just after the gap
        (f"{SPRING}T01:30:00Z", f"{SPRING}T01:30:00+00:00"),
        (f"{AUTUMN}T02:30:00+02:00", f"{AUTUMN}T00:30:00+00:00"),  # the first 02:30
        (f"{AUTUMN}T02:30:00+01:00", f"{AUTUMN}T01:30:00+00:00"),  # the second 02:30
    ],
)
def test_a_new_time_follows_the_berlin_rules_around_the_daylight_saving_changes(world, local, utc):
    booking = world.booking("own")

    response = world.client("requester").post(
        url(booking, "reschedule"), {"starts_at": local, "reason": "neuer Termin"}, format="json"
    )

    assert response.status_code == 200, response.json()
    booking.refresh_from_db()
    assert booking.starts_at == datetime.datetime.fromisoformat(utc)


# (rule, body, the field that says what is wrong)
INVALID_RESCHEDULES = [
    ("no reason", {"duration_minutes": 90}, "reason"),
    ("a blank reason", {"duration_minutes": 90, "reason": "   "}, "reason"),
    ("a 10k-character reason", {"duration_minutes": 90, "reason": "r" * 10_000}, "reason"),
    ("a NUL in the reason", {"duration_minutes": 90, "reason": "a\x00b"}, "reason"),
    ("a reason as a list", {"duration_minutes": 90, "reason": ["a"]}, "reason"),
    ("nothing to change", {"reason": "nur so"}, "non_field_errors"),
    ("the same values again", {"duration_minutes": 60, "reason": "x"}, "non_field_errors"),
    ("a start in the past", {"starts_at": "2020-05-04T10:00:00+02:00"}, "starts_at"),
    ("a naive time in the spring gap", {"starts_at": f"{SPRING}T02:30:00"}, "starts_at"),
    ("an offset Berlin skips", {"starts_at": f"{SPRING}T02:30:00+01:00"}, "starts_at"),
    ("the ambiguous autumn hour", {"starts_at": f"{AUTUMN}T02:30:00"}, "starts_at"),
    ("a winter offset in summer", {"starts_at": f"{NEXT_YEAR}-06-15T10:00:00+01:00"}, "starts_at"),
    ("another zone's offset", {"starts_at": f"{NEXT_YEAR}-06-15T10:00:00-05:00"}, "starts_at"),
    ("a date without time", {"starts_at": f"{NEXT_YEAR}-06-15"}, "starts_at"),
    ("an invalid date", {"starts_at": f"{NEXT_YEAR}-02-30T10:00:00+01:00"}, "starts_at"),
    ("year 9999", {"starts_at": "9999-12-31T23:30:00+01:00"}, "starts_at"),
    ("a number as start", {"starts_at": 1_800_000_000}, "starts_at"),
    ("null as start", {"starts_at": None}, "starts_at"),
    ("duration below 15", {"duration_minutes": 14}, "duration_minutes"),
    ("duration above 480", {"duration_minutes": 481}, "duration_minutes"),
    ("a huge duration", {"duration_minutes": 10**30}, "duration_minutes"),
    ("a fractional duration", {"duration_minutes": 60.5}, "duration_minutes"),
    ("duration as words", {"duration_minutes": "sixty"}, "duration_minutes"),
    ("duration as boolean", {"duration_minutes": True}, "duration_minutes"),
    ("another institution's location", {"location": "OTHER_LOCATION"}, "location"),
    ("another pool's location", {"location": "FOREIGN_LOCATION"}, "location"),
    ("a location that does not exist", {"location": 2**62}, "location"),
    ("a huge location id", {"location": 10**40}, "location"),
    ("location as text", {"location": "Aula"}, "location"),
    ("location null", {"location": None}, "location"),
]


@pytest.mark.parametrize(
    "rule, changes, field", INVALID_RESCHEDULES, ids=[row[0] for row in INVALID_RESCHEDULES]
)
def test_an_invalid_reschedule_answers_400_with_the_field_and_changes_nothing(
    world, rule, changes, field
):
    booking = world.confirmed_booking("own")
    placeholders = {
        "OTHER_LOCATION": world.other_location.pk,
        "FOREIGN_LOCATION": world.foreign_location.pk,
    }
    body = {"reason": "verschoben"} | {
        k: placeholders.get(v, v) if isinstance(v, str) else v for k, v in changes.items()
    }
    if rule == "no reason":
        body.pop("reason")
    before, state = counts(), snapshot(booking)

    response = world.client("requester").post(
        url(booking, "reschedule"), json.dumps(body), content_type="application/json"
    )

    assert response.status_code == 400, (rule, response.content[:300])
    assert field in response.json(), (rule, response.json())
    assert counts() == before
    assert snapshot(booking) == state


def test_a_coordinator_cannot_move_a_booking_to_a_place_of_another_institution(world):
    booking = world.booking("own")
    before, state = counts(), snapshot(booking)

    response = world.client("coordinator").post(
        url(booking, "reschedule"),
        {"location": world.other_location.pk, "reason": "anderer Ort"},
        format="json",
    )

    assert response.status_code == 400
    assert "location" in response.json()
    assert (counts(), snapshot(booking)) == (before, state)


def test_moving_onto_another_appointment_of_the_mediator_releases_them_and_says_why(world):
    free_every_day(world.mediator)
    # At 10:00 local time two weeks ahead: inside the mediator's hours whenever the suite runs
    # (two weeks from this very moment ended after 22:00 in a run in the evening).
    day = timezone.localdate() + datetime.timedelta(days=14)
    at_ten = timezone.make_aware(datetime.datetime.combine(day, datetime.time(10)))
    booking = world.confirmed_booking("own", requested_by=world.requester.user, starts_at=at_ten)
    busy = world.confirmed_booking(
        "other", starts_at=booking.starts_at + datetime.timedelta(days=1)
    )

    response = world.client("requester").post(
        url(booking, "reschedule"),
        {"starts_at": busy.starts_at.isoformat(), "reason": "verschoben"},
        format="json",
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["status"], body["mediator"]) == ("requested", None)
    assert body["reschedule_outcome"] == {
        "at": body["events"][-1]["at"],
        "outcome": "mediator_released",
        "explanation": "The language mediator cannot take the new time or place (they are "
        "not available at the new time) and was released; the search for someone else has "
        "started.",
        "release_reasons": ["time"],
        "broken_rules": None,
    }
    # the coordinator sees which hard rule the mediator breaks
    seen = world.client("coordinator").get(f"/api/v1/bookings/{booking.pk}/").json()
    assert seen["reschedule_outcome"]["broken_rules"] == ["overlap"]
    # the institution's e-mail says why; the mediator's cancels their calendar entry
    kinds = set(Message.objects.filter(booking=booking).values_list("kind", "recipient_user_id"))
    assert ("booking_reopened", world.requester.user.pk) in kinds
    assert ("booking_cancelled", world.mediator.user.pk) in kinds


def test_a_booking_never_moved_has_no_reschedule_outcome(world):
    booking = world.booking("own")

    body = world.client("requester").get(f"/api/v1/bookings/{booking.pk}/").json()

    assert body["reschedule_outcome"] is None


@pytest.mark.parametrize(
    "status, started",
    [
        (Status.OFFERED, False),
        (Status.CANCELLED, False),
        (Status.CLOSED, True),
        (Status.NO_SHOW, True),
        (Status.CONFIRMED, True),
    ],
)
def test_a_booking_with_offers_out_closed_or_started_cannot_be_moved(world, status, started):
    starts_at = timezone.now() + datetime.timedelta(hours=-2 if started else 24 * 14)
    booking = world.booking("own", status=status, mediator=world.mediator, starts_at=starts_at)
    before, state = counts(), snapshot(booking)

    response = world.client("coordinator").post(
        url(booking, "reschedule"), {"duration_minutes": 90, "reason": "x"}, format="json"
    )

    assert response.status_code == 409
    assert (counts(), snapshot(booking)) == (before, state)


def test_staff_of_another_institution_do_not_learn_that_the_booking_exists(world):
    booking = world.booking("other")
    state = snapshot(booking)

    response = world.client("admin").post(
        url(booking, "reschedule"), {"duration_minutes": 90, "reason": "x"}, format="json"
    )

    assert response.status_code == 404
    assert snapshot(booking) == state


@pytest.mark.parametrize("raw, label", MALFORMED, ids=[label for _raw, label in MALFORMED])
def test_a_malformed_reschedule_body_answers_400_and_changes_nothing(world, raw, label):
    booking = world.confirmed_booking("own")
    before, state = counts(), snapshot(booking)

    response = world.client("requester").generic(
        "POST", url(booking, "reschedule"), raw, content_type="application/json"
    )

    assert response.status_code == 400, (label, response.content[:200])
    assert (counts(), snapshot(booking)) == (before, state)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    body=st.one_of(
        json_values,
        st.fixed_dictionaries(
            {"reason": st.one_of(st.just("verschoben"), json_values)},
            optional={
                "starts_at": st.one_of(time_like, json_values),
                "duration_minutes": json_values,
                "location": json_values,
            },
        ),
    )
)
def test_no_reschedule_body_yields_a_500_and_a_refused_one_changes_nothing(world, body):
    booking = Booking.objects.filter(institution=world.institution).first() or (
        world.confirmed_booking("own")
    )
    before, state = counts(), snapshot(booking)

    response = world.client("requester").post(
        url(booking, "reschedule"), json.dumps(body), content_type="application/json"
    )

    assert response.status_code in (200, 400, 409), response.content[:300]
    if response.status_code != 200:
        assert (counts(), snapshot(booking)) == (before, state)


# --- no-show ------------------------------------------------------------------------------


def test_a_coordinator_marks_a_confirmed_appointment_that_has_started_as_no_show(world):
    booking = world.confirmed_booking(
        "other",
        mediator=world.other_mediator,
        starts_at=timezone.now() - datetime.timedelta(hours=1),
    )

    response = world.client("coordinator").post(
        url(booking, "no-show"), {"reason": "Familie nicht erschienen"}, format="json"
    )

    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "no_show"
    booking.refresh_from_db()
    assert booking.status == Status.NO_SHOW
    event = BookingEvent.objects.get(booking=booking)
    assert (event.from_status, event.to_status, event.actor_role, event.reason) == (
        "confirmed",
        "no_show",
        "coordinator",
        "Familie nicht erschienen",
    )
    assert not Allowance.objects.exists()


@pytest.mark.parametrize(
    "status, hours_from_now",
    [
        (Status.CONFIRMED, 2),  # not started yet
        (Status.REQUESTED, -1),
        (Status.COMPLETED, -3),
        (Status.CANCELLED, -1),
        (Status.NO_SHOW, -1),
    ],
)
def test_a_no_show_before_the_start_or_outside_confirmed_answers_409(world, status, hours_from_now):
    booking = world.confirmed_booking(
        "own", status=status, starts_at=timezone.now() + datetime.timedelta(hours=hours_from_now)
    )
    before, state = counts(), snapshot(booking)

    response = world.client("coordinator").post(url(booking, "no-show"), {}, format="json")

    assert response.status_code == 409
    assert (counts(), snapshot(booking)) == (before, state)


@pytest.mark.parametrize(
    "body", [{"reason": "r" * 10_000}, {"reason": ["a"]}, {"reason": "a\x00b"}, [1]]
)
def test_an_invalid_no_show_reason_answers_400_and_changes_nothing(world, body):
    booking = world.confirmed_booking("own", starts_at=timezone.now() - datetime.timedelta(hours=1))
    before, state = counts(), snapshot(booking)

    response = world.client("coordinator").post(
        url(booking, "no-show"), json.dumps(body), content_type="application/json"
    )

    assert response.status_code == 400
    assert (counts(), snapshot(booking)) == (before, state)


def test_a_coordinator_of_another_pool_gets_404_for_a_no_show(world):
    booking = world.confirmed_booking(
        "foreign", starts_at=timezone.now() - datetime.timedelta(hours=1)
    )

    response = world.client("coordinator").post(url(booking, "no-show"), {}, format="json")

    assert response.status_code == 404
    booking.refresh_from_db()
    assert booking.status == Status.CONFIRMED
