"""Widening one booking to a pool that helps on request: only a coordinator of the booking's
pool, only to a pool that agreed to help that pool (and does not share mediators with it
already), only while the booking looks for a mediator. The event says who, which pool and
why; matching runs again after the commit, and the helping pool's eligible mediators get
offers. Widening twice changes nothing."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import translation

from bookings.constants import OfferStatus, Status
from bookings.exceptions import BookingConflict
from bookings.matching.facts import is_eligible
from bookings.matching.near_misses import near_misses
from bookings.matching.selectors import (
    candidates_for,
    mediators_assignable_by,
    pools_helping_on_request,
    unfilled_requests_for,
)
from bookings.models import BookingEvent, Offer
from bookings.selectors.bookings import bookings_visible_to
from bookings.services.widen import booking_widen
from core.exceptions import DomainError
from core.time import BERLIN
from mediators.services import mediator_pause, mediator_resume
from tests.clock import frozen
from tests.institutions.factories import CoordinatorFactory, StaffFactory
from tests.support.commit import after_commit

from .scenario import AACHEN, NOW, VIERSEN, make_booking, make_mediator, make_pool

pytestmark = [pytest.mark.django_db, frozen(NOW)]


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def stuck():
    """An unfilled booking in Viersen whose own pool's one speaker lives in Aachen (out of
    range); Krefeld helps Viersen on request and has an eligible speaker; Mönchengladbach
    has one too but does not help."""
    viersen = make_pool(name="KI Kreis Viersen")
    krefeld = make_pool(name="KI Krefeld")
    gladbach = make_pool(name="KI Mönchengladbach")
    krefeld.helps_on_request.add(viersen)
    far = make_mediator(viersen, home=AACHEN)
    helper = make_mediator(krefeld, home=VIERSEN)
    stranger = make_mediator(gladbach, home=VIERSEN)
    booking = make_booking(viersen, place=VIERSEN, status=Status.UNFILLED)
    coordinator = CoordinatorFactory(pool=viersen)
    return {
        "booking": booking,
        "krefeld": krefeld,
        "gladbach": gladbach,
        "far": far,
        "helper": helper,
        "stranger": stranger,
        "coordinator": coordinator,
    }


def nothing_changed(booking):
    booking.refresh_from_db()
    assert booking.status == Status.UNFILLED
    assert not booking.widened_to.exists()
    assert not BookingEvent.objects.filter(booking=booking).exists()
    assert not Offer.objects.filter(booking=booking).exists()


def test_a_widened_booking_is_offered_to_the_helping_pools_eligible_mediator(stuck):
    booking = stuck["booking"]
    assert not candidates_for(booking, now=NOW)

    with after_commit():
        widening = booking_widen(
            booking=booking, pool=stuck["krefeld"], actor=stuck["coordinator"].user, now=NOW
        )

    assert widening.changed and widening.eligible == 1 and widening.matching
    booking.refresh_from_db()
    assert booking.status == Status.OFFERED
    offer = Offer.objects.get(booking=booking)
    assert offer.mediator == stuck["helper"] and offer.status == OfferStatus.PENDING
    # The helping pool's mediator sees the booking as an offer; nobody else of Mönchengladbach.
    assert booking in bookings_visible_to(stuck["helper"].user)
    assert booking not in bookings_visible_to(stuck["stranger"].user)


def test_eligibility_near_misses_candidates_and_assignment_agree_on_the_widened_pool(stuck):
    booking, helper, stranger = stuck["booking"], stuck["helper"], stuck["stranger"]
    coordinator = stuck["coordinator"].user
    assert not is_eligible(booking, helper, now=NOW)
    assert helper not in mediators_assignable_by(coordinator, booking)

    booking_widen(booking=booking, pool=stuck["krefeld"], actor=coordinator, now=NOW)

    assert is_eligible(booking, helper, now=NOW)
    assert [c.mediator_id for c in candidates_for(booking, now=NOW)] == [helper.pk]
    assert helper in mediators_assignable_by(coordinator, booking)
    assert stranger not in mediators_assignable_by(coordinator, booking)
    # The far one of the booking's own pool is still a near miss; the stranger is none.
    assert [m.mediator_id for m in near_misses(booking)] == [stuck["far"].pk]


def test_widening_records_who_which_pool_and_why(stuck):
    booking, krefeld, coordinator = stuck["booking"], stuck["krefeld"], stuck["coordinator"]

    booking_widen(
        booking=booking, pool=krefeld, actor=coordinator.user, reason="Holidays here", now=NOW
    )

    event = BookingEvent.objects.get(booking=booking, data__has_key="widened_to")
    assert event.actor == coordinator.user
    assert event.actor_role == "coordinator"
    assert event.reason == "Holidays here"
    assert event.data["widened_to"] == {"pool_id": krefeld.pk, "pool": "KI Krefeld"}
    assert list(booking.widened_to.all()) == [krefeld]


def test_widening_twice_changes_nothing_the_second_time(stuck):
    booking, krefeld, user = stuck["booking"], stuck["krefeld"], stuck["coordinator"].user
    with after_commit():
        booking_widen(booking=booking, pool=krefeld, actor=user, now=NOW)
    events = BookingEvent.objects.filter(booking=booking).count()
    offers = list(Offer.objects.filter(booking=booking).values_list("pk", "status"))

    with after_commit():
        again = booking_widen(booking=booking, pool=krefeld, actor=user, now=NOW)

    assert not again.changed
    assert BookingEvent.objects.filter(booking=booking).count() == events
    assert list(Offer.objects.filter(booking=booking).values_list("pk", "status")) == offers
    assert list(booking.widened_to.all()) == [krefeld]


def test_a_pool_that_does_not_help_on_request_is_refused_and_nothing_changes(stuck):
    booking = stuck["booking"]
    with after_commit(), pytest.raises(DomainError, match="does not help your pool on request"):
        booking_widen(
            booking=booking, pool=stuck["gladbach"], actor=stuck["coordinator"].user, now=NOW
        )
    nothing_changed(booking)


def test_help_is_one_way_the_helped_pool_does_not_help_back(stuck):
    krefeld = stuck["krefeld"]
    booking = make_booking(krefeld, status=Status.UNFILLED)
    with pytest.raises(DomainError, match="does not help your pool on request"):
        booking_widen(
            booking=booking,
            pool=stuck["booking"].pool,
            actor=CoordinatorFactory(pool=krefeld).user,
            now=NOW,
        )
    nothing_changed(booking)


def test_a_pool_that_shares_mediators_already_is_not_offered_and_refused(stuck):
    booking, gladbach = stuck["booking"], stuck["gladbach"]
    gladbach.shares_mediators_with.add(booking.pool)
    gladbach.helps_on_request.add(booking.pool)
    assert list(pools_helping_on_request(booking)) == [stuck["krefeld"]]
    with pytest.raises(DomainError, match="searched already"):
        booking_widen(booking=booking, pool=gladbach, actor=stuck["coordinator"].user, now=NOW)
    nothing_changed(booking)


@pytest.mark.parametrize("who", ["staff", "mediator", "other_coordinator", "helping_coordinator"])
def test_only_a_coordinator_of_the_bookings_pool_may_widen(stuck, who):
    booking = stuck["booking"]
    actor = {
        "staff": lambda: StaffFactory(institution=booking.institution).user,
        "mediator": lambda: stuck["far"].user,
        "other_coordinator": lambda: CoordinatorFactory(pool=stuck["gladbach"]).user,
        "helping_coordinator": lambda: CoordinatorFactory(pool=stuck["krefeld"]).user,
    }[who]()
    with pytest.raises(PermissionDenied):
        booking_widen(booking=booking, pool=stuck["krefeld"], actor=actor, now=NOW)
    nothing_changed(booking)


def test_the_helping_pools_coordinators_see_nothing_more_of_the_booking(stuck):
    booking = stuck["booking"]
    booking_widen(booking=booking, pool=stuck["krefeld"], actor=stuck["coordinator"].user, now=NOW)
    helping = CoordinatorFactory(pool=stuck["krefeld"]).user
    assert booking not in bookings_visible_to(helping)


@pytest.mark.parametrize("status", [Status.CONFIRMED, Status.CANCELLED, Status.AWAITING_APPROVAL])
def test_only_a_booking_still_looking_for_a_mediator_can_be_widened(stuck, status):
    mediator = stuck["far"] if status == Status.CONFIRMED else None
    booking = make_booking(stuck["booking"].pool, status=status, mediator=mediator)
    with pytest.raises(BookingConflict, match="still looking for a mediator"):
        booking_widen(booking=booking, pool=stuck["krefeld"], actor=stuck["coordinator"].user)
    assert not booking.widened_to.exists()
    assert not BookingEvent.objects.filter(booking=booking).exists()


def test_widened_while_the_helper_is_paused_stays_unfilled_until_they_resume(stuck):
    booking, helper, stranger = stuck["booking"], stuck["helper"], stuck["stranger"]
    mediator_pause(mediator=helper, by=None)

    with after_commit():
        widening = booking_widen(
            booking=booking, pool=stuck["krefeld"], actor=stuck["coordinator"].user, now=NOW
        )

    assert widening.changed and widening.eligible == 0 and not widening.matching
    booking.refresh_from_db()
    assert booking.status == Status.UNFILLED
    assert not Offer.objects.filter(booking=booking).exists()
    assert BookingEvent.objects.filter(booking=booking, data__has_key="widened_to").exists()
    # A change of a helping pool's mediator tries the widened request again, like their own.
    assert booking.pk not in unfilled_requests_for(stranger, now=NOW)

    with after_commit():
        mediator_resume(mediator=helper, by=None)

    booking.refresh_from_db()
    assert booking.status == Status.OFFERED
    assert Offer.objects.get(booking=booking).mediator == helper


def test_the_planner_plans_a_widened_booking_with_the_helping_pools_mediator(stuck):
    """The planner's pool set is ``pools_serving`` too: the helping pool's mediator is
    planned for the booking widened to that pool, and for no other booking of the pool."""
    from bookings.planner.models import PlanItemOutcome
    from bookings.planner.services import plan_apply, plan_create

    booking = stuck["booking"]
    day = booking.starts_at.astimezone(BERLIN).date()
    viersen = booking.pool
    # Three hours later: the helper could serve it as well, were it widened too.
    not_widened = make_booking(
        viersen,
        place=VIERSEN,
        status=Status.UNFILLED,
        starts_at=booking.starts_at + datetime.timedelta(hours=3),
    )
    before = plan_create(pool=viersen, starts_on=day, ends_on=day, seconds=1, now=NOW)
    assert (before.requests, before.filled) == (2, 0)

    with after_commit():
        booking_widen(
            booking=booking, pool=stuck["krefeld"], actor=stuck["coordinator"].user, now=NOW
        )
    run = plan_create(pool=viersen, starts_on=day, ends_on=day, seconds=1, now=NOW)

    assert (run.requests, run.filled) == (2, 1)
    assert {(i.booking_id, i.mediator_id) for i in run.items.all()} == {
        (booking.pk, stuck["helper"].pk)
    }
    plan_apply(run=run, actor=stuck["coordinator"].user, now=NOW)
    booking.refresh_from_db()
    not_widened.refresh_from_db()
    assert booking.status == Status.CONFIRMED and booking.mediator == stuck["helper"]
    assert not_widened.status == Status.UNFILLED and not_widened.mediator is None
    assert set(run.items.values_list("outcome", flat=True)) == {PlanItemOutcome.ASSIGNED}
