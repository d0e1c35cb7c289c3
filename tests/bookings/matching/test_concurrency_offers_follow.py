"""Offers follow eligibility under concurrency (PostgreSQL, real threads, real row locks).

One mediator accepts two offers for overlapping appointments at the same moment: one is
confirmed, the other offer ends withdrawn and its booking is offered to the next candidate -
never a 409 that leaves the offer pending. Two mediators who each hold offers for both of two
overlapping appointments accept crosswise at the same moment: both are confirmed, nobody
waits for anybody in a circle, and neither keeps an offer for the other appointment.
"""

from __future__ import annotations

import datetime

import pytest
from django.db import connection

from bookings.constants import OfferStatus, Status
from bookings.models import Booking, Offer
from tests.clock import frozen

from .scenario import DAY, NOW, at, bulk_mediators, make_booking, make_pool
from .test_concurrency import post_all_at_once

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    frozen(NOW),
]

ROUNDS = 3


@pytest.fixture
def pool_and_mediators():
    pool = make_pool()
    return pool, bulk_mediators(pool, 6, prefix="follow")


def offered(booking, *mediators) -> list[Offer]:
    Booking.objects.filter(pk=booking.pk).update(status=Status.OFFERED)
    return [
        Offer.objects.create(
            booking=booking, mediator=m, expires_at=NOW + datetime.timedelta(days=90)
        )
        for m in mediators
    ]


def test_two_accepts_of_overlapping_offers_confirm_one_and_withdraw_the_other(
    pool_and_mediators,
):
    assert connection.vendor == "postgresql"
    pool, mediators = pool_and_mediators
    mediator = mediators[0]
    for round_ in range(ROUNDS):
        day = DAY + datetime.timedelta(days=round_)
        first = make_booking(pool, starts_at=at(day, 10), mode="phone")
        second = make_booking(pool, starts_at=at(day, 10, 30), mode="phone")
        offers = offered(first, mediator) + offered(second, mediator)

        codes = post_all_at_once(
            [(mediator.user, f"/api/v1/offers/{o.pk}/accept/") for o in offers]
        )

        assert sorted(codes) == [200, 409], f"round {round_}: {codes}"
        [won] = [o for o, code in zip(offers, codes, strict=True) if code == 200]
        [lost] = [o for o in offers if o.pk != won.pk]
        assert Booking.objects.get(pk=won.booking_id).mediator_id == mediator.pk
        lost.refresh_from_db()
        assert lost.status == OfferStatus.WITHDRAWN, f"round {round_}: {lost.status}"
        other = Booking.objects.get(pk=lost.booking_id)
        assert other.status == Status.OFFERED and other.mediator_id is None
        next_offer = Offer.objects.get(booking=other, status=OfferStatus.PENDING)
        assert next_offer.mediator_id != mediator.pk


def test_crosswise_accepts_of_overlapping_offers_both_confirm(pool_and_mediators):
    assert connection.vendor == "postgresql"
    pool, mediators = pool_and_mediators
    a, b = mediators[0], mediators[1]
    for round_ in range(ROUNDS):
        day = DAY + datetime.timedelta(days=10 + round_)
        first = make_booking(pool, starts_at=at(day, 10), mode="phone")
        second = make_booking(pool, starts_at=at(day, 10), mode="phone")
        a_first, b_first = offered(first, a, b)
        a_second, b_second = offered(second, a, b)

        codes = post_all_at_once(
            [
                (a.user, f"/api/v1/offers/{a_first.pk}/accept/"),
                (b.user, f"/api/v1/offers/{b_second.pk}/accept/"),
            ]
        )

        assert codes == [200, 200], f"round {round_}: {codes}"
        assert Booking.objects.get(pk=first.pk).mediator_id == a.pk
        assert Booking.objects.get(pk=second.pk).mediator_id == b.pk
        assert not Offer.objects.filter(
            booking__in=[first, second], status=OfferStatus.PENDING
        ).exists()
