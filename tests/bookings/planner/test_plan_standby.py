"""Applying a plan in a pool with standbys: the standbys are chosen after every assignment,
so a standby (who holds the time) never takes a mediator the plan assigns later."""

import pytest
from django.core.management import call_command

from bookings.constants import Status
from bookings.models import Standby
from bookings.planner.models import PlanItemOutcome, PlanRun
from tests.bookings.matching.scenario import NOW
from tests.clock import frozen

from .scenario import DAY, versatile_pool

pytestmark = [pytest.mark.django_db, frozen(NOW)]


def test_a_plan_in_a_standby_pool_assigns_everything_and_then_chooses_the_standbys():
    s = versatile_pool()
    s.pool.standby_enabled = True
    s.pool.save(update_fields=["standby_enabled"])

    call_command(
        "plan_bookings",
        pool=s.pool.slug,
        starts_on=DAY,
        ends_on=DAY,
        seconds=2,
        apply=True,
        user=s.coordinator.user.username,
    )

    run = PlanRun.objects.get()
    # Chosen after each assignment, the Arabic request's standby would have been `both`
    # (next door), who then could not take the Tigrinya request at the same time.
    assert set(run.items.values_list("outcome", flat=True)) == {PlanItemOutcome.ASSIGNED}
    for booking, mediator in ((s.arabic, s.arabic_only), (s.tigrinya, s.both)):
        booking.refresh_from_db()
        assert booking.status == Status.CONFIRMED and booking.mediator == mediator
    # Both Arabic speakers hold a booking at that time: nobody is left to stand by.
    assert not Standby.objects.filter(released_at=None).exists()
