"""What a booking's e-mails about its offers cost the database, pinned: the e-mails of a
round of offers, and of the offers a cancellation or a confirmation withdraws, are written
at once from the booking the change holds locked - its language, dialect, place, town,
institution, pool and mediator read with it once - so that telling three mediators costs
the statements of telling one. Counts, not times (``/work/notes/t_msg.py`` times them on
the state-sized data)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bookings.constants import Mode, OfferStatus, Status
from bookings.locking import lock_booking
from bookings.models import Booking, Offer, Settlement
from bookings.services.offers import booking_match, offer_accept, offers_after_cancel
from bookings.services.settlements import settlement_run
from mediators.models import Dialect
from notifications.constants import MessageKind, MessageStatus
from notifications.models import Message
from tests.bookings.matching.scenario import (
    KEMPEN,
    NETTETAL,
    NOW,
    VIERSEN,
    arabic,
    make_booking,
    make_mediator,
    make_pool,
)
from tests.clock import frozen

pytestmark = [pytest.mark.django_db, frozen(NOW)]

# Withdrawing a booking's pending offers and telling their mediators: the offers locked,
# withdrawn in one UPDATE, their e-mails voided (one SELECT), checked as follow-ups (one),
# and written (the keys known already, then one INSERT in a savepoint).
WITHDRAWN_STATEMENTS = 8


def levantine(language) -> Dialect:
    return Dialect.objects.get_or_create(
        language=language, code="apc", defaults={"name_de": "Levantinisch"}
    )[0]


def booking_with_offers(count: int) -> Booking:
    """An on-site request in a dialect, in a broadcast pool of three mediators: ``count``
    of them asked, their offers' e-mails sent (so that a withdrawal goes out, rendered)."""
    pool = make_pool(offer_strategy="broadcast", broadcast_size=count)
    pool.weight_fairness = pool.weight_preferences = pool.weight_reliability = 0
    pool.save()
    language = arabic()
    dialect = levantine(language)
    for home in (VIERSEN, NETTETAL, KEMPEN):
        make_mediator(pool, home=home, language=language, dialect=dialect)
    booking = make_booking(pool, mode=Mode.ON_SITE, language=language, dialect=dialect)
    booking_match(booking_id=booking.pk, now=NOW)
    assert Offer.objects.filter(booking=booking, status=OfferStatus.PENDING).count() == count
    Message.objects.filter(kind=MessageKind.OFFER_MADE).update(
        status=MessageStatus.SENT, sent_at=NOW
    )
    return booking


def statements(call) -> int:
    with CaptureQueriesContext(connection) as queries:
        call()
    return len(queries.captured_queries)


def withdrawals() -> list[Message]:
    return list(Message.objects.filter(kind=MessageKind.OFFER_WITHDRAWN))


@pytest.mark.parametrize("count", [1, 3])
def test_withdrawn_offers_are_told_in_the_same_statements_however_many(count):
    booking = lock_booking(booking_with_offers(count))

    cost = statements(lambda: offers_after_cancel(booking=booking))

    told = withdrawals()
    assert len(told) == count
    assert all(m.status == MessageStatus.PENDING and m.rendered for m in told)
    # Releasing the standby (there is none) reads one row more.
    assert cost == WITHDRAWN_STATEMENTS + 1


def test_a_settlement_tells_two_withdrawn_offers_in_the_statements_of_one():
    def settle(count: int) -> int:
        booking = booking_with_offers(count)
        offer = Offer.objects.filter(booking=booking).order_by("rank")[0]
        offer_accept(offer=offer, mediator=offer.mediator, now=NOW)
        assert Booking.objects.get(pk=booking.pk).status == Status.CONFIRMED
        row = Settlement.objects.get(booking=booking, done_at__isnull=True)
        return statements(lambda: settlement_run(settlement_id=row.pk))

    one = settle(2)
    assert len(withdrawals()) == 1
    Message.objects.all().delete()
    two = settle(3)
    assert len(withdrawals()) == 2
    assert all(m.rendered for m in withdrawals())
    assert two == one


def test_a_round_of_three_offers_costs_the_statements_of_one():
    def round_of(count: int) -> int:
        pool = make_pool(offer_strategy="broadcast", broadcast_size=count)
        language = arabic()
        dialect = levantine(language)
        for home in (VIERSEN, NETTETAL, KEMPEN):
            make_mediator(pool, home=home, language=language, dialect=dialect)
        booking = make_booking(pool, mode=Mode.ON_SITE, language=language, dialect=dialect)
        return statements(lambda: booking_match(booking_id=booking.pk, now=NOW))

    one = round_of(1)
    three = round_of(3)
    made = Message.objects.filter(kind=MessageKind.OFFER_MADE)
    assert made.count() == 1 + 3 and all(m.rendered for m in made)
    # The offers' rows are written in one statement, their e-mails with one another's.
    assert three == one


def test_matching_reads_and_locks_its_booking_once_and_offers_it_from_that_row():
    pool = make_pool()
    language = arabic()
    make_mediator(pool, home=VIERSEN, language=language)
    booking = make_booking(pool, mode=Mode.ON_SITE, language=language)
    assert booking.status == Status.REQUESTED

    with CaptureQueriesContext(connection) as queries:
        made = booking_match(booking_id=booking.pk, now=NOW)

    assert len(made) == 1
    booking.refresh_from_db()
    assert booking.status == Status.OFFERED
    assert list(booking.events.values_list("from_status", "to_status")) == [
        (Status.REQUESTED, Status.OFFERED)
    ]
    # The booking's row is read once, under its lock; the transition to "offered" writes
    # that row (the status it was read with) instead of reading it again.
    reads = [
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].startswith('SELECT "bookings_booking"."id"')
        and f'WHERE "bookings_booking"."id" = {booking.pk}' in q["sql"]
    ]
    assert len(reads) == 1
    assert ("FOR UPDATE" in reads[0]) == connection.features.has_select_for_update
