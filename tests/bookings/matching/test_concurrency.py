"""Accepting is safe under concurrency (PostgreSQL, real threads, real row locks).

Fifty mediators accept their offers for one booking at the same moment through the API:
exactly one wins (200), the other 49 get 409, the booking is confirmed once, with one event
and one set of messages. One mediator accepting two overlapping offers at the same moment
gets only one of them.
"""

from __future__ import annotations

import datetime
import threading
from collections import Counter

import pytest
from django.db import connection
from rest_framework.test import APIClient

from bookings.constants import OfferStatus, Status
from bookings.models import Booking, BookingEvent, Offer
from bookings.services.offers import booking_match
from notifications.constants import MessageKind
from notifications.models import Message
from tests.clock import frozen

from .scenario import DAY, NOW, at, bulk_mediators, make_booking, make_pool

# Offers are made at NOW and accepted through the API, which reads the clock (in every
# thread): it is NOW too.
pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    frozen(NOW),
]

ROUNDS = 3
CROWD = 50


def post_all_at_once(requests: list[tuple[object, str]]) -> list[int]:
    """POST every (user, url) from its own thread, all released by one barrier; each thread
    closes its own database connection."""
    barrier = threading.Barrier(len(requests))
    codes: list[int | None] = [None] * len(requests)
    errors: list[BaseException] = []

    def worker(index: int, user, url: str) -> None:
        try:
            client = APIClient()
            client.force_authenticate(user=user)
            barrier.wait(timeout=60)
            codes[index] = client.post(url).status_code
        except BaseException as exc:  # noqa: BLE001 - reported to the test below
            errors.append(exc)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=worker, args=(i, user, url))
        for i, (user, url) in enumerate(requests)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    assert all(code is not None for code in codes)
    return codes  # type: ignore[return-value]


def with_email(mediators):
    for mediator in mediators:
        mediator.user.email = f"{mediator.user.username}@example.org"
        mediator.user.save(update_fields=["email"])
    return mediators


@pytest.fixture
def crowd():
    pool = make_pool(offer_strategy="broadcast", broadcast_size=CROWD)
    mediators = with_email(bulk_mediators(pool, CROWD, prefix="crowd"))
    return pool, mediators


def test_fifty_simultaneous_accepts_confirm_the_booking_exactly_once(crowd):
    assert connection.vendor == "postgresql"
    pool, mediators = crowd
    by_user = {m.pk: m.user for m in mediators}
    for round_ in range(ROUNDS):
        booking = make_booking(
            pool, starts_at=at(DAY + datetime.timedelta(days=round_)), institution=None
        )
        booking.institution.email = "schule@example.org"
        booking.institution.save(update_fields=["email"])
        offers = booking_match(booking_id=booking.pk, now=NOW)
        assert len(offers) == CROWD
        messages_before = Counter(
            Message.objects.filter(booking=booking).values_list("kind", flat=True)
        )

        codes = post_all_at_once(
            [(by_user[o.mediator_id], f"/api/v1/offers/{o.pk}/accept/") for o in offers]
        )

        assert Counter(codes) == {200: 1, 409: CROWD - 1}, f"round {round_}: {Counter(codes)}"
        booking = Booking.objects.get(pk=booking.pk)
        winner = Offer.objects.get(booking=booking, status=OfferStatus.ACCEPTED)
        assert booking.status == Status.CONFIRMED and booking.mediator_id == winner.mediator_id
        assert codes[[o.pk for o in offers].index(winner.pk)] == 200
        assert Offer.objects.filter(booking=booking, status=OfferStatus.WITHDRAWN).count() == (
            CROWD - 1
        )
        assert BookingEvent.objects.filter(booking=booking, to_status=Status.CONFIRMED).count() == 1
        new = Counter(Message.objects.filter(booking=booking).values_list("kind", flat=True))
        new.subtract(messages_before)
        assert +new == {
            MessageKind.BOOKING_CONFIRMED: 2,  # the institution and the winner, once each
            MessageKind.OFFER_WITHDRAWN: CROWD - 1,
        }


def test_one_mediator_accepting_two_overlapping_offers_at_once_gets_only_one(crowd):
    assert connection.vendor == "postgresql"
    pool, mediators = crowd
    mediator = mediators[0]
    for round_ in range(ROUNDS):
        day = DAY + datetime.timedelta(days=10 + round_)
        first = make_booking(pool, starts_at=at(day, 10), mode="phone")
        second = make_booking(pool, starts_at=at(day, 10, 30), mode="phone")
        offers = [
            Offer.objects.create(
                booking=b, mediator=mediator, expires_at=NOW + datetime.timedelta(days=90)
            )
            for b in (first, second)
        ]
        Booking.objects.filter(pk__in=[first.pk, second.pk]).update(status=Status.OFFERED)

        codes = post_all_at_once(
            [(mediator.user, f"/api/v1/offers/{o.pk}/accept/") for o in offers]
        )

        assert sorted(codes) == [200, 409], f"round {round_}: {codes}"
        held = Booking.objects.filter(pk__in=[first.pk, second.pk], status=Status.CONFIRMED)
        assert held.count() == 1 and held.get().mediator_id == mediator.pk
