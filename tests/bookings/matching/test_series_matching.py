"""A series prefers one mediator: who holds a date of the series is ranked first for the
others, and the mediator confirmed for a date is offered the later dates before anybody
else (their pending offers to others withdrawn; those stay candidates)."""

import datetime

import pytest

from bookings.constants import OfferStatus, Status
from bookings.models import BookingSeries, Offer
from bookings.services.offers import booking_match, offer_accept, offer_decline
from bookings.state_machine import transition
from core.constants import ActorRole
from tests.support.commit import after_commit

from .scenario import DAY, KEMPEN, NOW, VIERSEN, at, make_booking, make_mediator, make_pool

pytestmark = pytest.mark.django_db


def series_of(pool, n=3):
    """A weekly series of n requested dates from DAY, one institution, one place."""
    first = make_booking(pool, starts_at=at(DAY))
    series = BookingSeries.objects.create(
        institution=first.institution, interval_weeks=1, count=n, created_at=NOW
    )
    first.series, first.series_position = series, 1
    first.save()
    dates = [first]
    for i in range(1, n):
        booking = make_booking(
            institution=first.institution, starts_at=at(DAY + datetime.timedelta(weeks=i)),
            series=series, series_position=i + 1, language=first.language,
        )  # fmt: skip
        dates.append(booking)
    return dates


def two_mediators(pool):
    """Near (Viersen) ranks before far (Kempen) on travel alone."""
    pool.weight_fairness = pool.weight_preferences = pool.weight_reliability = 0
    pool.save()
    return make_mediator(pool, home=VIERSEN), make_mediator(pool, home=KEMPEN)


def pending_mediators(booking):
    return list(
        Offer.objects.filter(booking=booking, status=OfferStatus.PENDING).values_list(
            "mediator_id", flat=True
        )
    )


def test_who_holds_a_date_of_the_series_is_ranked_first_for_the_others():
    from bookings.matching.selectors import candidates_for

    pool = make_pool(offer_strategy="cascade")
    near, far = two_mediators(pool)
    first, second, _third = series_of(pool)
    transition(first, to=Status.CONFIRMED, actor_role=ActorRole.SYSTEM, changes={"mediator": far})

    ranked = candidates_for(second, now=NOW)

    assert [c.mediator_id for c in ranked] == [far.pk, near.pk]
    assert ranked[0].score < ranked[1].score  # first despite the lower score
    assert any(r.code == "series" for r in ranked[0].reasons)
    assert not any(r.code == "series" for r in ranked[1].reasons)


def test_a_booking_outside_a_series_ranks_by_score_alone():
    from bookings.matching.selectors import candidates_for

    pool = make_pool(offer_strategy="cascade")
    near, far = two_mediators(pool)
    make_booking(pool, starts_at=at(DAY), status=Status.CONFIRMED, mediator=far)
    other = make_booking(pool, starts_at=at(DAY + datetime.timedelta(weeks=1)))

    assert [c.mediator_id for c in candidates_for(other, now=NOW)] == [near.pk, far.pk]


def test_accepting_a_date_offers_the_later_dates_to_the_same_mediator_first(messages):
    pool = make_pool(offer_strategy="cascade", offer_ttl_minutes=60)
    near, far = two_mediators(pool)
    first, second, third = series_of(pool)
    # The near mediator is asked for every date; the far one, asked too for the first after
    # the near one declined, accepts it.
    for booking in (first, second, third):
        booking_match(booking_id=booking.pk, now=NOW)
    with after_commit():
        offer_decline(offer=Offer.objects.get(booking=first, mediator=near), mediator=near,
                      now=NOW)  # fmt: skip
    assert pending_mediators(first) == [far.pk]

    with after_commit():
        offer_accept(offer=Offer.objects.get(booking=first, mediator=far), mediator=far, now=NOW)

    # Then the later dates are offered to the far mediator, the near one's offers withdrawn.
    for booking in (second, third):
        booking.refresh_from_db()
        assert booking.status == Status.OFFERED
        assert pending_mediators(booking) == [far.pk]
        assert Offer.objects.get(booking=booking, mediator=near).status == OfferStatus.WITHDRAWN
    made_for_far = [c["offer"].booking_id for c in messages.calls["offer_made_notify"]
                    if c["offer"].mediator_id == far.pk]  # fmt: skip
    assert sorted(made_for_far) == sorted([first.pk, second.pk, third.pk])


def test_when_the_series_mediator_declines_a_later_date_the_others_are_asked_again(messages):
    pool = make_pool(offer_strategy="cascade", offer_ttl_minutes=60)
    near, far = two_mediators(pool)
    first, second, _third = series_of(pool)
    booking_match(booking_id=second.pk, now=NOW)  # near is asked for the second date
    with after_commit():
        transition(first, to=Status.OFFERED, actor_role=ActorRole.SYSTEM)
        Offer.objects.create(booking=first, mediator=far, expires_at=NOW + datetime.timedelta(
            hours=1))  # fmt: skip
        offer_accept(offer=Offer.objects.get(booking=first, mediator=far), mediator=far, now=NOW)
    assert pending_mediators(second) == [far.pk]

    with after_commit():
        offer_decline(offer=Offer.objects.get(booking=second, mediator=far), mediator=far,
                      now=NOW)  # fmt: skip

    assert pending_mediators(second) == [near.pk]


def test_offering_the_later_dates_again_changes_nothing(messages):
    from bookings.services.offers import series_offer_following

    pool = make_pool(offer_strategy="cascade", offer_ttl_minutes=60)
    _near, far = two_mediators(pool)
    first, second, _third = series_of(pool)
    transition(first, to=Status.CONFIRMED, actor_role=ActorRole.SYSTEM, changes={"mediator": far})
    made = series_offer_following(first, mediator_id=far.pk, now=NOW)
    assert len(made) == 2
    before = list(Offer.objects.order_by("pk").values_list("pk", "status", "round"))

    assert series_offer_following(first, mediator_id=far.pk, now=NOW) == []
    assert list(Offer.objects.order_by("pk").values_list("pk", "status", "round")) == before
    assert pending_mediators(second) == [far.pk]
