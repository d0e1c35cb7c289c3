"""A coordinator plans a period at once, reviews the stored plan, then applies it."""

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from bookings.constants import Status
from bookings.models import BookingEvent, Offer
from bookings.planner.models import PlanItemOutcome, PlanRun, PlanStatus
from bookings.planner.selectors import problem_for_pool
from bookings.planner.services import plan_apply, plan_create
from bookings.services.offers import booking_assign
from tests.bookings.matching.scenario import NOW, bulk_mediators, make_pool
from tests.clock import frozen

from .scenario import DAY, versatile_pool

# Planning and applying read the clock (urgency, the time of the assignment): it is NOW,
# before the requests' DAY.
pytestmark = [pytest.mark.django_db, frozen(NOW)]


def plan_for(s, **kwargs) -> PlanRun:
    return plan_create(pool=s.pool, starts_on=DAY, ends_on=DAY, seconds=2, **kwargs)


def test_a_plan_without_apply_is_a_draft_and_changes_no_booking(capsys):
    s = versatile_pool()
    events, offers = BookingEvent.objects.count(), Offer.objects.count()

    call_command("plan_bookings", pool=s.pool.slug, starts_on=DAY, ends_on=DAY, seconds=2)

    run = PlanRun.objects.get()
    assert run.status == PlanStatus.DRAFT
    assert (run.requests, run.filled, run.greedy_filled) == (2, 2, 1)
    assert {(i.booking_id, i.mediator_id) for i in run.items.all()} == {
        (s.arabic.pk, s.arabic_only.pk),
        (s.tigrinya.pk, s.both.pk),
    }
    s.arabic.refresh_from_db()
    assert s.arabic.status == Status.REQUESTED and s.arabic.mediator is None
    assert (BookingEvent.objects.count(), Offer.objects.count()) == (events, offers)
    assert "2 of 2 open requests filled" in capsys.readouterr().out


def test_applying_a_plan_confirms_each_booking_through_the_state_machine():
    s = versatile_pool()

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
    assert run.status == PlanStatus.APPLIED and run.applied_by == s.coordinator.user
    assert set(run.items.values_list("outcome", flat=True)) == {PlanItemOutcome.ASSIGNED}
    for booking, mediator in ((s.arabic, s.arabic_only), (s.tigrinya, s.both)):
        booking.refresh_from_db()
        assert booking.status == Status.CONFIRMED and booking.mediator == mediator
        event = booking.events.get(to_status=Status.CONFIRMED)
        assert event.actor == s.coordinator.user


def test_a_booking_taken_since_planning_is_skipped_and_the_rest_applied():
    s = versatile_pool()
    run = plan_for(s)
    # Meanwhile a coordinator gives the Arabic request to the versatile mediator directly.
    booking_assign(booking=s.arabic, mediator=s.both, actor=s.coordinator.user)

    plan_apply(run=run, actor=s.coordinator.user)

    skipped = run.items.get(booking=s.arabic)
    assert skipped.outcome == PlanItemOutcome.SKIPPED and skipped.detail
    s.arabic.refresh_from_db()
    assert s.arabic.mediator == s.both  # unchanged
    s.tigrinya.refresh_from_db()
    # The versatile mediator now holds 10:00: Tigrinya cannot go to them as well.
    assert s.tigrinya.status == Status.REQUESTED
    assert run.items.get(booking=s.tigrinya).outcome == PlanItemOutcome.SKIPPED


def test_a_plan_is_applied_once_only():
    s = versatile_pool()
    run = plan_for(s)
    plan_apply(run=run, actor=s.coordinator.user)
    events = BookingEvent.objects.count()

    from bookings.exceptions import BookingConflict

    with pytest.raises(BookingConflict):
        plan_apply(run=run, actor=s.coordinator.user)
    assert BookingEvent.objects.count() == events


def test_the_command_refuses_an_unknown_pool_and_a_reversed_period():
    s = versatile_pool()
    with pytest.raises(CommandError, match="No pool"):
        call_command("plan_bookings", pool="nowhere", starts_on=DAY, ends_on=DAY)
    with translation.override("en"), pytest.raises(CommandError, match="ends before it starts"):
        call_command(
            "plan_bookings",
            pool=s.pool.slug,
            starts_on=DAY,
            ends_on=DAY.replace(day=DAY.day - 1),
        )
    assert not PlanRun.objects.exists()


def test_loading_a_pool_for_planning_takes_the_same_queries_for_10_and_100_mediators():
    def queries_for(n: int) -> int:
        pool = make_pool()
        bulk_mediators(pool, n, prefix=f"q{n}")
        with CaptureQueriesContext(connection) as ctx:
            loaded = problem_for_pool(pool=pool, starts_on=DAY, ends_on=DAY)
        assert len(loaded.problem.mediators) == n
        return len(ctx.captured_queries)

    assert queries_for(10) == queries_for(100)
