"""Reschedule, resolve a report, report the travel of a late cancellation and mark a no-show
through the API.

Each change goes through its service and lands in the access log; bad input answers 400
with the field, a state that does not allow the change 409, and neither writes anything.
"""

import datetime
import json
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bookings.constants import AlertKind, AllowanceKind, ReportStatus, Status
from bookings.models import AccessLog, Alert, Allowance, Booking, BookingEvent, Report
from notifications.models import Message
from tests.bookings.factories import OfferFactory
from tests.institutions.factories import CompensationRuleFactory, LocationFactory

pytestmark = pytest.mark.django_db

BERLIN = ZoneInfo("Europe/Berlin")
NEXT_YEAR = timezone.localdate().year + 1


def url(booking, action: str) -> str:
    return f"/api/v1/bookings/{booking.pk}/{action}/"


def berlin(day: datetime.date, hour: int, minute: int = 0) -> str:
    """A local time with Berlin's offset of that day, as an integrator sends it."""
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=BERLIN).isoformat()


def in_days(days: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=days)


def _last_sunday(month: int) -> datetime.date:
    day = datetime.date(NEXT_YEAR, month, 31)
    return day - datetime.timedelta(days=(day.weekday() + 1) % 7)


SPRING = _last_sunday(3)  # 02:00 → 03:00: 02:30 does not exist
AUTUMN = _last_sunday(10)  # 03:00 → 02:00: 02:30 happens twice


def counts() -> dict[str, int]:
    return {
        "events": BookingEvent.objects.count(),
        "access": AccessLog.objects.count(),
        "messages": Message.objects.count(),
        "allowances": Allowance.objects.count(),
        "reports": Report.objects.count(),
        "alerts": Alert.objects.count(),
    }


def snapshot(booking) -> tuple:
    booking.refresh_from_db()
    return (
        booking.status,
        booking.starts_at,
        booking.ends_at,
        booking.duration_minutes,
        booking.location_id,
        booking.sequence,
        booking.mediator_id,
    )


MALFORMED = [
    (b"{not json", "not json"),
    (b"", "empty"),
    (b"[1, 2]", "a list"),
    (b'"text"', "a string"),
    (b"null", "null"),
    (b'{"reason": "\\ud800"}', "a lone surrogate"),
    (b'{"duration_minutes": NaN, "reason": "x"}', "NaN"),
    (b'{"duration_minutes": 1' + b"0" * 5000 + b', "reason": "x"}', "a 5000-digit number"),
    (b"[" * 50_000 + b"]" * 50_000, "nested 50000 deep"),
    (b"\xff\xfe\x00garbage", "not UTF-8"),
]


# --- reschedule ---------------------------------------------------------------------------


def test_staff_move_a_confirmed_booking_and_both_sides_get_the_updated_invitation(world):
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


def test_moving_onto_another_appointment_of_the_mediator_answers_409_and_changes_nothing(world):
    booking = world.confirmed_booking("own")
    busy = world.confirmed_booking(
        "other", starts_at=booking.starts_at + datetime.timedelta(days=1)
    )
    before, state = counts(), snapshot(booking)

    response = world.client("requester").post(
        url(booking, "reschedule"),
        {"starts_at": busy.starts_at.isoformat(), "reason": "verschoben"},
        format="json",
    )

    assert response.status_code == 409
    assert response.json()["code"] == "overlap"
    assert (counts(), snapshot(booking)) == (before, state)


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


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**30), max_value=10**30)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=40),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children)
    ),
    max_leaves=8,
)
time_like = st.one_of(
    st.datetimes().map(lambda d: d.isoformat()),
    st.datetimes(timezones=st.timezones()).map(lambda d: d.isoformat()),
    st.from_regex(r"\A\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?([+-]\d{2}:\d{2}|Z)?\Z"),
)


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


# --- resolve a report ---------------------------------------------------------------------


def _rule(world):
    return CompensationRuleFactory(pool=world.pool, valid_from=datetime.date(2020, 1, 1))


def _reported(world, where="own", *, disputed=False, mode="on_site", **figures):
    mediator = world.other_mediator if where == "other" else world.mediator
    booking = world.confirmed_booking(
        where,
        mediator=mediator,
        status=Status.COMPLETED,
        mode=mode,
        starts_at=timezone.now() - datetime.timedelta(hours=3),
    )
    Report.objects.create(
        booking=booking,
        actual_minutes=figures.get("actual_minutes", 90),
        travel_km=figures.get("travel_km", 10),
        status=ReportStatus.DISPUTED if disputed else ReportStatus.SUBMITTED,
    )
    return booking


def test_a_coordinator_resolves_a_disputed_report_with_corrected_minutes(world):
    _rule(world)
    booking = _reported(world, disputed=True)
    Alert.objects.create(pool=world.pool, booking=booking, kind=AlertKind.REPORT_DISPUTED)

    response = world.client("coordinator").post(
        url(booking, "resolve-report"),
        {"actual_minutes": 47, "reason": "laut Schule 47 Minuten"},
        format="json",
    )

    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "closed"
    assert response.json()["report"]["actual_minutes"] == 47
    report = Report.objects.get(booking=booking)
    assert (report.status, report.actual_minutes, str(report.travel_km)) == (
        ReportStatus.CONFIRMED,
        47,
        "10.0",
    )
    # 47 minutes at 15 € per started half hour are 15 €; 10 km at 0.30 € are 3 €.
    assert Allowance.objects.get(booking=booking).amount_cents == 1500 + 300
    assert Alert.objects.get(booking=booking).resolved_at is not None
    assert BookingEvent.objects.get(booking=booking).data["changes"] == {
        "actual_minutes": ["90", "47"]
    }


def test_a_coordinator_settles_a_report_that_was_never_confirmed_as_reported(world):
    _rule(world)
    booking = _reported(world, "other")

    response = world.client("coordinator").post(url(booking, "resolve-report"), {}, format="json")

    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "closed"
    # 90 minutes are 3 started half hours: 22.50 €; 10 km: 3 €.
    assert Allowance.objects.get(booking=booking).amount_cents == 2250 + 300


INVALID_RESOLUTIONS = [
    ({"actual_minutes": 0}, "actual_minutes"),
    ({"actual_minutes": 721}, "actual_minutes"),
    ({"actual_minutes": 10**40}, "actual_minutes"),
    ({"actual_minutes": "47 min"}, "actual_minutes"),
    ({"actual_minutes": True}, "actual_minutes"),
    ({"travel_km": -1}, "travel_km"),
    ({"travel_km": 1001}, "travel_km"),
    ({"travel_km": "far"}, "travel_km"),
    ({"travel_km": "1.2345"}, "travel_km"),
    ({"travel_km": "1e400"}, "travel_km"),
    ({"travel_minutes": -1}, "travel_minutes"),
    ({"travel_minutes": 601}, "travel_minutes"),
    ({"ticket_cents": 50_001}, "ticket_cents"),
    ({"ticket_cents": 1.5}, "ticket_cents"),
    ({"reason": "r" * 10_000}, "reason"),
]


@pytest.mark.parametrize("body, field", INVALID_RESOLUTIONS)
def test_invalid_corrections_answer_400_and_leave_the_report_waiting(world, body, field):
    _rule(world)
    booking = _reported(world, disputed=True)
    before, state = counts(), snapshot(booking)

    response = world.client("coordinator").post(
        url(booking, "resolve-report"), json.dumps(body), content_type="application/json"
    )

    assert response.status_code == 400, response.content[:300]
    assert field in response.json()
    assert (counts(), snapshot(booking)) == (before, state)
    assert Report.objects.get(booking=booking).status == ReportStatus.DISPUTED


def test_travel_on_a_phone_appointment_is_refused_with_400(world):
    _rule(world)
    booking = _reported(world, mode="phone", travel_km=0)
    before = counts()

    response = world.client("coordinator").post(
        url(booking, "resolve-report"), {"travel_km": 5}, format="json"
    )

    assert response.status_code == 400
    assert "travel_km" in response.json()
    assert counts() == before


def test_without_a_compensation_rule_resolving_answers_400_and_writes_nothing_at_all(world):
    booking = _reported(world, disputed=True)
    before, state = counts(), snapshot(booking)

    response = world.client("coordinator").post(
        url(booking, "resolve-report"), {"actual_minutes": 30}, format="json"
    )

    assert response.status_code == 400
    assert (counts(), snapshot(booking)) == (before, state)
    report = Report.objects.get(booking=booking)
    assert (report.status, report.actual_minutes) == (ReportStatus.DISPUTED, 90)


@pytest.mark.parametrize("status", [Status.CONFIRMED, Status.CLOSED, Status.CANCELLED])
def test_resolving_without_a_report_waiting_answers_409(world, status):
    _rule(world)
    booking = world.confirmed_booking("own", status=status)
    before, state = counts(), snapshot(booking)

    response = world.client("coordinator").post(url(booking, "resolve-report"), {}, format="json")

    assert response.status_code == 409
    assert (counts(), snapshot(booking)) == (before, state)


# Every field of a resolution is optional, so an empty body settles the report as reported.
MALFORMED_NOT_EMPTY = [(raw, label) for raw, label in MALFORMED if raw]


@pytest.mark.parametrize(
    "raw, label", MALFORMED_NOT_EMPTY, ids=[label for _raw, label in MALFORMED_NOT_EMPTY]
)
def test_a_malformed_resolution_body_answers_400_and_changes_nothing(world, raw, label):
    _rule(world)
    booking = _reported(world, disputed=True)
    before, state = counts(), snapshot(booking)

    response = world.client("coordinator").generic(
        "POST", url(booking, "resolve-report"), raw, content_type="application/json"
    )

    assert response.status_code == 400, (label, response.content[:200])
    assert (counts(), snapshot(booking)) == (before, state)


# --- travel made for a late cancellation ----------------------------------------------------


def _cancelled_late_by_the_institution(world):
    """A confirmed booking in two hours, cancelled by the school through the API."""
    _rule(world)
    booking = world.confirmed_booking(
        "own", starts_at=timezone.now() + datetime.timedelta(hours=2), duration_minutes=90
    )
    cancelled = world.client("requester").post(
        url(booking, "cancel"), {"reason": "Familie abgesagt"}, format="json"
    )
    assert cancelled.json()["late_cancellation"] is True
    return booking


def test_the_mediator_adds_the_travel_made_to_the_late_cancellation_allowance(world):
    booking = _cancelled_late_by_the_institution(world)
    # The cancellation paid the booked 90 minutes: 3 half hours at 15 € per hour.
    assert Allowance.objects.get(booking=booking).amount_cents == 2250

    response = world.client("mediator").post(
        url(booking, "travel-report"), {"travel_km": "12.5", "travel_minutes": 25}, format="json"
    )

    assert response.status_code == 200, response.json()
    body = response.json()
    # 90 + 25 minutes are 4 started half hours (30 €), 12.5 km at 0.30 € are 3.75 €.
    assert (body["kind"], body["amount_cents"], body["booking"]) == (
        AllowanceKind.LATE_CANCELLATION,
        3000 + 375,
        booking.pk,
    )
    assert body["breakdown"]["travel_reported"] is True
    assert Allowance.objects.get(booking=booking).amount_cents == 3375
    assert AccessLog.objects.filter(booking=booking, user=world.mediator.user).count() == 1


def test_the_travel_of_a_late_cancellation_is_reported_only_once(world):
    booking = _cancelled_late_by_the_institution(world)
    client = world.client("mediator")
    client.post(url(booking, "travel-report"), {"travel_km": 10}, format="json")
    before = counts()

    again = client.post(url(booking, "travel-report"), {"travel_km": 50}, format="json")

    assert again.status_code == 409
    assert again.json()["code"] == "already_reported"
    assert Allowance.objects.get(booking=booking).amount_cents == 2250 + 300
    assert counts() == before


@pytest.mark.parametrize(
    "status, late, by",
    [
        (Status.CANCELLED, False, "institution"),  # in good time: nothing to pay
        (Status.CANCELLED, True, "coordinator"),
        (Status.CONFIRMED, False, ""),
        (Status.CLOSED, False, ""),
    ],
)
def test_travel_is_paid_only_for_a_late_cancellation_by_the_institution(world, status, late, by):
    _rule(world)
    booking = world.confirmed_booking(
        "own", status=status, late_cancellation=late, cancelled_by_role=by
    )
    before = counts()

    response = world.client("mediator").post(
        url(booking, "travel-report"), {"travel_km": 10}, format="json"
    )

    assert response.status_code == 409
    assert counts() == before


@pytest.mark.parametrize(
    "body, field",
    [
        ({}, "travel_km"),
        ({"travel_km": None}, "travel_km"),
        ({"travel_km": -3}, "travel_km"),
        ({"travel_km": "weit"}, "travel_km"),
        ({"travel_km": 10**40}, "travel_km"),
        ({"travel_km": 5, "travel_minutes": 10**40}, "travel_minutes"),
        ({"travel_km": 5, "ticket_cents": -1}, "ticket_cents"),
        ({"travel_km": 5, "ticket_cents": "4,50 €"}, "ticket_cents"),
    ],
)
def test_invalid_travel_answers_400_and_leaves_the_allowance_as_it_was(world, body, field):
    booking = _cancelled_late_by_the_institution(world)
    before = counts()

    response = world.client("mediator").post(
        url(booking, "travel-report"), json.dumps(body), content_type="application/json"
    )

    assert response.status_code == 400, response.content[:300]
    assert field in response.json()
    assert counts() == before
    allowance = Allowance.objects.get(booking=booking)
    assert (allowance.amount_cents, allowance.breakdown.get("travel_reported")) == (2250, None)


@pytest.mark.parametrize("raw, label", MALFORMED, ids=[label for _raw, label in MALFORMED])
def test_a_malformed_travel_body_answers_400_and_changes_nothing(world, raw, label):
    booking = _cancelled_late_by_the_institution(world)
    before = counts()

    response = world.client("mediator").generic(
        "POST", url(booking, "travel-report"), raw, content_type="application/json"
    )

    assert response.status_code == 400, (label, response.content[:200])
    assert counts() == before
    assert Allowance.objects.get(booking=booking).amount_cents == 2250


def test_a_mediator_merely_offered_the_booking_may_not_report_travel(world):
    _rule(world)
    booking = world.confirmed_booking(
        "own",
        mediator=world.other_mediator,
        status=Status.OFFERED,
    )
    OfferFactory(booking=booking, mediator=world.mediator)

    response = world.client("mediator").post(
        url(booking, "travel-report"), {"travel_km": 10}, format="json"
    )

    assert response.status_code == 403
    assert not Allowance.objects.exists()


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


# --- fuzz the other three -----------------------------------------------------------------


def _disputed_under_a_rule(world):
    _rule(world)
    return _reported(world, disputed=True)


# (role, booking in the state the endpoint expects, a valid body)
FUZZED = {
    "resolve-report": (
        "coordinator",
        _disputed_under_a_rule,
        {"actual_minutes": 47, "travel_km": "3.5", "travel_minutes": 10, "reason": "ok"},
    ),
    "travel-report": (
        "mediator",
        _cancelled_late_by_the_institution,
        {"travel_km": 12, "travel_minutes": 20, "ticket_cents": 0},
    ),
    "no-show": (
        "coordinator",
        lambda w: w.confirmed_booking(
            "own", starts_at=timezone.now() - datetime.timedelta(hours=1)
        ),
        {"reason": "nicht erschienen"},
    ),
}


@st.composite
def mutations(draw, valid: dict):
    if draw(st.integers(0, 4)) == 0:
        return draw(json_values)
    keys = st.sampled_from(sorted(valid)) | st.text(max_size=8)
    return {**valid, **draw(st.dictionaries(keys, json_values, min_size=1, max_size=3))}


@pytest.mark.parametrize("action", list(FUZZED))
def test_no_body_yields_a_500_on_these_steps_and_a_refused_one_changes_nothing(world, action):
    role, prepare, valid = FUZZED[action]
    booking = prepare(world)
    client = world.client(role)

    @settings(
        max_examples=40,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(body=mutations(valid))
    def check(body):
        before, state = counts(), snapshot(booking)
        amounts = list(Allowance.objects.values_list("amount_cents", flat=True))
        response = client.post(
            url(booking, action), json.dumps(body), content_type="application/json"
        )
        assert response.status_code in (200, 400, 409), response.content[:300]
        if response.status_code != 200:
            assert (counts(), snapshot(booking)) == (before, state)
            assert list(Allowance.objects.values_list("amount_cents", flat=True)) == amounts

    check()
