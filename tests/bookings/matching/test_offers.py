"""Offers: cascade and broadcast, decline and expiry move on, unfilled with an alert."""

import datetime

import pytest

from bookings.constants import AlertKind, Mode, OfferStatus, Status
from bookings.exceptions import BookingConflict, NotEligible
from bookings.models import Alert, BookingEvent, Offer
from bookings.services.offers import (
    booking_assign,
    booking_match,
    fill_deadline,
    offer_accept,
    offer_decline,
)
from bookings.services.sweep import matching_sweep
from tests.institutions.factories import CoordinatorFactory
from tests.mediators.factories import AbsenceFactory, ConflictOfInterestFactory
from tests.support.commit import after_commit

from .scenario import DAY, KEMPEN, NETTETAL, NOW, VIERSEN, make_booking, make_mediator, make_pool

pytestmark = pytest.mark.django_db


def three_by_distance(pool):
    """Three mediators; by travel the Viersen one ranks first, then Nettetal, then Kempen."""
    pool.weight_fairness = pool.weight_preferences = pool.weight_reliability = 0
    pool.save()
    return [make_mediator(pool, home=home) for home in (VIERSEN, NETTETAL, KEMPEN)]


def counts(messages):
    """Everything a second run must leave unchanged."""
    return (
        list(Offer.objects.order_by("pk").values_list("pk", "status")),
        BookingEvent.objects.count(),
        Alert.objects.count(),
        dict((hook, len(calls)) for hook, calls in messages.calls.items()),
    )


def pending(booking):
    return list(
        Offer.objects.filter(booking=booking, status=OfferStatus.PENDING)
        .order_by("rank")
        .values_list("mediator_id", flat=True)
    )


def test_cascade_offers_to_the_best_candidate_only(messages):
    pool = make_pool(offer_strategy="cascade", offer_ttl_minutes=60)
    best, _second, _third = three_by_distance(pool)
    booking = make_booking(pool)

    made = booking_match(booking_id=booking.pk, now=NOW)

    booking.refresh_from_db()
    assert booking.status == Status.OFFERED
    assert [o.mediator_id for o in made] == [best.pk] == pending(booking)
    assert made[0].expires_at == NOW + datetime.timedelta(minutes=60)
    assert messages.count("offer_made_notify") == 1


def test_matching_again_with_an_open_offer_changes_nothing(messages):
    pool = make_pool()
    three_by_distance(pool)
    booking = make_booking(pool)
    booking_match(booking_id=booking.pk, now=NOW)
    events = BookingEvent.objects.count()

    assert booking_match(booking_id=booking.pk, now=NOW) == []

    assert Offer.objects.count() == 1 and BookingEvent.objects.count() == events
    assert messages.count("offer_made_notify") == 1


def test_broadcast_offers_to_the_top_k_at_once(messages):
    pool = make_pool(offer_strategy="broadcast", broadcast_size=2)
    best, second, _third = three_by_distance(pool)
    booking = make_booking(pool)

    booking_match(booking_id=booking.pk, now=NOW)

    assert pending(booking) == [best.pk, second.pk]
    assert messages.count("offer_made_notify") == 2


def test_a_decline_in_a_cascade_offers_to_the_next_candidate_at_once(messages):
    pool = make_pool()
    best, second, _third = three_by_distance(pool)
    booking = make_booking(pool)
    [offer] = booking_match(booking_id=booking.pk, now=NOW)

    with after_commit():
        declined = offer_decline(offer=offer, mediator=best, now=NOW)

    assert declined.status == OfferStatus.DECLINED and declined.responded_at == NOW
    assert pending(booking) == [second.pk]
    # Declining twice is harmless.
    with after_commit():
        assert offer_decline(offer=offer, mediator=best, now=NOW).status == OfferStatus.DECLINED
    assert Offer.objects.filter(booking=booking).count() == 2


def test_expiry_moves_on_to_the_next_candidates_and_a_second_sweep_changes_nothing(messages):
    pool = make_pool(offer_strategy="broadcast", broadcast_size=2, offer_ttl_minutes=30)
    best, second, third = three_by_distance(pool)
    booking = make_booking(pool)
    booking_match(booking_id=booking.pk, now=NOW)
    later = NOW + datetime.timedelta(minutes=31)

    first = matching_sweep(now=later)

    assert first.expired == 2 and first.offers == 1
    expired = Offer.objects.filter(status=OfferStatus.EXPIRED)
    assert set(expired.values_list("mediator_id", flat=True)) == {best.pk, second.pk}
    assert pending(booking) == [third.pk]
    snapshot = counts(messages)

    second_run = matching_sweep(now=later)

    assert (second_run.expired, second_run.offers, second_run.released) == (0, 0, 0)
    assert counts(messages) == snapshot


def test_running_out_of_candidates_makes_the_booking_unfilled_with_one_alert(messages):
    pool = make_pool(offer_ttl_minutes=30)
    [only] = [make_mediator(pool)]
    booking = make_booking(pool)
    [offer] = booking_match(booking_id=booking.pk, now=NOW)

    with after_commit():
        offer_decline(offer=offer, mediator=only, now=NOW)

    booking.refresh_from_db()
    assert booking.status == Status.UNFILLED
    alert = Alert.objects.get(booking=booking)
    assert alert.kind == AlertKind.UNFILLED and alert.pool == pool and alert.resolved_at is None
    assert messages.count("alert_notify") == 1
    # The sweep after it changes nothing.
    matching_sweep(now=NOW + datetime.timedelta(hours=1))
    assert Alert.objects.count() == 1 and messages.count("alert_notify") == 1


def test_a_request_nobody_can_take_becomes_unfilled_at_once(messages):
    pool = make_pool()
    booking = make_booking(pool)
    assert booking_match(booking_id=booking.pk, now=NOW) == []
    booking.refresh_from_db()
    assert booking.status == Status.UNFILLED and Alert.objects.filter(booking=booking).count() == 1


def test_offers_expire_at_the_deadline_and_then_the_booking_is_unfilled(messages):
    pool = make_pool(offer_ttl_minutes=24 * 60, fill_deadline_hours=48)
    three_by_distance(pool)
    booking = make_booking(pool)
    deadline = fill_deadline(booking)
    shortly_before = deadline - datetime.timedelta(hours=2)
    [offer] = booking_match(booking_id=booking.pk, now=shortly_before)
    assert offer.expires_at == deadline

    result = matching_sweep(now=deadline)

    booking.refresh_from_db()
    assert result.expired == 1 and result.offers == 0
    assert booking.status == Status.UNFILLED and pending(booking) == []
    assert Alert.objects.filter(booking=booking, kind=AlertKind.UNFILLED).count() == 1


def test_the_sweep_picks_up_a_requested_booking_whose_task_was_lost(messages):
    pool = make_pool()
    best, *_ = three_by_distance(pool)
    booking = make_booking(pool)

    matching_sweep(now=NOW)

    assert pending(booking) == [best.pk]
    matching_sweep(now=NOW)
    assert Offer.objects.count() == 1


def test_accepting_confirms_and_withdraws_the_other_offers(messages):
    pool = make_pool(offer_strategy="broadcast", broadcast_size=3)
    best, second, third = three_by_distance(pool)
    booking = make_booking(pool)
    booking_match(booking_id=booking.pk, now=NOW)
    offer = Offer.objects.get(booking=booking, mediator=second)

    with after_commit():
        confirmed = offer_accept(offer=offer, mediator=second, now=NOW)

    assert confirmed.status == Status.CONFIRMED and confirmed.mediator == second
    statuses = dict(Offer.objects.values_list("mediator_id", "status"))
    assert statuses == {
        best.pk: OfferStatus.WITHDRAWN,
        second.pk: OfferStatus.ACCEPTED,
        third.pk: OfferStatus.WITHDRAWN,
    }
    assert messages.count("offer_withdrawn_notify") == 2
    assert BookingEvent.objects.filter(booking=booking, to_status=Status.CONFIRMED).count() == 1


def test_accepting_a_taken_booking_answers_409_and_changes_nothing(messages):
    pool = make_pool(offer_strategy="broadcast", broadcast_size=2)
    best, second, _ = three_by_distance(pool)
    booking = make_booking(pool)
    booking_match(booking_id=booking.pk, now=NOW)
    with after_commit():
        offer_accept(offer=Offer.objects.get(mediator=best), mediator=best, now=NOW)
    events = BookingEvent.objects.count()

    with after_commit(), pytest.raises(BookingConflict):
        offer_accept(offer=Offer.objects.get(mediator=second), mediator=second, now=NOW)
    with after_commit(), pytest.raises(BookingConflict):
        offer_accept(offer=Offer.objects.get(mediator=best), mediator=best, now=NOW)

    booking.refresh_from_db()
    assert booking.mediator == best and BookingEvent.objects.count() == events


def test_accepting_an_expired_offer_answers_409(messages):
    pool = make_pool(offer_ttl_minutes=30)
    best, *_ = three_by_distance(pool)
    booking = make_booking(pool)
    [offer] = booking_match(booking_id=booking.pk, now=NOW)
    with after_commit(), pytest.raises(BookingConflict):
        offer_accept(offer=offer, mediator=best, now=NOW + datetime.timedelta(minutes=30))
    booking.refresh_from_db()
    assert booking.status == Status.OFFERED and booking.mediator is None


def test_accepting_when_no_longer_eligible_answers_409_and_the_offer_moves_on(messages):
    pool = make_pool()
    best, second, _ = three_by_distance(pool)
    booking = make_booking(pool)
    [offer] = booking_match(booking_id=booking.pk, now=NOW)
    AbsenceFactory(mediator=best, starts_on=DAY, ends_on=DAY)

    with after_commit(), pytest.raises(NotEligible):
        offer_accept(offer=offer, mediator=best, now=NOW)

    # Offers follow eligibility: the offer is not left pending, the next candidate is asked.
    offer.refresh_from_db()
    booking.refresh_from_db()
    assert offer.status == OfferStatus.WITHDRAWN
    assert booking.status == Status.OFFERED and booking.mediator is None
    assert Offer.objects.get(booking=booking, status=OfferStatus.PENDING).mediator == second


def test_someone_elses_offer_cannot_be_accepted_or_declined(messages):
    pool = make_pool()
    best, second, _ = three_by_distance(pool)
    [offer] = booking_match(booking_id=make_booking(pool).pk, now=NOW)
    with after_commit(), pytest.raises(BookingConflict):
        offer_accept(offer=offer, mediator=second, now=NOW)
    with after_commit(), pytest.raises(BookingConflict):
        offer_decline(offer=offer, mediator=second, now=NOW)
    offer.refresh_from_db()
    assert offer.status == OfferStatus.PENDING


def test_a_declared_conflict_keeps_the_mediator_out_of_every_offer_round(messages):
    pool = make_pool(offer_strategy="broadcast", broadcast_size=5)
    best, second, third = three_by_distance(pool)
    ConflictOfInterestFactory(mediator=best, case_reference="FALL-9")
    booking = make_booking(pool, case_reference="FALL-9")
    booking_match(booking_id=booking.pk, now=NOW)
    assert set(pending(booking)) == {second.pk, third.pk}


def test_a_coordinator_assigns_directly_and_pending_offers_are_withdrawn(messages):
    pool = make_pool()
    best, second, _ = three_by_distance(pool)
    booking = make_booking(pool)
    booking_match(booking_id=booking.pk, now=NOW)
    coordinator = CoordinatorFactory(pool=pool)

    confirmed = booking_assign(booking=booking, mediator=second, actor=coordinator.user, now=NOW)

    assert confirmed.status == Status.CONFIRMED and confirmed.mediator == second
    assert Offer.objects.get(mediator=best).status == OfferStatus.WITHDRAWN
    event = BookingEvent.objects.get(booking=booking, to_status=Status.CONFIRMED)
    assert event.actor == coordinator.user and event.actor_role == "coordinator"


def test_assigning_an_ineligible_mediator_answers_409_and_changes_nothing(messages):
    pool = make_pool()
    mediator = make_mediator(pool)
    booking = make_booking(pool, status=Status.UNFILLED)
    other = make_booking(pool, status=Status.CONFIRMED, mediator=mediator, mode=Mode.PHONE)
    coordinator = CoordinatorFactory(pool=pool)

    with pytest.raises(NotEligible):
        booking_assign(booking=booking, mediator=mediator, actor=coordinator.user, now=NOW)

    booking.refresh_from_db()
    assert booking.status == Status.UNFILLED and booking.mediator is None
    assert other.mediator == mediator


def test_assigning_an_unfilled_booking_resolves_its_alert(messages):
    pool = make_pool()
    booking = make_booking(pool)
    booking_match(booking_id=booking.pk, now=NOW)  # nobody: unfilled
    mediator = make_mediator(pool)
    coordinator = CoordinatorFactory(pool=pool)

    booking_assign(booking=booking, mediator=mediator, actor=coordinator.user, now=NOW)

    assert Alert.objects.get(booking=booking).resolved_at == NOW


def test_matching_expires_offers_past_their_time_even_before_the_sweep(messages):
    pool = make_pool(offer_ttl_minutes=30)
    best, second, _ = three_by_distance(pool)
    booking = make_booking(pool)
    booking_match(booking_id=booking.pk, now=NOW)

    booking_match(booking_id=booking.pk, now=NOW + datetime.timedelta(minutes=30))

    assert Offer.objects.get(mediator=best).status == OfferStatus.EXPIRED
    assert pending(booking) == [second.pk]
