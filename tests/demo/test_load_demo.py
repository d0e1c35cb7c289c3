"""`manage.py load_demo`: the Kreis Viersen demo, created once and kept on a second run."""

import datetime
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from rest_framework.test import APIClient

from bookings.constants import (
    HOLDING_STATUSES,
    AlertKind,
    AllowanceKind,
    Mode,
    ReportStatus,
    Status,
)
from bookings.models import Alert, Allowance, Booking, BookingEvent, Feedback, Offer, Report
from bookings.services import allowance_compute, compensation_rule_for
from bookings.services.meeting import meeting_url_check
from bookings.state_machine import TRANSITIONS, can_transition
from core.constants import ActorRole
from demo.catalogue import INSTITUTIONS
from demo.loader import DEMO_PASSWORD, load_demo
from demo.profiles import PROFILES
from institutions.coordination import COORDINATION_GROUP
from institutions.models import Budget, CompensationRule, Institution, Location, Pool, Staff
from mediators.models import Absence, AvailabilitySlot, Mediator, MediatorLanguage
from notifications.models import Message

pytestmark = pytest.mark.django_db

BERLIN = ZoneInfo("Europe/Berlin")
COUNTED = (Pool, Institution, Location, Staff, Budget, Mediator, MediatorLanguage,
           AvailabilitySlot, Absence, Booking, BookingEvent, Offer, Message, Report, Feedback,
           Allowance, get_user_model())  # fmt: skip


def counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in COUNTED}


def load() -> str:
    out = StringIO()
    call_command("load_demo", "--i-know-this-is-not-production", stdout=out)
    return out.getvalue()


@pytest.fixture
def demo():
    load()


def test_the_demo_creates_pool_people_bookings_and_logins_once_and_a_second_run_changes_nothing():
    output = load()

    pool = Pool.objects.get()
    assert pool.min_notice_working_days == 5
    rule = CompensationRule.objects.get(pool=pool)
    assert (rule.hourly_rate_cents, rule.rounding_minutes, rule.km_rate_cents) == (1500, 30, 30)
    assert (rule.travel_time_cap_minutes, rule.late_cancellation_paid_minutes) == (60, 120)
    assert pool.late_cancellation_hours == 24
    assert Institution.objects.count() == len(INSTITUTIONS) >= 40
    assert Institution.objects.values("town").distinct().count() == 9
    assert Institution.objects.values("kind").distinct().count() == 9
    assert Mediator.objects.count() == sum(p.count for p in PROFILES) == 80
    assert not Mediator.objects.filter(languages__isnull=True).exists()
    assert not Mediator.objects.filter(availability__isnull=True).exists()
    assert Budget.objects.exists() and Absence.objects.exists()
    assert Booking.objects.count() >= 100
    assert set(Booking.objects.values_list("status", flat=True)) == set(Status)
    assert Report.objects.exists() and Allowance.objects.exists()
    assert "koordination" in output and DEMO_PASSWORD in output

    # The demo logins work and cover every role
    User = get_user_model()

    coordinator = User.objects.get(username="koordination")
    assert coordinator.is_staff and not coordinator.is_superuser
    assert coordinator.groups.filter(name=COORDINATION_GROUP).exists()
    schule, jugendamt = User.objects.get(username="schule"), User.objects.get(username="jugendamt")
    assert schule.staff.institution != jugendamt.staff.institution
    amira, yusuf = User.objects.get(username="amira"), User.objects.get(username="yusuf")
    shared = {ml.language_id for ml in amira.mediator.languages.all()} & {
        ml.language_id for ml in yusuf.mediator.languages.all()
    }
    assert shared
    for user in (coordinator, schule, jugendamt, amira, yusuf):
        assert user.check_password(DEMO_PASSWORD)
    assert Booking.objects.filter(mediator__user__in=[amira, yusuf]).exists()

    # A second run keeps the data
    before = counts()
    output = load()
    assert counts() == before
    assert "nothing changed" in output
    assert "amira" in output and "schule" in output


def assert_every_booking_went_through_the_state_machine_in_order():
    for booking in Booking.objects.prefetch_related("events"):
        events = list(booking.events.all())
        assert events, booking.pk
        assert events[0].from_status == ""
        for before, after in zip(events, events[1:], strict=False):
            assert after.from_status == before.to_status
            # a disputed report is an event without a change of status
            if after.to_status != after.from_status:
                assert can_transition(after.from_status, after.to_status)
        assert events[-1].to_status == booking.status
        assert [e.created_at for e in events] == sorted(e.created_at for e in events)


def test_every_demo_booking_went_through_the_state_machine_without_double_booking(demo):
    assert_every_booking_went_through_the_state_machine_in_order()
    # ... and no mediator holds two overlapping bookings
    held = Booking.objects.filter(status__in=HOLDING_STATUSES).order_by("mediator", "starts_at")
    previous = None
    for booking in held:
        if previous and previous.mediator_id == booking.mediator_id:
            assert previous.ends_at <= booking.starts_at
        previous = booking


def test_the_demo_pool_allows_its_video_service_and_video_bookings_carry_links(demo):
    pool = Pool.objects.get()
    assert pool.meeting_hosts == ["meet.kreis-viersen.de"]
    video = Booking.objects.filter(mode=Mode.VIDEO)
    with_link = video.exclude(meeting_url="")
    assert with_link.exists()
    assert video.filter(meeting_url="").exists()  # some still wait for their link
    for booking in with_link:
        # the same check a link entered on the page or through the API goes through
        assert meeting_url_check(pool=pool, url=booking.meeting_url) == booking.meeting_url
    assert not Booking.objects.exclude(mode=Mode.VIDEO).exclude(meeting_url="").exists()


# One clock for the demo and the statement: the story is told as of ``now``, and "last month"
# is the month before ``now``. Spring's change to summer time (last month: February, the
# shortest), New Year's Day (the first of a month, last month in the year before) and the
# last day of a month (three weeks back stay inside the month).
NOWS = {
    "dst-change": datetime.datetime(2026, 3, 29, 12, 0, tzinfo=BERLIN),
    "year-start": datetime.datetime(2027, 1, 1, 9, 30, tzinfo=BERLIN),
    "month-end": datetime.datetime(2026, 8, 31, 18, 0, tzinfo=BERLIN),
}


@pytest.mark.parametrize("now", NOWS.values(), ids=NOWS.keys())
def test_the_demo_shows_a_bookings_whole_life_and_last_months_statement_on_any_day(now):
    load_demo(now=now)

    # Bookings in every state of the state machine, three weeks back and three ahead
    assert set(TRANSITIONS) == set(Status)
    assert set(Booking.objects.values_list("status", flat=True)) == set(Status)
    today = now.astimezone(BERLIN).date()
    days = {b.starts_at.astimezone(BERLIN).date() for b in Booking.objects.all()}
    assert min(days) <= today - datetime.timedelta(days=19)
    assert max(days) >= today + datetime.timedelta(days=19)
    assert_every_booking_went_through_the_state_machine_in_order()

    # Each demo mediator has a past appointment waiting for their report ...
    for username in ("amira", "yusuf"):
        assert Booking.objects.filter(
            mediator__user__username=username,
            status=Status.CONFIRMED,
            ends_at__lt=now,
            report__isnull=True,
        ).exists(), username
    # ... and each demo institution a report waiting for its confirmation
    for username in ("schule", "jugendamt"):
        institution = Staff.objects.get(user__username=username).institution
        assert Report.objects.filter(
            booking__institution=institution,
            booking__status=Status.COMPLETED,
            status=ReportStatus.SUBMITTED,
        ).exists(), username

    # One report is disputed: it waits for a coordinator, unpaid
    disputed = Report.objects.select_related("booking").get(status=ReportStatus.DISPUTED)
    assert disputed.booking.status == Status.COMPLETED
    assert Alert.objects.filter(
        booking=disputed.booking, kind=AlertKind.REPORT_DISPUTED, resolved_at=None
    ).exists()
    assert not Allowance.objects.filter(booking=disputed.booking).exists()

    # One late cancellation by the institution pays the booked time and the travel made
    late = Booking.objects.get(status=Status.CANCELLED, late_cancellation=True)
    assert late.cancelled_by_role == ActorRole.INSTITUTION
    assert late.starts_at - late.events.last().created_at < datetime.timedelta(hours=24)
    paid = Allowance.objects.get(booking=late)
    assert paid.kind == AllowanceKind.LATE_CANCELLATION and paid.mediator_id == late.mediator_id
    assert paid.breakdown["travel_reported"] and paid.breakdown["travel_cents"] > 0
    assert paid.amount_cents > paid.breakdown["time_cents"] > 0

    # Every other allowance is a closed booking's, computed from its confirmed report by the
    # pool's compensation rule; reports came after the appointment, the review after the report
    closed = Booking.objects.filter(status=Status.CLOSED)
    assert closed.count() >= 20
    allowances = Allowance.objects.filter(kind=AllowanceKind.APPOINTMENT)
    assert allowances.count() == closed.count() == allowances.filter(booking__in=closed).count()
    assert Report.objects.filter(status=ReportStatus.CONFIRMED).count() == closed.count()
    assert Feedback.objects.filter(booking__in=closed).exists()
    for allowance in allowances.select_related("booking__report", "booking__pool"):
        booking, report = allowance.booking, allowance.booking.report
        rule = compensation_rule_for(pool=booking.pool, day=allowance.day)
        expected = allowance_compute(
            rule=rule,
            actual_minutes=report.actual_minutes,
            travel_minutes=report.travel_minutes,
            travel_km=report.travel_km,
            ticket_cents=report.ticket_cents,
        )
        assert allowance.amount_cents == expected.amount_cents
        assert booking.ends_at < report.reported_at < report.reviewed_at < now
    reports = Report.objects.all()
    assert reports.filter(travel_km__gt=0).exists() and reports.filter(ticket_cents__gt=0).exists()

    # Last month's statement, as GET /api/v1/statements/ shows it to amira and yusuf, is > 0 €
    last_month = today.replace(day=1) - datetime.timedelta(days=1)
    for username in ("amira", "yusuf"):
        client = APIClient()
        client.force_authenticate(get_user_model().objects.get(username=username))
        response = client.get(
            "/api/v1/statements/", {"year": last_month.year, "month": last_month.month}
        )
        assert response.status_code == 200
        assert response.json()["total_cents"] > 0, username
