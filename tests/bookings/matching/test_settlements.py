"""An answer to an offer settles after its commit: the mediator's request does only what must
hold at the commit, and a ``Settlement`` does the rest - once, and even when its task is lost.
"""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bookings.constants import OfferStatus, SettlementKind, Status
from bookings.exceptions import BookingConflict
from bookings.models import Booking, Offer, Settlement, Standby
from bookings.services.offers import booking_match, offer_accept, offer_decline
from bookings.services.settlements import GRACE, settlement_run
from bookings.services.sweep import matching_sweep
from notifications.constants import MessageKind
from notifications.models import Message
from tests.support.commit import after_commit

from .scenario import (
    DAY,
    KEMPEN,
    NETTETAL,
    NOW,
    VIERSEN,
    at,
    make_booking,
    make_mediator,
    make_pool,
)

pytestmark = pytest.mark.django_db

LATER = NOW + GRACE + datetime.timedelta(seconds=1)
# Inside the accept's transaction, whatever the pool's size (the ranking for the standby and
# the next offers runs after the commit): the three locks, the eligibility check, the
# confirmation with its event and two e-mails, the other offers withdrawn, the settlement
# row, the access log. It was 46 with the standby chosen inside, 28 while the transition read
# the locked booking again, 27 while the eligibility check was the one SQL statement of
# matching (two statements, but costlier to build than the seven small ones of
# ``facts.is_eligible`` that read the locked mediator's facts).
ACCEPT_QUERIES = 32


def ranked_pool(n=3, **kwargs):
    """A pool of ``n`` mediators, all with e-mail, ranked by travel (Viersen first)."""
    pool = make_pool(**kwargs)
    pool.weight_fairness = pool.weight_preferences = pool.weight_reliability = 0
    pool.save()
    homes = [VIERSEN, NETTETAL, KEMPEN]
    mediators = [make_mediator(pool, home=homes[min(i, 2)]) for i in range(n)]
    for mediator in mediators:
        mediator.user.email = f"{mediator.user.username}@example.org"
        mediator.user.save(update_fields=["email"])
    return pool, mediators


def booking_of(pool):
    booking = make_booking(pool)
    booking.institution.email = "schule@example.org"
    booking.institution.save(update_fields=["email"])
    return booking


def kinds(booking):
    return sorted(Message.objects.filter(booking=booking).values_list("kind", flat=True))


def test_an_accept_confirms_at_once_and_chooses_the_standby_after_the_commit():
    pool, (best, second, _third) = ranked_pool(standby_enabled=True)
    booking = booking_of(pool)
    [offer] = booking_match(booking_id=booking.pk, now=NOW)

    with after_commit():
        confirmed = offer_accept(offer=offer, mediator=best, now=NOW)
        # Committed by the accept: the booking is the mediator's, the standby not chosen yet.
        assert confirmed.status == Status.CONFIRMED and confirmed.mediator == best
        assert not Standby.objects.filter(booking=booking).exists()
        settlement = Settlement.objects.get(booking=booking)
        assert settlement.kind == SettlementKind.CONFIRMED and settlement.done_at is None

    standby = Standby.objects.get(booking=booking)
    assert standby.mediator == second and standby.released_at is None
    settlement.refresh_from_db()
    assert settlement.done_at == NOW
    assert MessageKind.STANDBY_REQUEST in kinds(booking)


def test_a_broadcast_accept_withdraws_the_other_offers_at_once_and_tells_them_after():
    pool, (best, second, third) = ranked_pool(offer_strategy="broadcast", broadcast_size=3)
    booking = booking_of(pool)
    booking_match(booking_id=booking.pk, now=NOW)
    offer = Offer.objects.get(booking=booking, mediator=second)

    with after_commit():
        offer_accept(offer=offer, mediator=second, now=NOW)
        statuses = dict(Offer.objects.filter(booking=booking).values_list("mediator", "status"))
        assert statuses == {
            best.pk: OfferStatus.WITHDRAWN,
            second.pk: OfferStatus.ACCEPTED,
            third.pk: OfferStatus.WITHDRAWN,
        }
        assert MessageKind.OFFER_WITHDRAWN not in kinds(booking)

    assert kinds(booking).count(MessageKind.OFFER_WITHDRAWN) == 2


def test_running_a_settlement_twice_changes_nothing():
    pool, (best, *_others) = ranked_pool(standby_enabled=True, offer_strategy="broadcast")
    booking = booking_of(pool)
    [offer, *_] = booking_match(booking_id=booking.pk, now=NOW)
    with after_commit():
        offer_accept(offer=offer, mediator=best, now=NOW)
    settlement = Settlement.objects.get(booking=booking)
    standbys = list(Standby.objects.values_list("pk", "mediator", "released_at"))
    messages = Message.objects.count()

    assert settlement_run(settlement_id=settlement.pk) is False
    assert settlement_run(settlement_id=settlement.pk, now=LATER) is False

    assert list(Standby.objects.values_list("pk", "mediator", "released_at")) == standbys
    assert Message.objects.count() == messages


def test_a_lost_settlement_of_an_accept_is_run_by_the_sweep_once():
    pool, (best, second, _third) = ranked_pool(standby_enabled=True)
    booking = booking_of(pool)
    [offer] = booking_match(booking_id=booking.pk, now=NOW)
    # The task is lost: its commit callback never runs (no after_commit).
    offer_accept(offer=offer, mediator=best, now=NOW)
    assert not Standby.objects.filter(booking=booking).exists()

    soon = matching_sweep(now=NOW + datetime.timedelta(seconds=5))
    assert soon.settlements == 0  # a task may still be on its way

    first = matching_sweep(now=LATER)
    second_run = matching_sweep(now=LATER)

    assert (first.settlements, second_run.settlements) == (1, 0)
    assert Standby.objects.get(booking=booking).mediator == second
    assert Standby.objects.count() == 1
    assert Settlement.objects.get(booking=booking).done_at == LATER


def test_a_lost_settlement_of_a_decline_in_a_broadcast_still_asks_the_next():
    # Another offer of the round is still pending, so the sweep's search for bookings
    # without offers would not find this one: the settlement row does.
    pool, (best, second, third) = ranked_pool(offer_strategy="broadcast", broadcast_size=2)
    booking = booking_of(pool)
    booking_match(booking_id=booking.pk, now=NOW)
    offer = Offer.objects.get(booking=booking, mediator=best)

    offer_decline(offer=offer, mediator=best, now=NOW)  # its task is lost
    assert Offer.objects.filter(booking=booking, status=OfferStatus.PENDING).count() == 1

    assert matching_sweep(now=LATER).settlements == 1

    pending = Offer.objects.filter(booking=booking, status=OfferStatus.PENDING)
    assert set(pending.values_list("mediator", flat=True)) == {second.pk, third.pk}
    assert matching_sweep(now=LATER).settlements == 0


def test_a_rolled_back_answer_leaves_no_settlement():
    pool, (best, *_others) = ranked_pool()
    booking = booking_of(pool)
    [offer] = booking_match(booking_id=booking.pk, now=NOW)
    Booking.objects.filter(pk=booking.pk).update(status=Status.CANCELLED)

    with after_commit(), pytest.raises(BookingConflict):
        offer_accept(offer=offer, mediator=best, now=NOW)

    assert not Settlement.objects.exists()


@pytest.mark.parametrize("mediators", [3, 12])
def test_an_accept_costs_the_same_few_queries_however_many_candidates(mediators):
    pool, (best, *_others) = ranked_pool(mediators, standby_enabled=True)
    booking = booking_of(pool)
    [offer] = booking_match(booking_id=booking.pk, now=NOW)

    with CaptureQueriesContext(connection) as queries:
        offer_accept(offer=offer, mediator=best, now=NOW)

    assert len(queries.captured_queries) == ACCEPT_QUERIES, "\n".join(
        q["sql"][:120] for q in queries.captured_queries
    )


def test_a_double_tapped_accept_answers_409_from_one_read_without_a_lock():
    pool, (best, *_others) = ranked_pool()
    booking = booking_of(pool)
    [offer] = booking_match(booking_id=booking.pk, now=NOW)
    with after_commit():
        offer_accept(offer=offer, mediator=best, now=NOW)

    with CaptureQueriesContext(connection) as queries, pytest.raises(BookingConflict) as again:
        offer_accept(offer=offer, mediator=best, now=NOW)

    assert again.value.code == "offer_closed"
    assert len(queries.captured_queries) == 1
    assert "FOR UPDATE" not in queries.captured_queries[0]["sql"]


def test_a_decline_costs_no_ranking():
    pool, (best, *_others) = ranked_pool(12)
    booking = booking_of(pool)
    [offer] = booking_match(booking_id=booking.pk, now=NOW)

    with CaptureQueriesContext(connection) as queries:
        offer_decline(offer=offer, mediator=best, now=NOW)

    # the locks, the answer, the voided e-mail, the settlement row: no candidate is read
    assert len(queries.captured_queries) <= 9
    assert not any("mediators_mediatorlanguage" in q["sql"] for q in queries.captured_queries)
    assert Offer.objects.filter(booking=booking).count() == 1


def test_the_accepted_mediators_clashing_offer_is_withdrawn_after_the_commit():
    pool, (best, second, _third) = ranked_pool()
    first = booking_of(pool)
    clashing = make_booking(pool, starts_at=at(DAY, 10, 30), institution=first.institution)
    [offer] = booking_match(booking_id=first.pk, now=NOW)
    [other] = booking_match(booking_id=clashing.pk, now=NOW)
    assert offer.mediator == other.mediator == best

    with after_commit():
        offer_accept(offer=offer, mediator=best, now=NOW)
        # Until the settlement runs, the clashing offer cannot be accepted either.
        with pytest.raises(BookingConflict):
            offer_accept(offer=other, mediator=best, now=NOW)

    other.refresh_from_db()
    assert other.status == OfferStatus.WITHDRAWN
    assert Offer.objects.get(booking=clashing, status=OfferStatus.PENDING).mediator == second
