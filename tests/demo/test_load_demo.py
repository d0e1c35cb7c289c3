"""`manage.py load_demo`: the Kreis Viersen demo, created once and kept on a second run."""

from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from bookings.constants import HOLDING_STATUSES, Status
from bookings.models import Booking, BookingEvent, Offer
from bookings.state_machine import can_transition
from demo.catalogue import INSTITUTIONS
from demo.loader import DEMO_PASSWORD
from demo.profiles import PROFILES
from institutions.coordination import COORDINATION_GROUP
from institutions.models import Budget, CompensationRule, Institution, Location, Pool, Staff
from mediators.models import Absence, AvailabilitySlot, Mediator, MediatorLanguage
from notifications.models import Message

pytestmark = pytest.mark.django_db

COUNTED = (Pool, Institution, Location, Staff, Budget, Mediator, MediatorLanguage,
           AvailabilitySlot, Absence, Booking, BookingEvent, Offer, Message,
           get_user_model())  # fmt: skip


def counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in COUNTED}


def load() -> str:
    out = StringIO()
    call_command("load_demo", stdout=out)
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
    statuses = set(Booking.objects.values_list("status", flat=True))
    assert {Status.AWAITING_APPROVAL, Status.REQUESTED, Status.CONFIRMED, Status.COMPLETED,
            Status.CANCELLED, Status.UNFILLED} <= statuses  # fmt: skip
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


def test_every_demo_booking_went_through_the_state_machine_without_double_booking(demo):
    for booking in Booking.objects.prefetch_related("events"):
        events = list(booking.events.all())
        assert events, booking.pk
        assert events[0].from_status == ""
        for before, after in zip(events, events[1:], strict=False):
            assert after.from_status == before.to_status
            assert can_transition(after.from_status, after.to_status)
        assert events[-1].to_status == booking.status
        assert [e.created_at for e in events] == sorted(e.created_at for e in events)
    # ... and no mediator holds two overlapping bookings
    held = Booking.objects.filter(status__in=HOLDING_STATUSES).order_by("mediator", "starts_at")
    previous = None
    for booking in held:
        if previous and previous.mediator_id == booking.mediator_id:
            assert previous.ends_at <= booking.starts_at
        previous = booking
