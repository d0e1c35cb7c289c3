"""Resolve a report and report the travel of a late cancellation through the API, and a
fuzz of these steps and the no-show: no body yields a 500, a refused one writes nothing.
"""

import datetime
import json

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given, settings

from bookings.constants import AlertKind, AllowanceKind, ReportStatus, Status
from bookings.models import AccessLog, Alert, Allowance, BookingEvent, Report
from tests.api.lifecycle import (
    MALFORMED,
    cancelled_late_by_the_institution,
    counts,
    disputed_under_a_rule,
    mutations,
    reported,
    rule,
    snapshot,
    url,
)
from tests.bookings.factories import OfferFactory

pytestmark = pytest.mark.django_db


# --- resolve a report ---------------------------------------------------------------------


def test_a_coordinator_resolves_a_disputed_report_with_corrected_minutes(world):
    rule(world)
    booking = reported(world, disputed=True)
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


def test_a_coordinator_settles_a_report_that_was_never_confirmed_asreported(world):
    rule(world)
    booking = reported(world, "other")

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
    rule(world)
    booking = reported(world, disputed=True)
    before, state = counts(), snapshot(booking)

    response = world.client("coordinator").post(
        url(booking, "resolve-report"), json.dumps(body), content_type="application/json"
    )

    assert response.status_code == 400, response.content[:300]
    assert field in response.json()
    assert (counts(), snapshot(booking)) == (before, state)
    assert Report.objects.get(booking=booking).status == ReportStatus.DISPUTED


def test_travel_on_a_phone_appointment_is_refused_with_400(world):
    rule(world)
    booking = reported(world, mode="phone", travel_km=0)
    before = counts()

    response = world.client("coordinator").post(
        url(booking, "resolve-report"), {"travel_km": 5}, format="json"
    )

    assert response.status_code == 400
    assert "travel_km" in response.json()
    assert counts() == before


def test_without_a_compensation_rule_resolving_answers_400_and_writes_nothing_at_all(world):
    booking = reported(world, disputed=True)
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
    rule(world)
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
    rule(world)
    booking = reported(world, disputed=True)
    before, state = counts(), snapshot(booking)

    response = world.client("coordinator").generic(
        "POST", url(booking, "resolve-report"), raw, content_type="application/json"
    )

    assert response.status_code == 400, (label, response.content[:200])
    assert (counts(), snapshot(booking)) == (before, state)


# --- travel made for a late cancellation ----------------------------------------------------


def test_the_mediator_adds_the_travel_made_to_the_late_cancellation_allowance(world):
    booking = cancelled_late_by_the_institution(world)
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
    booking = cancelled_late_by_the_institution(world)
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
    rule(world)
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
    booking = cancelled_late_by_the_institution(world)
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
    booking = cancelled_late_by_the_institution(world)
    before = counts()

    response = world.client("mediator").generic(
        "POST", url(booking, "travel-report"), raw, content_type="application/json"
    )

    assert response.status_code == 400, (label, response.content[:200])
    assert counts() == before
    assert Allowance.objects.get(booking=booking).amount_cents == 2250


def test_a_mediator_merely_offered_the_booking_may_not_report_travel(world):
    rule(world)
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


# --- fuzz the other three -----------------------------------------------------------------


# (role, booking in the state the endpoint expects, a valid body)
FUZZED = {
    "resolve-report": (
        "coordinator",
        disputed_under_a_rule,
        {"actual_minutes": 47, "travel_km": "3.5", "travel_minutes": 10, "reason": "ok"},
    ),
    "travel-report": (
        "mediator",
        cancelled_late_by_the_institution,
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
