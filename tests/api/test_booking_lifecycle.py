"""Approve, refuse, cancel, report, confirm and dispute through the API.

Every change goes through the services and lands in the access log; a state that does not
allow the change answers 409 and changes nothing.
"""

import datetime

import pytest
from django.utils import timezone

from bookings.constants import ReportStatus, Status
from bookings.models import AccessLog, Allowance, BookingEvent, Feedback, Report
from tests.bookings.factories import OfferFactory
from tests.institutions.factories import CompensationRuleFactory

pytestmark = pytest.mark.django_db


def url(booking, action: str) -> str:
    return f"/api/v1/bookings/{booking.pk}/{action}/"


def _events(booking) -> int:
    return BookingEvent.objects.filter(booking=booking).count()


def test_a_coordinator_approves_a_waiting_request(world):
    booking = world.booking("other", status=Status.AWAITING_APPROVAL)

    response = world.client("coordinator").post(url(booking, "approve"), {}, format="json")

    assert response.status_code == 200
    assert response.json()["status"] == "requested"
    booking.refresh_from_db()
    assert booking.status == Status.REQUESTED
    assert AccessLog.objects.get(booking=booking).action == "change"


@pytest.mark.parametrize(
    "status", [Status.REQUESTED, Status.CONFIRMED, Status.CANCELLED, Status.CLOSED]
)
def test_approving_in_any_other_status_answers_409_and_changes_nothing(world, status):
    booking = world.booking("own", status=status, mediator=world.mediator)

    response = world.client("coordinator").post(url(booking, "approve"), {}, format="json")

    assert response.status_code == 409
    booking.refresh_from_db()
    assert booking.status == status
    assert _events(booking) == 0
    assert not AccessLog.objects.exists()


def test_a_coordinator_refuses_a_waiting_request_with_a_reason(world):
    booking = world.booking("own", status=Status.AWAITING_APPROVAL)
    client = world.client("coordinator")

    without_reason = client.post(url(booking, "refuse"), {}, format="json")
    refused = client.post(url(booking, "refuse"), {"reason": "Budget erschöpft"}, format="json")

    assert without_reason.status_code == 400 and "reason" in without_reason.json()
    assert refused.status_code == 200
    assert refused.json()["status"] == "cancelled"
    assert refused.json()["cancellation_reason"] == "Budget erschöpft"
    assert refused.json()["events"][-1]["reason"] == "Budget erschöpft"


def test_staff_cancel_their_request_with_a_reason(world):
    booking = world.booking("own")

    response = world.client("requester").post(
        url(booking, "cancel"), {"reason": "Termin entfällt"}, format="json"
    )

    assert response.status_code == 200
    booking.refresh_from_db()
    assert (booking.status, booking.cancelled_by_role) == (Status.CANCELLED, "institution")


def test_cancelling_without_a_reason_answers_400_and_changes_nothing(world):
    booking = world.booking("own")

    response = world.client("requester").post(url(booking, "cancel"), {"reason": "  "})

    assert response.status_code == 400
    assert "reason" in response.json()
    booking.refresh_from_db()
    assert booking.status == Status.REQUESTED
    assert _events(booking) == 0


def test_cancelling_a_closed_booking_answers_409(world):
    booking = world.booking("own", status=Status.CLOSED, mediator=world.mediator)

    response = world.client("coordinator").post(url(booking, "cancel"), {"reason": "zu spät"})

    assert response.status_code == 409
    booking.refresh_from_db()
    assert booking.status == Status.CLOSED


def test_the_assigned_mediator_gives_a_booking_back_and_still_sees_the_answer(world):
    booking = world.confirmed_booking("own")

    response = world.client("mediator").post(
        url(booking, "cancel"), {"reason": "krank"}, format="json"
    )

    assert response.status_code == 200
    assert response.json()["status"] == "requested"
    assert response.json()["mediator"] is None
    booking.refresh_from_db()
    assert booking.mediator is None
    assert world.client("mediator").get(f"/api/v1/bookings/{booking.pk}/").status_code == 404


def test_a_mediator_holding_only_an_offer_cannot_cancel_the_booking(world):
    booking = world.booking("own", status=Status.OFFERED)
    OfferFactory(booking=booking, mediator=world.mediator)

    response = world.client("mediator").post(url(booking, "cancel"), {"reason": "nein"})

    assert response.status_code == 409
    booking.refresh_from_db()
    assert booking.status == Status.OFFERED


def _held_in_the_past(world):
    CompensationRuleFactory(pool=world.pool, valid_from=datetime.date(2020, 1, 1))
    return world.confirmed_booking("own", starts_at=timezone.now() - datetime.timedelta(hours=3))


def test_the_assigned_mediator_reports_time_and_travel(world):
    booking = _held_in_the_past(world)

    response = world.client("mediator").post(
        url(booking, "report"), {"actual_minutes": 47, "travel_km": "12.5"}, format="json"
    )

    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "completed"
    report = Report.objects.get(booking=booking)
    assert (report.actual_minutes, str(report.travel_km)) == (47, "12.5")
    assert response.json()["report"]["actual_minutes"] == 47


@pytest.mark.parametrize(
    "body, field",
    [
        ({"actual_minutes": 0, "travel_km": 1}, "actual_minutes"),
        ({"actual_minutes": 10**40, "travel_km": 1}, "actual_minutes"),
        ({"actual_minutes": 47, "travel_km": -1}, "travel_km"),
        ({"actual_minutes": 47, "travel_km": "far"}, "travel_km"),
        ({"actual_minutes": 47}, "travel_km"),
        ({"actual_minutes": "47 min", "travel_km": 3}, "actual_minutes"),
    ],
)
def test_an_invalid_report_answers_400_and_stores_nothing(world, body, field):
    booking = _held_in_the_past(world)

    response = world.client("mediator").post(url(booking, "report"), body, format="json")

    assert response.status_code == 400
    assert field in response.json()
    assert not Report.objects.exists()
    booking.refresh_from_db()
    assert booking.status == Status.CONFIRMED


def test_another_mediator_cannot_report_a_booking_they_merely_were_offered(world):
    booking = _held_in_the_past(world)
    booking.mediator = world.other_mediator
    booking.save()
    OfferFactory(booking=booking, mediator=world.mediator, status="pending")

    response = world.client("mediator").post(
        url(booking, "report"), {"actual_minutes": 47, "travel_km": 3}, format="json"
    )

    assert response.status_code == 403
    assert not Report.objects.exists()


def test_staff_confirm_the_report_with_feedback_only_coordinators_see(world):
    booking = _held_in_the_past(world)
    world.client("mediator").post(
        url(booking, "report"), {"actual_minutes": 47, "travel_km": 3}, format="json"
    )

    response = world.client("requester").post(
        url(booking, "confirm-report"),
        {"feedback": {"rating": 5, "comment": "sehr hilfreich"}},
        format="json",
    )

    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "closed"
    assert response.json()["feedback"] is None
    assert Feedback.objects.get(booking=booking).rating == 5
    assert Allowance.objects.filter(booking=booking).exists()
    seen_by = {
        role: world.client(role).get(f"/api/v1/bookings/{booking.pk}/").json()["feedback"]
        for role in ("coordinator", "requester", "mediator")
    }
    assert seen_by["coordinator"]["rating"] == 5
    assert seen_by["requester"] is None and seen_by["mediator"] is None


@pytest.mark.parametrize(
    "body", [{"feedback": {"rating": 6}}, {"feedback": {"rating": "gut"}}, {"feedback": [5]}]
)
def test_invalid_feedback_answers_400_and_leaves_the_report_waiting(world, body):
    booking = _held_in_the_past(world)
    world.client("mediator").post(
        url(booking, "report"), {"actual_minutes": 47, "travel_km": 3}, format="json"
    )

    response = world.client("requester").post(url(booking, "confirm-report"), body, format="json")

    assert response.status_code == 400
    assert "feedback" in response.json()
    booking.refresh_from_db()
    assert booking.status == Status.COMPLETED
    assert not Feedback.objects.exists()


def test_confirming_without_a_report_answers_409(world):
    booking = world.confirmed_booking("own")

    response = world.client("requester").post(url(booking, "confirm-report"), {}, format="json")

    assert response.status_code == 409
    booking.refresh_from_db()
    assert booking.status == Status.CONFIRMED


def test_staff_dispute_a_report_and_it_waits_for_a_coordinator(world):
    booking = _held_in_the_past(world)
    world.client("mediator").post(
        url(booking, "report"), {"actual_minutes": 47, "travel_km": 3}, format="json"
    )

    response = world.client("admin").post(
        url(booking, "dispute-report"), {"reason": "Nur 30 Minuten"}, format="json"
    )

    assert response.status_code == 200
    assert response.json()["status"] == "completed"
    assert Report.objects.get(booking=booking).status == ReportStatus.DISPUTED
    again = world.client("admin").post(url(booking, "confirm-report"), {}, format="json")
    assert again.status_code == 409
