"""After the appointment: the mediator reports, the institution confirms (with feedback) or
disputes, a coordinator resolves; the allowance follows from the rule valid that day."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone, translation

from bookings.constants import AlertKind, AllowanceKind, Mode, ReportStatus, Status
from bookings.exceptions import BookingConflict, CompensationRuleMissing
from bookings.models import Alert, Allowance, Booking, BookingEvent, Feedback, Report
from bookings.services import (
    booking_mark_no_show,
    report_confirm,
    report_dispute,
    report_resolve,
    report_submit,
)
from core.constants import ActorRole
from core.exceptions import DomainError
from tests.bookings.lifecycle import berlin, coordinator_of, held_booking, spy_on, staff_of
from tests.institutions.factories import CompensationRuleFactory
from tests.mediators.factories import MediatorFactory

pytestmark = pytest.mark.django_db

STARTS = berlin(2027, 3, 15, 9, 0)
AFTER = berlin(2027, 3, 15, 10, 30)


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def booking():
    """A confirmed hour on 15 March 2027 in a pool paying 15 € per started half hour."""
    booking = held_booking(starts_at=STARTS, duration_minutes=60)
    CompensationRuleFactory(pool=booking.pool, valid_from=datetime.date(2027, 1, 1))
    return booking


@pytest.fixture
def staff(booking):
    return staff_of(booking.institution)


def submitted(booking, **figures):
    figures = {"actual_minutes": 47, "travel_km": Decimal("12"), **figures}
    return report_submit(booking=booking, actor=booking.mediator.user, now=AFTER, **figures)


# --- report_submit ------------------------------------------------------------------------


def test_the_assigned_mediator_reports_after_the_start_and_the_booking_is_completed(booking):
    report = submitted(booking, travel_minutes=25, ticket_cents=0)

    booking.refresh_from_db()
    assert booking.status == Status.COMPLETED
    assert (report.actual_minutes, report.travel_km, report.travel_minutes) == (47, 12, 25)
    assert report.status == ReportStatus.SUBMITTED
    event = booking.events.get()
    assert (event.from_status, event.to_status, event.actor_role) == (
        Status.CONFIRMED,
        Status.COMPLETED,
        ActorRole.MEDIATOR,
    )
    assert event.data["report"]["actual_minutes"] == 47
    assert not Allowance.objects.exists()  # only a confirmed report is paid


def test_a_report_before_the_start_answers_409_and_changes_nothing(booking):
    with pytest.raises(BookingConflict) as conflict:
        report_submit(
            booking=booking,
            actor=booking.mediator.user,
            actual_minutes=60,
            travel_km=0,
            now=STARTS - datetime.timedelta(minutes=1),
        )

    assert conflict.value.code == "too_early"
    booking.refresh_from_db()
    assert booking.status == Status.CONFIRMED
    assert not Report.objects.exists()
    assert not BookingEvent.objects.exists()


def test_only_the_assigned_mediator_may_report(booking):
    other = MediatorFactory(pool=booking.pool)

    with pytest.raises(PermissionDenied):
        report_submit(booking=booking, actor=other.user, actual_minutes=60, travel_km=0, now=AFTER)

    assert not Report.objects.exists()


@pytest.mark.parametrize("status", [Status.COMPLETED, Status.CLOSED, Status.CANCELLED])
def test_a_report_on_a_booking_that_is_not_confirmed_answers_409(status):
    booking = held_booking(status=status, starts_at=STARTS)

    with pytest.raises(BookingConflict):
        submitted(booking)

    assert not Report.objects.exists()
    assert not BookingEvent.objects.exists()


@pytest.mark.parametrize(
    ("figures", "field"),
    [
        ({"actual_minutes": 0}, "actual_minutes"),
        ({"actual_minutes": 721}, "actual_minutes"),
        ({"actual_minutes": "60"}, "actual_minutes"),
        ({"actual_minutes": True}, "actual_minutes"),
        ({"travel_km": -1}, "travel_km"),
        ({"travel_km": "abc"}, "travel_km"),
        ({"travel_km": "NaN"}, "travel_km"),
        ({"travel_km": Decimal("1000.1")}, "travel_km"),
        ({"travel_km": None}, "travel_km"),
        ({"travel_minutes": 601}, "travel_minutes"),
        ({"ticket_cents": -1}, "ticket_cents"),
        ({"ticket_cents": 10**9}, "ticket_cents"),
    ],
)
def test_invalid_figures_are_a_field_error_and_store_nothing(booking, figures, field):
    with pytest.raises(DomainError) as error:
        submitted(booking, **figures)

    assert error.value.field == field
    booking.refresh_from_db()
    assert booking.status == Status.CONFIRMED
    assert not Report.objects.exists()
    assert not BookingEvent.objects.exists()


def test_a_report_from_a_stale_copy_is_refused_once_another_mediator_holds_the_booking(booking):
    # Given the first mediator's page, loaded before they gave the booking back; a second
    # mediator holds it now (how is not the subject here)
    stale, first = Booking.objects.get(pk=booking.pk), booking.mediator
    second = MediatorFactory(pool=booking.pool)
    Booking.objects.filter(pk=booking.pk).update(mediator=second)

    # When the first mediator reports from that page
    with pytest.raises(PermissionDenied):
        report_submit(booking=stale, actor=first.user, actual_minutes=60, travel_km=0, now=AFTER)

    # Then the second mediator's booking is untouched
    booking.refresh_from_db()
    assert (booking.status, booking.mediator) == (Status.CONFIRMED, second)
    assert not Report.objects.exists()
    assert not BookingEvent.objects.exists()


def test_kilometres_are_kept_to_one_decimal(booking):
    report = submitted(booking, travel_km="7.25")

    report.refresh_from_db()
    assert report.travel_km == Decimal("7.3")


def test_travel_is_not_paid_for_a_phone_appointment():
    booking = held_booking(starts_at=STARTS, mode=Mode.PHONE, location=None)

    with pytest.raises(DomainError) as error:
        submitted(booking, travel_km=5)

    assert error.value.field == "travel_km"
    assert submitted(booking, travel_km=0).travel_km == 0


def test_a_second_report_answers_409_and_keeps_the_first(booking):
    submitted(booking, actual_minutes=47)

    with pytest.raises(BookingConflict):
        submitted(booking, actual_minutes=120)

    assert Report.objects.get().actual_minutes == 47


# --- report_confirm -----------------------------------------------------------------------


def test_the_institution_confirms_the_report_and_the_allowance_follows(booking, staff):
    # Given 47 minutes and 12 km reported
    submitted(booking)

    # When staff of the institution confirm with a rating
    closed = report_confirm(booking=booking, actor=staff.user, rating=4, comment="Sehr gut")

    # Then the booking is closed and 15 € + 12 km × 0.30 € = 18.60 € are paid
    assert closed.status == Status.CLOSED
    report = Report.objects.get()
    assert (report.status, report.reviewed_by) == (ReportStatus.CONFIRMED, staff.user)
    allowance = Allowance.objects.get()
    assert (allowance.mediator, allowance.kind, allowance.day) == (
        booking.mediator,
        AllowanceKind.APPOINTMENT,
        datetime.date(2027, 3, 15),
    )
    assert allowance.amount_cents == 1860
    assert allowance.breakdown["time_cents"] == 1500
    assert allowance.breakdown["travel_cents"] == 360
    feedback = Feedback.objects.get()
    assert (feedback.rating, feedback.comment, feedback.created_by) == (4, "Sehr gut", staff.user)
    assert booking.events.last().to_status == Status.CLOSED


@pytest.mark.parametrize("review", ["confirm", "dispute"])
def test_a_review_is_dated_to_the_moment_it_is_given(booking, staff, review):
    # Given a report, reviewed two days later as of that moment (the demo tells its story so)
    submitted(booking)
    reviewed_at = berlin(2027, 3, 17, 8, 15)

    # When
    if review == "confirm":
        report_confirm(booking=booking, actor=staff.user, rating=5, now=reviewed_at)
    else:
        report_dispute(booking=booking, actor=staff.user, reason="Nur 30 Minuten", now=reviewed_at)

    # Then
    assert Report.objects.get().reviewed_at == reviewed_at


def test_without_a_moment_a_review_is_dated_by_the_clock(booking, staff):
    submitted(booking)
    before = timezone.now()

    report_confirm(booking=booking, actor=staff.user)

    assert before <= Report.objects.get().reviewed_at <= timezone.now()


def test_confirming_without_feedback_leaves_no_feedback(booking, staff):
    submitted(booking)

    report_confirm(booking=booking, actor=staff.user)

    assert not Feedback.objects.exists()
    assert Allowance.objects.count() == 1


def test_staff_of_another_institution_may_not_confirm(booking):
    submitted(booking)
    stranger = staff_of()

    with pytest.raises(PermissionDenied):
        report_confirm(booking=booking, actor=stranger.user)

    booking.refresh_from_db()
    assert booking.status == Status.COMPLETED
    assert not Allowance.objects.exists()


@pytest.mark.parametrize(
    ("feedback", "field"),
    [
        ({"rating": 6}, "rating"),
        ({"rating": 0}, "rating"),
        ({"rating": "5"}, "rating"),
        ({"comment": "Nur ein Kommentar"}, "rating"),
        ({"rating": 3, "comment": "x" * 2001}, "comment"),
    ],
)
def test_invalid_feedback_is_a_field_error_and_confirms_nothing(booking, staff, feedback, field):
    submitted(booking)
    events = BookingEvent.objects.count()

    with pytest.raises(DomainError) as error:
        report_confirm(booking=booking, actor=staff.user, **feedback)

    assert error.value.field == field
    booking.refresh_from_db()
    assert booking.status == Status.COMPLETED
    assert Report.objects.get().status == ReportStatus.SUBMITTED
    assert not Feedback.objects.exists()
    assert not Allowance.objects.exists()
    assert BookingEvent.objects.count() == events


def test_without_a_rule_valid_on_the_day_confirming_fails_clearly_and_writes_nothing():
    staff = staff_of()
    booking = held_booking(institution=staff.institution, starts_at=STARTS)
    CompensationRuleFactory(pool=booking.pool, valid_from=datetime.date(2027, 4, 1))
    submitted(booking)
    events = BookingEvent.objects.count()

    with pytest.raises(CompensationRuleMissing) as missing:
        report_confirm(booking=booking, actor=staff.user, rating=5)

    assert "15.03.2027" in str(missing.value.message)
    booking.refresh_from_db()
    assert booking.status == Status.COMPLETED
    assert Report.objects.get().status == ReportStatus.SUBMITTED
    assert not Feedback.objects.exists()
    assert not Allowance.objects.exists()
    assert BookingEvent.objects.count() == events


def test_confirming_twice_answers_409_and_pays_once(booking, staff):
    submitted(booking)
    report_confirm(booking=booking, actor=staff.user)

    with pytest.raises(BookingConflict):
        report_confirm(booking=booking, actor=staff.user)

    assert Allowance.objects.count() == 1


def test_a_booking_without_a_report_cannot_be_confirmed(booking, staff):
    with pytest.raises(BookingConflict):
        report_confirm(booking=booking, actor=staff.user)

    assert not BookingEvent.objects.exists()


# --- report_dispute and report_resolve ------------------------------------------------------


def test_a_disputed_report_waits_for_a_coordinator_who_is_alerted(booking, staff, monkeypatch):
    notified = spy_on(monkeypatch, "bookings.services.reports.alert_notify")
    submitted(booking)

    result = report_dispute(booking=booking, actor=staff.user, reason="Nur 30 Minuten gedauert")

    assert result.status == Status.COMPLETED
    report = Report.objects.get()
    assert (report.status, report.dispute_reason) == (
        ReportStatus.DISPUTED,
        "Nur 30 Minuten gedauert",
    )
    event = booking.events.last()
    assert (event.from_status, event.to_status, event.reason) == (
        Status.COMPLETED,
        Status.COMPLETED,
        "Nur 30 Minuten gedauert",
    )
    assert event.data == {"report": "disputed"}
    alert = Alert.objects.get()
    assert (alert.kind, alert.booking, alert.pool) == (
        AlertKind.REPORT_DISPUTED,
        booking,
        booking.pool,
    )
    assert notified == [{"alert": alert}]
    assert not Allowance.objects.exists()

    # and the institution cannot confirm it any more
    with pytest.raises(BookingConflict):
        report_confirm(booking=booking, actor=staff.user)


def test_a_dispute_needs_a_reason(booking, staff):
    submitted(booking)

    with pytest.raises(DomainError) as error:
        report_dispute(booking=booking, actor=staff.user, reason="  ")

    assert error.value.field == "reason"
    assert Report.objects.get().status == ReportStatus.SUBMITTED
    assert not Alert.objects.exists()


def test_the_coordinator_resolves_a_dispute_with_corrected_figures(booking, staff):
    # Given a disputed report of 47 minutes and 12 km
    submitted(booking)
    report_dispute(booking=booking, actor=staff.user, reason="Nur 30 Minuten")
    coordinator = coordinator_of(booking.pool)

    # When the coordinator corrects it to 30 minutes
    closed = report_resolve(booking=booking, actor=coordinator.user, actual_minutes=30)

    # Then the booking is closed and 7.50 € + 3.60 € are paid
    assert closed.status == Status.CLOSED
    report = Report.objects.get()
    assert (report.status, report.actual_minutes, report.travel_km) == (
        ReportStatus.CONFIRMED,
        30,
        Decimal("12.0"),
    )
    assert Allowance.objects.get().amount_cents == 750 + 360
    event = booking.events.last()
    assert event.to_status == Status.CLOSED
    assert event.data["changes"] == {"actual_minutes": ["47", "30"]}
    assert Alert.objects.get().resolved_at is not None


@pytest.mark.parametrize("who", ["staff", "mediator", "other_coordinator"])
def test_only_a_coordinator_of_the_pool_resolves(booking, staff, who):
    submitted(booking)
    actor = {
        "staff": staff.user,
        "mediator": booking.mediator.user,
        "other_coordinator": coordinator_of(staff_of().institution.pool).user,
    }[who]

    with pytest.raises(PermissionDenied):
        report_resolve(booking=booking, actor=actor)

    assert not Allowance.objects.exists()


# --- no-show ------------------------------------------------------------------------------


def test_a_coordinator_marks_a_confirmed_booking_whose_start_has_passed_as_no_show(booking):
    coordinator = coordinator_of(booking.pool)

    result = booking_mark_no_show(
        booking=booking, actor=coordinator.user, reason="Familie nicht erschienen", now=AFTER
    )

    assert result.status == Status.NO_SHOW
    event = booking.events.get()
    assert (event.to_status, event.reason) == (Status.NO_SHOW, "Familie nicht erschienen")
    assert not Allowance.objects.exists()


def test_no_show_before_the_start_answers_409(booking):
    coordinator = coordinator_of(booking.pool)

    with pytest.raises(BookingConflict):
        booking_mark_no_show(
            booking=booking, actor=coordinator.user, now=STARTS - datetime.timedelta(hours=1)
        )

    booking.refresh_from_db()
    assert booking.status == Status.CONFIRMED
    assert not BookingEvent.objects.exists()


def test_a_no_show_from_a_stale_copy_is_refused_once_the_appointment_moved_later(booking):
    # Given a coordinator's page loaded before the appointment moved a week later
    stale, later = Booking.objects.get(pk=booking.pk), STARTS + datetime.timedelta(days=7)
    Booking.objects.filter(pk=booking.pk).update(
        starts_at=later, ends_at=later + datetime.timedelta(hours=1)
    )

    # When they mark it as no-show from that page, after the old start
    with pytest.raises(BookingConflict) as conflict:
        booking_mark_no_show(booking=stale, actor=coordinator_of(booking.pool).user, now=AFTER)

    # Then it has not started yet: nothing changes
    assert conflict.value.code == "too_early"
    booking.refresh_from_db()
    assert booking.status == Status.CONFIRMED
    assert not BookingEvent.objects.exists()


def test_only_a_coordinator_marks_a_no_show(booking, staff):
    with pytest.raises(PermissionDenied):
        booking_mark_no_show(booking=booking, actor=staff.user, now=AFTER)

    booking.refresh_from_db()
    assert booking.status == Status.CONFIRMED
