"""A standby holds the time of the booking they stand by for, like a confirmed booking, travel
time included: they are not offered, assigned or planned anything that clashes with it, so
they are still eligible when the booking is given back. Releasing a standby while the booking
still needs one is an explicit step: the coordinators are told, and so is the mediator."""

from __future__ import annotations

import datetime

import pytest
from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext

from bookings.constants import AlertKind, OfferStatus, Status
from bookings.exceptions import NotEligible
from bookings.matching.selectors import candidates_for
from bookings.models import Alert, Offer, Standby
from bookings.planner.index import Index
from bookings.planner.selectors import problem_for_pool
from bookings.selectors.work_list import work_list_for
from bookings.services import booking_cancel
from bookings.services.offers import booking_assign, booking_match, offer_accept, standby_choose
from bookings.services.standby import ReleaseReason, standby_release_early
from mediators.services import conflict_declare
from notifications.constants import MessageKind
from notifications.models import Message
from tests.clock import frozen
from tests.institutions.factories import CoordinatorFactory
from tests.mediators.factories import AbsenceFactory
from tests.support.commit import after_commit

from .scenario import DAY, KEMPEN, NETTETAL, NOW, VIERSEN, at, make_booking, make_mediator

pytestmark = [pytest.mark.django_db, frozen(NOW)]


def standby_pool(**kwargs):
    from .scenario import make_pool

    pool = make_pool(standby_enabled=True, **kwargs)
    pool.weight_fairness = pool.weight_preferences = pool.weight_reliability = 0
    pool.save()
    return pool


def confirmed_with_standby(pool, **booking_kwargs):
    """best (Viersen) holds the booking, second (Nettetal) stands by, third (Kempen) is free."""
    best, second, third = (make_mediator(pool, home=h) for h in (VIERSEN, NETTETAL, KEMPEN))
    booking = make_booking(pool, **booking_kwargs)
    [offer] = booking_match(booking_id=booking.pk, now=NOW)
    assert offer.mediator == best
    with after_commit():
        offer_accept(offer=offer, mediator=best, now=NOW)
    booking.refresh_from_db()
    assert Standby.objects.get(booking=booking, released_at=None).mediator == second
    return booking, best, second, third


def test_the_standby_is_not_offered_another_booking_at_the_same_time_and_still_gets_theirs(
    messages,
):
    # The reproducer: the standby was offered (and took) another booking at the same time;
    # when the booking came back, they were no longer eligible and silently released.
    pool = standby_pool()
    booking, best, second, third = confirmed_with_standby(pool)
    other = make_booking(pool, starts_at=at(DAY, 10, 30))

    [offer] = booking_match(booking_id=other.pk, now=NOW)

    # best holds the booking, second stands by for it: the other booking goes to third.
    assert offer.mediator == third
    assert second.pk not in {c.mediator.pk for c in candidates_for(other, now=NOW)}

    booking_cancel(booking=booking, actor=best.user, reason="Krank", now=NOW)
    [reoffer] = booking_match(booking_id=booking.pk, now=NOW)

    assert reoffer.mediator == second
    assert Standby.objects.get(booking=booking).released_at is None
    with after_commit():
        offer_accept(offer=reoffer, mediator=second, now=NOW)
    booking.refresh_from_db()
    assert booking.status == Status.CONFIRMED and booking.mediator == second


def test_the_standby_holds_the_travel_time_around_the_appointment_too(messages):
    pool = standby_pool()
    booking, best, second, third = confirmed_with_standby(pool)  # 10-11 at Viersen
    right_after_elsewhere = make_booking(pool, starts_at=at(DAY, 11), place=KEMPEN)
    in_the_afternoon = make_booking(pool, starts_at=at(DAY, 15), place=KEMPEN)
    by_phone_right_after = make_booking(pool, starts_at=at(DAY, 11), mode="phone")

    def candidates(b):
        return {c.mediator.pk for c in candidates_for(b, now=NOW)}

    assert second.pk not in candidates(right_after_elsewhere)  # no time to get to Kempen
    assert second.pk in candidates(in_the_afternoon)
    assert second.pk in candidates(by_phone_right_after)  # no travel for a phone call


def test_a_coordinator_cannot_assign_the_standby_at_the_same_time(messages):
    pool = standby_pool()
    booking, best, second, third = confirmed_with_standby(pool)
    other = make_booking(pool, starts_at=at(DAY, 10))

    with pytest.raises(NotEligible):
        booking_assign(booking=other, mediator=second, actor=CoordinatorFactory(pool=pool).user,
                       now=NOW)  # fmt: skip

    other.refresh_from_db()
    assert other.status == Status.REQUESTED and other.mediator is None


def test_standing_by_does_not_count_towards_the_hour_limits(messages):
    pool = standby_pool()
    booking, best, second, third = confirmed_with_standby(pool, minutes=120)
    second.max_hours_per_week = 2
    second.save(update_fields=["max_hours_per_week"])
    later_that_week = make_booking(pool, starts_at=at(DAY + datetime.timedelta(days=1)),
                                   minutes=120)  # fmt: skip

    assert second.pk in {c.mediator.pk for c in candidates_for(later_that_week, now=NOW)}


def test_the_planner_does_not_give_the_standby_a_request_at_the_same_time(messages):
    pool = standby_pool()
    booking, best, second, third = confirmed_with_standby(pool)
    same_time = make_booking(pool, starts_at=at(DAY, 10, 30))
    afternoon = make_booking(pool, starts_at=at(DAY, 15))

    loaded = problem_for_pool(pool=pool, starts_on=DAY, ends_on=DAY, now=NOW)
    index = Index(loaded.problem)

    def planned_for(b):
        return {c.mediator.id for c in index.candidates[b.pk]}

    assert planned_for(same_time) == {third.pk}  # best holds it, second stands by
    assert second.pk in planned_for(afternoon)
    [data] = [m for m in loaded.problem.mediators if m.id == second.pk]
    assert [h.booking_id for h in data.standing_by] == [booking.pk]
    assert data.held_minutes_week == {}  # standing by is not serving


def test_the_planner_still_plans_the_standby_for_their_own_booking_once_given_back(messages):
    pool = standby_pool()
    booking, best, second, third = confirmed_with_standby(pool)
    booking_cancel(booking=booking, actor=best.user, reason="Krank", now=NOW)

    loaded = problem_for_pool(pool=pool, starts_on=DAY, ends_on=DAY, now=NOW)

    assert second.pk in {c.mediator.id for c in Index(loaded.problem).candidates[booking.pk]}


def test_a_standby_no_longer_eligible_is_released_explicitly_and_the_coordinator_told(messages):
    pool = standby_pool()
    coordinator = CoordinatorFactory(pool=pool)
    coordinator.user.email = "koordination@example.org"
    coordinator.user.save(update_fields=["email"])
    booking, best, second, third = confirmed_with_standby(pool)
    AbsenceFactory(mediator=second, starts_on=DAY, ends_on=DAY)
    booking_cancel(booking=booking, actor=best.user, reason="Krank", now=NOW)

    [offer] = booking_match(booking_id=booking.pk, now=NOW)

    assert offer.mediator == third
    assert Standby.objects.get(booking=booking).released_at is not None
    alert = Alert.objects.get(booking=booking, kind=AlertKind.STANDBY_RELEASED)
    assert alert.resolved_at is None and alert.mediator == second
    with translation.override(settings.LANGUAGE_CODE):  # the alert's text: the site's language
        why = gettext("The standby is no longer eligible for this appointment.")
    assert str(second) in alert.message and why in alert.message
    assert Message.objects.filter(
        kind=MessageKind.ALERT, recipient_email="koordination@example.org", booking=booking
    ).exists()
    assert messages.calls["standby_notify"][-1]["released"] is True
    assert alert in work_list_for(coordinator, now=NOW).alerts


def test_releasing_a_standby_early_alerts_once_and_tells_the_mediator(messages):
    pool = standby_pool()
    booking, best, second, third = confirmed_with_standby(pool)

    released = standby_release_early(booking=booking, reason=ReleaseReason.ON_REQUEST, now=NOW)
    again = standby_release_early(booking=booking, reason=ReleaseReason.ON_REQUEST, now=NOW)

    assert released is not None and released.mediator == second and again is None
    assert Alert.objects.filter(booking=booking, kind=AlertKind.STANDBY_RELEASED).count() == 1
    assert [c["released"] for c in messages.calls["standby_notify"] if "released" in c] == [True]
    # Released, the mediator's time is free again.
    other = make_booking(pool, starts_at=at(DAY, 10))
    assert second.pk in {c.mediator.pk for c in candidates_for(other, now=NOW)}


def test_the_routine_releases_do_not_alert_the_coordinator(messages):
    pool = standby_pool()
    booking, best, second, third = confirmed_with_standby(pool)
    booking_cancel(booking=booking, actor=best.user, reason="Krank", now=NOW)
    [offer] = booking_match(booking_id=booking.pk, now=NOW)

    with after_commit():
        offer_accept(offer=offer, mediator=second, now=NOW)  # the standby takes it over

    assert not Alert.objects.filter(kind=AlertKind.STANDBY_RELEASED).exists()


def test_a_conflict_of_interest_releases_the_standby_of_that_case_with_an_alert(messages):
    pool = standby_pool()
    booking, best, second, third = confirmed_with_standby(pool, case_reference="AZ 7/26")

    conflict_declare(
        mediator=second,
        case_reference="az 7/26",
        recorded_by=second.user,
        institution=booking.institution,
    )

    assert Standby.objects.get(booking=booking).released_at is not None
    assert Alert.objects.filter(booking=booking, kind=AlertKind.STANDBY_RELEASED).exists()
    assert not Offer.objects.filter(mediator=second, status=OfferStatus.PENDING).exists()


def test_a_standby_can_be_chosen_after_the_assignment_once(messages):
    pool = standby_pool()
    best, second, third = (make_mediator(pool, home=h) for h in (VIERSEN, NETTETAL, KEMPEN))
    booking = make_booking(pool)
    coordinator = CoordinatorFactory(pool=pool)
    booking_assign(booking=booking, mediator=best, actor=coordinator.user, now=NOW,
                   choose_standby=False)  # fmt: skip
    assert not Standby.objects.exists()

    standby_choose(booking_id=booking.pk, now=NOW)
    standby_choose(booking_id=booking.pk, now=NOW)

    assert Standby.objects.get(booking=booking, released_at=None).mediator == second
    assert Standby.objects.count() == 1
