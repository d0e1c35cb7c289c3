"""Matching starts when a booking becomes requested and re-opens when the mediator gives it
back; a standby holds the time and gets the offer first; standbys are released."""

import datetime

import pytest

from bookings.constants import OfferStatus, Status
from bookings.models import Alert, Offer, Standby
from bookings.services import booking_approve, booking_cancel, booking_create
from bookings.services.offers import booking_match, offer_accept, offer_decline
from bookings.services.sweep import matching_sweep
from mediators.models import Language
from tests.clock import frozen
from tests.institutions.factories import CoordinatorFactory, LocationFactory, StaffFactory
from tests.mediators.factories import AbsenceFactory
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

# Requests, approvals and cancellations read the clock, and so does the matching they start
# after the commit: it is NOW.
pytestmark = [pytest.mark.django_db, frozen(NOW)]


def by_distance(pool, homes=(VIERSEN, NETTETAL, KEMPEN)):
    pool.weight_fairness = pool.weight_preferences = pool.weight_reliability = 0
    pool.save()
    return [make_mediator(pool, home=home) for home in homes]


def pending_mediators():
    return list(
        Offer.objects.filter(status=OfferStatus.PENDING).values_list("mediator_id", flat=True)
    )


def confirmed_with_standby(pool):
    best, second, third = by_distance(pool)
    booking = make_booking(pool)
    booking_match(booking_id=booking.pk, now=NOW)
    with after_commit():
        offer_accept(
            offer=Offer.objects.get(booking=booking, mediator=best), mediator=best, now=NOW
        )
    booking.refresh_from_db()
    return booking, best, second, third


def test_creating_a_request_starts_matching_after_commit(django_capture_on_commit_callbacks):
    pool = make_pool()
    best, *_ = by_distance(pool)
    staff = StaffFactory(institution__pool=pool)
    location = LocationFactory(
        institution=staff.institution, latitude=VIERSEN[0], longitude=VIERSEN[1]
    )
    with django_capture_on_commit_callbacks(execute=True):
        booking = booking_create(
            requester=staff.user,
            institution=staff.institution,
            language=Language.objects.get(code="ara"),
            starts_at=at(),
            duration_minutes=60,
            mode="on_site",
            location=location,
            field="school",
        )
        assert not Offer.objects.exists()  # nothing before the commit

    booking.refresh_from_db()
    assert booking.status == Status.OFFERED
    assert list(Offer.objects.values_list("mediator_id", flat=True)) == [best.pk]


def test_a_request_waiting_for_approval_is_not_matched_until_approved(
    django_capture_on_commit_callbacks,
):
    pool = make_pool()
    by_distance(pool)
    booking = make_booking(pool, status=Status.AWAITING_APPROVAL)
    matching_sweep(now=NOW)
    assert not Offer.objects.exists()

    with django_capture_on_commit_callbacks(execute=True):
        booking_approve(booking=booking, actor=CoordinatorFactory(pool=pool).user)

    booking.refresh_from_db()
    assert booking.status == Status.OFFERED and Offer.objects.count() == 1


def test_without_standby_in_the_pool_nobody_is_asked_to_hold_the_time(messages):
    pool = make_pool(standby_enabled=False)
    confirmed_with_standby(pool)
    assert not Standby.objects.exists() and messages.count("standby_notify") == 0


def test_after_confirmation_the_next_best_eligible_mediator_is_asked_to_hold_the_time(messages):
    pool = make_pool(standby_enabled=True)
    booking, best, second, _ = confirmed_with_standby(pool)
    standby = Standby.objects.get(booking=booking)
    assert standby.mediator == second and standby.released_at is None
    assert messages.calls["standby_notify"][-1] == {"standby": standby}


def test_when_the_mediator_gives_the_booking_back_the_standby_gets_the_offer_first(
    messages, django_capture_on_commit_callbacks
):
    pool = make_pool(standby_enabled=True, offer_strategy="broadcast", broadcast_size=3)
    best, second, third = by_distance(pool)
    booking = make_booking(pool)
    booking_match(booking_id=booking.pk, now=NOW)
    with after_commit():
        offer_accept(offer=Offer.objects.get(mediator=best), mediator=best, now=NOW)
    # Withdrawn offers do not count as answered: the standby is the next best (second).
    assert Standby.objects.get(booking=booking).mediator == second
    booking.refresh_from_db()

    with django_capture_on_commit_callbacks(execute=True):
        booking_cancel(booking=booking, actor=best.user, reason="Krank")

    booking.refresh_from_db()
    assert booking.status == Status.OFFERED
    assert pending_mediators() == [second.pk]
    # The mediator who gave it back is never asked again for it.
    assert Offer.objects.get(mediator=best).status == OfferStatus.DECLINED


def test_when_the_standby_declines_the_others_are_asked_and_the_standby_is_released(messages):
    pool = make_pool(standby_enabled=True, offer_strategy="broadcast", broadcast_size=3)
    booking, best, second, third = confirmed_with_standby(pool)
    booking_cancel(booking=booking, actor=best.user, reason="Krank")
    [standby_offer] = booking_match(booking_id=booking.pk, now=NOW)
    assert standby_offer.mediator == second

    with after_commit():
        offer_decline(offer=standby_offer, mediator=second, now=NOW)

    assert Standby.objects.get(booking=booking).released_at is not None
    assert pending_mediators() == [third.pk]


def test_a_standby_who_is_no_longer_eligible_is_released_and_others_are_asked(messages):
    pool = make_pool(standby_enabled=True)
    booking, best, second, third = confirmed_with_standby(pool)
    AbsenceFactory(mediator=second, starts_on=DAY, ends_on=DAY)
    booking_cancel(booking=booking, actor=best.user, reason="Krank")

    [offer] = booking_match(booking_id=booking.pk, now=NOW)

    assert offer.mediator == third
    assert Standby.objects.get(booking=booking).released_at is not None


def test_when_the_standby_accepts_a_new_standby_is_chosen(messages):
    pool = make_pool(standby_enabled=True)
    booking, best, second, third = confirmed_with_standby(pool)
    booking_cancel(booking=booking, actor=best.user, reason="Krank")
    [offer] = booking_match(booking_id=booking.pk, now=NOW)

    with after_commit():
        offer_accept(offer=offer, mediator=second, now=NOW)

    standby = Standby.objects.get(booking=booking)
    assert standby.mediator == third and standby.released_at is None


def test_a_cancelled_booking_releases_its_standby(messages):
    pool = make_pool(standby_enabled=True)
    booking, *_ = confirmed_with_standby(pool)
    staff = StaffFactory(institution=booking.institution)

    booking_cancel(booking=booking, actor=staff.user, reason="Termin entfällt")

    assert Standby.objects.get(booking=booking).released_at is not None
    assert messages.calls["standby_notify"][-1]["released"] is True


def test_the_sweep_releases_the_standby_when_the_appointment_is_over_once(messages):
    pool = make_pool(standby_enabled=True)
    booking, *_ = confirmed_with_standby(pool)
    after = booking.ends_at + datetime.timedelta(minutes=1)

    assert matching_sweep(now=booking.ends_at - datetime.timedelta(minutes=1)).released == 0
    assert matching_sweep(now=after).released == 1
    assert matching_sweep(now=after).released == 0
    assert Standby.objects.get(booking=booking).released_at == after


def test_a_cancellation_withdraws_pending_offers(messages):
    pool = make_pool(offer_strategy="broadcast", broadcast_size=2)
    by_distance(pool)
    booking = make_booking(pool)
    booking_match(booking_id=booking.pk, now=NOW)

    booking_cancel(booking=booking, actor=CoordinatorFactory(pool=pool).user, reason="Doppelt")

    assert set(Offer.objects.values_list("status", flat=True)) == {OfferStatus.WITHDRAWN}
    assert messages.count("offer_withdrawn_notify") == 2
    assert not Alert.objects.exists()
