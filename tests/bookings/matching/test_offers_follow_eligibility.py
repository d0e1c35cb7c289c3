"""Offers follow eligibility: when a change makes a mediator ineligible for a booking they
hold a pending offer for - a confirmation elsewhere (accept, direct assignment, standby), a
declared conflict of interest - the offer is withdrawn in the same transaction and the
booking is offered to the next candidate; the mediator no longer sees it among their offers."""

from __future__ import annotations

import datetime

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from bookings.constants import OfferStatus, Status
from bookings.models import Booking, Offer, Standby
from bookings.services.offers import (
    booking_assign,
    booking_match,
    offer_accept,
    offers_withdraw_ineligible,
)
from mediators.services import conflict_declare
from mediators.signals import mediator_eligibility_changed
from tests.clock import frozen
from tests.institutions.factories import CoordinatorFactory
from tests.support.commit import after_commit

from .scenario import DAY, KEMPEN, NETTETAL, NOW, VIERSEN, at, make_booking, make_mediator

pytestmark = [pytest.mark.django_db, frozen(NOW)]


def by_distance_pool(**kwargs):
    from .scenario import make_pool

    pool = make_pool(**kwargs)
    pool.weight_fairness = pool.weight_preferences = pool.weight_reliability = 0
    pool.save()
    best, second, third = (make_mediator(pool, home=h) for h in (VIERSEN, NETTETAL, KEMPEN))
    return pool, best, second, third


def offer_of(booking, mediator) -> Offer:
    return Offer.objects.get(booking=booking, mediator=mediator)


def pending(booking) -> list[int]:
    return sorted(
        Offer.objects.filter(booking=booking, status=OfferStatus.PENDING).values_list(
            "mediator_id", flat=True
        )
    )


def open_offers_shown_to(mediator) -> set[int]:
    """The bookings the mediator's offer page and the API show as open offers (the same)."""
    client = APIClient()
    client.force_authenticate(user=mediator.user)
    response = client.get("/api/v1/offers/", {"status": "pending"})
    assert response.status_code == 200
    from_api = {row["booking"] for row in response.json()["results"]}
    page = Client()
    page.force_login(mediator.user)
    response = page.get(reverse("web:mediator-offers"))
    assert response.status_code == 200
    assert {o.booking_id for o in response.context["offers"]} == from_api
    return from_api


def test_accepting_one_offer_withdraws_the_clashing_one_and_asks_the_next(messages):
    pool, best, second, third = by_distance_pool()
    first = make_booking(pool, starts_at=at(DAY, 10))
    clashing = make_booking(pool, starts_at=at(DAY, 10, 30))
    booking_match(booking_id=first.pk, now=NOW)
    booking_match(booking_id=clashing.pk, now=NOW)
    assert open_offers_shown_to(best) == {first.pk, clashing.pk}

    with after_commit():
        offer_accept(offer=offer_of(first, best), mediator=best, now=NOW)

    assert offer_of(clashing, best).status == OfferStatus.WITHDRAWN
    assert pending(clashing) == [second.pk]  # cascade: the next candidate is asked at once
    assert Booking.objects.get(pk=clashing.pk).status == Status.OFFERED
    assert open_offers_shown_to(best) == set()
    withdrawn = [c["offer"].pk for c in messages.calls["offer_withdrawn_notify"]]
    assert offer_of(clashing, best).pk in withdrawn


def test_the_travel_time_counts_and_offers_that_still_fit_stay(messages):
    pool, best, second, third = by_distance_pool()
    first = make_booking(pool, starts_at=at(DAY, 10), place=VIERSEN)
    right_after_in_kempen = make_booking(pool, starts_at=at(DAY, 11), place=KEMPEN)
    afternoon = make_booking(pool, starts_at=at(DAY, 15), place=KEMPEN)
    for b in (first, right_after_in_kempen, afternoon):
        booking_match(booking_id=b.pk, now=NOW)
    kempen_offer = Offer.objects.get(booking=right_after_in_kempen, status=OfferStatus.PENDING)
    holder = kempen_offer.mediator  # the one nearest to Kempen
    assert offer_of(afternoon, holder).status == OfferStatus.PENDING
    booking_assign(booking=first, mediator=holder, actor=CoordinatorFactory(pool=pool).user,
                   now=NOW)  # fmt: skip

    kempen_offer.refresh_from_db()
    assert kempen_offer.status == OfferStatus.WITHDRAWN  # no time to travel to Kempen
    assert offer_of(afternoon, holder).status == OfferStatus.PENDING
    assert holder.pk not in pending(right_after_in_kempen) and pending(right_after_in_kempen)


def test_an_accept_that_fills_the_week_or_the_month_withdraws_the_offers_that_no_longer_fit(
    messages,
):
    """The confirmation checks again only the offers its new hold can touch - those near it
    in time, and those of its week or month once the hours there are used up - and withdraws
    exactly the ones that no longer fit; the rest stay pending."""
    pool, best, second, third = by_distance_pool()
    best.max_hours_per_week, best.max_hours_per_month = 2, 3
    best.save(update_fields=["max_hours_per_week", "max_hours_per_month"])
    tuesday = make_booking(pool, starts_at=at(DAY, 10), minutes=120)
    thursday = make_booking(pool, starts_at=at(DAY + datetime.timedelta(days=2), 10))
    next_tuesday = make_booking(pool, starts_at=at(DAY + datetime.timedelta(days=7), 10))
    next_wednesday = make_booking(
        pool, starts_at=at(DAY + datetime.timedelta(days=8), 10), minutes=90
    )
    february = make_booking(pool, starts_at=at(datetime.date(2027, 2, 2), 10), minutes=120)
    for b in (tuesday, thursday, next_tuesday, next_wednesday, february):
        booking_match(booking_id=b.pk, now=NOW)
        assert pending(b) == [best.pk]

    with after_commit():
        offer_accept(offer=offer_of(tuesday, best), mediator=best, now=NOW)

    # The week holds 2 of 2 hours: Thursday's hour no longer fits.
    assert offer_of(thursday, best).status == OfferStatus.WITHDRAWN
    assert pending(thursday) == [second.pk]
    # January holds 2 of 3 hours: one more hour fits, an hour and a half does not.
    assert offer_of(next_tuesday, best).status == OfferStatus.PENDING
    assert offer_of(next_wednesday, best).status == OfferStatus.WITHDRAWN
    # Another week and another month: untouched.
    assert offer_of(february, best).status == OfferStatus.PENDING


def test_a_direct_assignment_withdraws_the_mediators_clashing_offers(messages):
    pool, best, second, third = by_distance_pool()
    assigned = make_booking(pool, starts_at=at(DAY, 10))
    clashing = make_booking(pool, starts_at=at(DAY, 10), mode="phone")
    booking_match(booking_id=clashing.pk, now=NOW)
    assert pending(clashing) == [best.pk]

    booking_assign(booking=assigned, mediator=best, actor=CoordinatorFactory(pool=pool).user,
                   now=NOW)  # fmt: skip

    assert offer_of(clashing, best).status == OfferStatus.WITHDRAWN
    assert pending(clashing) == [second.pk]


def test_becoming_the_standby_withdraws_clashing_offers_as_a_confirmation_does(messages):
    pool, best, second, third = by_distance_pool(standby_enabled=True)
    booking = make_booking(pool, starts_at=at(DAY, 10))
    elsewhere = make_booking(pool, starts_at=at(DAY, 10), mode="phone")
    booking_match(booking_id=booking.pk, now=NOW)
    # second holds the offer of a phone call at the same time, made before the confirmation.
    Offer.objects.create(booking=elsewhere, mediator=second, expires_at=at(DAY, 8))
    Booking.objects.filter(pk=elsewhere.pk).update(status=Status.OFFERED)

    with after_commit():
        offer_accept(offer=offer_of(booking, best), mediator=best, now=NOW)

    assert Standby.objects.get(booking=booking, released_at=None).mediator == second
    assert offer_of(elsewhere, second).status == OfferStatus.WITHDRAWN
    assert pending(elsewhere) == [third.pk]


def test_the_standby_taking_over_withdraws_their_clashing_offers(messages):
    pool, best, second, third = by_distance_pool(standby_enabled=True)
    booking = make_booking(pool, starts_at=at(DAY, 10))
    booking_match(booking_id=booking.pk, now=NOW)
    with after_commit():
        offer_accept(offer=offer_of(booking, best), mediator=best, now=NOW)
    from bookings.services import booking_cancel

    booking_cancel(booking=booking, actor=best.user, reason="Krank", now=NOW)
    [promotion] = booking_match(booking_id=booking.pk, now=NOW)
    assert promotion.mediator == second
    # An offer at the same time, slipped in past the rules (the offer made by hand).
    elsewhere = make_booking(pool, starts_at=at(DAY, 10), mode="phone", status=Status.OFFERED)
    Offer.objects.create(booking=elsewhere, mediator=second, expires_at=at(DAY, 8))

    with after_commit():
        offer_accept(offer=promotion, mediator=second, now=NOW)

    assert offer_of(elsewhere, second).status == OfferStatus.WITHDRAWN
    assert pending(elsewhere)  # somebody else is asked


def test_declaring_a_conflict_withdraws_the_offers_for_that_case_only(messages):
    pool, best, second, third = by_distance_pool()
    that_case = make_booking(pool, starts_at=at(DAY, 10), case_reference="AZ 12/26")
    other_case = make_booking(pool, starts_at=at(DAY, 15), case_reference="AZ 13/26")
    booking_match(booking_id=that_case.pk, now=NOW)
    booking_match(booking_id=other_case.pk, now=NOW)

    conflict_declare(
        mediator=best,
        case_reference=" az 12/26 ",
        recorded_by=best.user,
        institution=that_case.institution,
    )

    assert offer_of(that_case, best).status == OfferStatus.WITHDRAWN
    assert pending(that_case) == [second.pk]
    assert offer_of(other_case, best).status == OfferStatus.PENDING
    assert open_offers_shown_to(best) == {other_case.pk}


def test_declaring_the_same_conflict_again_changes_nothing(messages):
    pool, best, second, third = by_distance_pool()
    booking = make_booking(pool, starts_at=at(DAY, 10), case_reference="AZ 12/26")
    conflict_declare(
        mediator=best,
        case_reference="AZ 12/26",
        recorded_by=best.user,
        institution=booking.institution,
    )
    booking_match(booking_id=booking.pk, now=NOW)
    assert pending(booking) == [second.pk]

    conflict_declare(
        mediator=best,
        case_reference="AZ 12/26",
        recorded_by=best.user,
        institution=booking.institution,
    )

    assert pending(booking) == [second.pk]


def test_the_signal_is_the_way_in_for_other_changes_of_the_mediator(messages):
    # What the mediators app does after an absence, a pause, ... (its own helper wires those).
    pool, best, second, third = by_distance_pool()
    booking = make_booking(pool, starts_at=at(DAY, 10))
    booking_match(booking_id=booking.pk, now=NOW)
    best.active = False
    best.save(update_fields=["active"])

    mediator_eligibility_changed.send(sender=type(best), mediator=best, reason="pause", now=NOW)

    assert offer_of(booking, best).status == OfferStatus.WITHDRAWN
    assert pending(booking) == [second.pk]


def test_withdrawing_is_idempotent_and_leaves_eligible_offers_alone(messages):
    pool, best, second, third = by_distance_pool()
    booking = make_booking(pool, starts_at=at(DAY, 10))
    booking_match(booking_id=booking.pk, now=NOW)

    assert offers_withdraw_ineligible(mediator=best, now=NOW) == []
    assert pending(booking) == [best.pk]
    assert messages.count("offer_withdrawn_notify") == 0


def test_the_last_candidate_withdrawn_leaves_the_booking_unfilled_with_an_alert(messages):
    pool, best, second, third = by_distance_pool()
    for m in (second, third):
        m.active = False
        m.save(update_fields=["active"])
    first = make_booking(pool, starts_at=at(DAY, 10))
    clashing = make_booking(pool, starts_at=at(DAY, 10, 30))
    booking_match(booking_id=first.pk, now=NOW)
    booking_match(booking_id=clashing.pk, now=NOW)

    with after_commit():
        offer_accept(offer=offer_of(first, best), mediator=best, now=NOW)

    clashing.refresh_from_db()
    assert clashing.status == Status.UNFILLED
    assert clashing.alerts.filter(resolved_at=None).exists()
