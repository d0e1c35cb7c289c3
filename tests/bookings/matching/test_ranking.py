"""Ranking: the pool's weights order eligible mediators, each with readable reasons."""

import datetime

import pytest
from django.utils import timezone, translation

from bookings.constants import Field, Mode, Status
from bookings.matching.selectors import candidates_for
from bookings.models import BookingEvent
from core.constants import ActorRole
from tests.bookings.factories import OfferFactory
from tests.clock import frozen
from tests.institutions.factories import InstitutionFactory, TownFactory

from .scenario import (
    KEMPEN,
    NETTETAL,
    NOW,
    VIERSEN,
    at,
    hold,
    make_booking,
    make_mediator,
    make_pool,
)

# Ranking weighs the recent past against the clock: the history below is days before NOW,
# which the ranking reads too.
pytestmark = [pytest.mark.django_db, frozen(NOW)]


def only_weight(pool, name):
    for weight in ("travel", "continuity", "fairness", "preferences", "reliability"):
        setattr(pool, f"weight_{weight}", 1.0 if weight == name else 0.0)
    pool.save()
    return pool


def order(booking):
    return [c.mediator.pk for c in candidates_for(booking)]


def days_ago(n, hour=10):
    return timezone.now().replace(
        hour=hour, minute=0, second=0, microsecond=0
    ) - datetime.timedelta(days=n)


def test_the_nearest_mediator_ranks_first_by_travel():
    pool = only_weight(make_pool(), "travel")
    far = make_mediator(pool, home=KEMPEN)
    near = make_mediator(pool, home=VIERSEN)
    middle = make_mediator(pool, home=NETTETAL)
    assert order(make_booking(pool, place=VIERSEN)) == [near.pk, middle.pk, far.pk]


def test_continuity_prefers_the_mediator_of_the_same_case_at_the_same_institution():
    pool = only_weight(make_pool(), "continuity")
    school = InstitutionFactory(pool=pool)
    other_school = InstitutionFactory(pool=pool)
    stranger = make_mediator(pool)
    knows_case = make_mediator(pool)
    same_ref_elsewhere = make_mediator(pool)
    hold(
        knows_case,
        institution=school,
        case_reference="FALL-3",
        starts_at=days_ago(20),
        mode=Mode.PHONE,
    )
    hold(
        same_ref_elsewhere,
        institution=other_school,
        case_reference="FALL-3",
        starts_at=days_ago(20),
        mode=Mode.PHONE,
    )

    ranked = candidates_for(make_booking(institution=school, case_reference="FALL-3"))

    assert ranked[0].mediator == knows_case and ranked[0].components["continuity"] == 1
    assert {c.mediator for c in ranked[1:]} == {stranger, same_ref_elsewhere}
    assert all(c.components["continuity"] == 0 for c in ranked[1:])


def test_continuity_prefers_the_mediator_of_the_booking_this_follows_up():
    pool = only_weight(make_pool(), "continuity")
    make_mediator(pool)
    earlier_mediator = make_mediator(pool)
    earlier = hold(earlier_mediator, starts_at=days_ago(7), mode=Mode.PHONE)
    assert order(make_booking(pool, follow_up_of=earlier))[0] == earlier_mediator.pk


def test_fair_spread_puts_who_served_fewer_hours_recently_first():
    pool = only_weight(make_pool(), "fairness")
    busy = make_mediator(pool)
    idle = make_mediator(pool)
    for n in (3, 5, 9):
        hold(busy, starts_at=days_ago(n), minutes=180, mode=Mode.PHONE)
    hold(idle, starts_at=days_ago(3), minutes=30, mode=Mode.PHONE)
    assert order(make_booking(pool)) == [idle.pk, busy.pk]


def test_fair_spread_puts_the_least_recently_served_first_when_hours_are_equal():
    pool = only_weight(make_pool(), "fairness")
    recent = make_mediator(pool)
    long_ago = make_mediator(pool)
    hold(recent, starts_at=days_ago(2), mode=Mode.PHONE)
    hold(long_ago, starts_at=days_ago(25), mode=Mode.PHONE)
    assert order(make_booking(pool)) == [long_ago.pk, recent.pk]


def test_declining_offers_does_not_lower_a_mediators_rank():
    pool = make_pool()
    declines_often = make_mediator(pool)
    other = make_mediator(pool)
    first = candidates_for(make_booking(pool))
    score_before = {c.mediator.pk: c.score for c in first}
    for hour in (14, 15, 16):
        OfferFactory(
            booking=make_booking(pool, starts_at=days_ago(3, hour)),
            mediator=declines_often,
            status="declined",
        )
    again = {
        c.mediator.pk: c.score for c in candidates_for(make_booking(pool, starts_at=at(hour=15)))
    }
    assert again[declines_often.pk] == score_before[declines_often.pk]
    assert again[other.pk] == score_before[other.pk]


def test_reliability_lowers_mediators_with_recent_late_cancellations_and_no_shows():
    pool = only_weight(make_pool(), "reliability")
    reliable = make_mediator(pool)
    no_show = make_mediator(pool)
    late = make_mediator(pool)
    hold(no_show, starts_at=days_ago(10), mode=Mode.PHONE, status=Status.NO_SHOW)
    given_back = make_booking(pool, starts_at=days_ago(12))
    BookingEvent.objects.create(
        booking=given_back,
        actor_role=ActorRole.MEDIATOR,
        from_status=Status.CONFIRMED,
        to_status=Status.REQUESTED,
        data={"late": True, "mediator_id": late.pk, "mediator_cancelled": True},
    )
    ranked = candidates_for(make_booking(pool))
    assert ranked[0].mediator == reliable
    assert {c.mediator for c in ranked[1:]} == {late, no_show}
    assert ranked[-1].mediator == no_show  # a no-show weighs twice a late cancellation


def test_preferences_for_town_and_field_raise_the_score():
    pool = only_weight(make_pool(), "preferences")
    town = TownFactory(name="Kempen")
    school = InstitutionFactory(pool=pool, town=town)
    indifferent = make_mediator(pool)
    likes_field = make_mediator(pool, preferred_fields=[Field.SCHOOL])
    likes_both = make_mediator(pool, preferred_fields=[Field.SCHOOL])
    likes_both.preferred_towns.add(town)
    booking = make_booking(institution=school, field=Field.SCHOOL)
    booking.location.town = town
    booking.location.save()
    assert order(booking) == [likes_both.pk, likes_field.pk, indifferent.pk]


def test_every_candidate_has_a_score_and_reasons_in_german_and_english():
    pool = make_pool()
    make_mediator(pool)
    [candidate] = candidates_for(make_booking(pool, place=KEMPEN))
    assert 0 <= candidate.score <= 100
    with translation.override("en"):
        english = candidate.reason_texts
    with translation.override("de"):
        german = candidate.reason_texts
    assert any("km from home" in text for text in english)
    assert any("km vom Wohnort" in text for text in german)
    assert any("Has not interpreted yet" in text for text in english)
    assert any("Hat noch nicht gedolmetscht" in text for text in german)
    assert english != german


def test_the_weights_of_the_pool_decide_between_criteria():
    pool = make_pool()
    near_but_busy = make_mediator(pool, home=VIERSEN)
    far_but_idle = make_mediator(pool, home=KEMPEN)
    for n in (2, 4, 6, 8):
        hold(near_but_busy, starts_at=days_ago(n), minutes=240, mode=Mode.PHONE)
    booking = make_booking(pool, place=VIERSEN)

    only_weight(pool, "travel")
    booking.pool.refresh_from_db()
    assert order(booking)[0] == near_but_busy.pk
    only_weight(pool, "fairness")
    booking.pool.refresh_from_db()
    assert order(booking)[0] == far_but_idle.pk
