"""Asking a mediator anyway: consent may waive the travel range, the weekly availability and
the hour limits, never a hard protection; the override is recorded; accepting waives those
rules only."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import translation

from bookings.constants import OfferStatus, Status
from bookings.exceptions import NotEligible
from bookings.models import BookingEvent, Offer, OfferOverride
from bookings.services.nobody_found import offer_with_consent
from bookings.services.offers import offer_accept
from core.exceptions import DomainError
from mediators.models import Mediator
from notifications.constants import MessageKind
from notifications.models import Message
from notifications.rendering import render_email
from tests.institutions.factories import CoordinatorFactory, StaffFactory
from tests.mediators.factories import AbsenceFactory, ConflictOfInterestFactory

from .scenario import AACHEN, DAY, KEMPEN, NOW, VIERSEN, at, hold, make_booking, make_mediator
from .scenario import make_pool as pool_

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def unfilled(pool, **kwargs):
    return make_booking(pool, status=Status.UNFILLED, **kwargs)


def nothing_written(booking):
    assert not Offer.objects.filter(booking=booking).exists()
    assert not OfferOverride.objects.exists()
    assert not BookingEvent.objects.filter(booking=booking).exists()
    booking.refresh_from_db()
    assert booking.status == Status.UNFILLED


def test_asking_anyway_beyond_the_travel_range_records_the_override_and_the_accept_confirms():
    pool = pool_(offer_ttl_minutes=120)
    far = make_mediator(pool, home=AACHEN)
    Mediator.objects.filter(pk=far.pk).update(language="en")  # reads e-mails in English
    booking = unfilled(pool, place=VIERSEN)
    coordinator = CoordinatorFactory(pool=pool)

    offer = offer_with_consent(
        booking=booking,
        mediator=far,
        actor=coordinator.user,
        reason="She offered by phone",
        now=NOW,
    )

    booking.refresh_from_db()
    assert booking.status == Status.OFFERED
    assert offer.status == OfferStatus.PENDING
    assert offer.expires_at == NOW + datetime.timedelta(minutes=120)
    override = offer.override
    assert override.waived_rules == ["travel_range"]
    assert override.created_by == coordinator.user and override.reason == "She offered by phone"
    event = BookingEvent.objects.get(booking=booking, data__has_key="consent_offer")
    assert event.actor == coordinator.user and event.reason == "She offered by phone"
    assert event.data["consent_offer"] == {"mediator_id": far.pk, "waived_rules": ["travel_range"]}
    email = render_email(Message.objects.get(kind=MessageKind.OFFER_MADE, offer=offer))
    assert "although this appointment lies outside your travel range" in email.body

    confirmed = offer_accept(offer=offer, mediator=far, now=NOW)

    assert confirmed.status == Status.CONFIRMED and confirmed.mediator == far


@pytest.mark.parametrize(
    "rule",
    ["availability", "hour_limit"],
)
def test_consent_also_waives_availability_and_hour_limits(rule):
    pool = pool_()
    if rule == "availability":
        mediator = make_mediator(pool, slots=((DAY.weekday(), 14),))
    else:
        mediator = make_mediator(pool, max_hours_per_week=1)
        hold(mediator, starts_at=at(DAY - datetime.timedelta(days=1)), minutes=60)
    booking = unfilled(pool, starts_at=at(hour=10))

    offer = offer_with_consent(
        booking=booking,
        mediator=mediator,
        actor=CoordinatorFactory(pool=pool).user,
        reason="asked",
        now=NOW,
    )

    assert offer.override.waived_rules == [rule]
    assert offer_accept(offer=offer, mediator=mediator, now=NOW).status == Status.CONFIRMED


def test_vetting_is_never_waived():
    pool = pool_()
    mediator = make_mediator(pool, home=AACHEN, training_completed_on=None)
    booking = unfilled(pool)
    with pytest.raises(NotEligible, match="vetting"):
        offer_with_consent(
            booking=booking,
            mediator=mediator,
            actor=CoordinatorFactory(pool=pool).user,
            reason="x",
            now=NOW,
        )
    nothing_written(booking)


def test_the_police_certificate_for_childrens_settings_is_never_waived():
    pool = pool_()
    mediator = make_mediator(pool, police_certificate_valid_until=datetime.date(2026, 10, 7))
    booking = unfilled(pool, with_children=True)
    with pytest.raises(NotEligible, match="police certificate"):
        offer_with_consent(
            booking=booking,
            mediator=mediator,
            actor=CoordinatorFactory(pool=pool).user,
            reason="x",
            now=NOW,
        )
    nothing_written(booking)


def test_a_conflict_of_interest_is_never_waived():
    pool = pool_()
    mediator = make_mediator(pool, home=AACHEN)
    ConflictOfInterestFactory(mediator=mediator, case_reference="FALL-3")
    booking = unfilled(pool, case_reference="FALL-3")
    with pytest.raises(NotEligible, match="conflict of interest"):
        offer_with_consent(
            booking=booking,
            mediator=mediator,
            actor=CoordinatorFactory(pool=pool).user,
            reason="x",
            now=NOW,
        )
    nothing_written(booking)


def test_an_overlap_is_never_waived():
    pool = pool_()
    mediator = make_mediator(pool)
    hold(mediator, starts_at=at(hour=9), minutes=45, place=KEMPEN)
    booking = unfilled(pool, starts_at=at(hour=10))
    with pytest.raises(NotEligible, match="another appointment"):
        offer_with_consent(
            booking=booking,
            mediator=mediator,
            actor=CoordinatorFactory(pool=pool).user,
            reason="x",
            now=NOW,
        )
    nothing_written(booking)


def test_the_accept_is_refused_when_another_rule_breaks_after_the_ask():
    pool = pool_()
    far = make_mediator(pool, home=AACHEN)
    booking = unfilled(pool)
    offer = offer_with_consent(
        booking=booking, mediator=far, actor=CoordinatorFactory(pool=pool).user, reason="x", now=NOW
    )
    # An absence entered meanwhile (without the signal that would withdraw the offer).
    AbsenceFactory(mediator=far, starts_on=DAY, ends_on=DAY)

    with pytest.raises(NotEligible):
        offer_accept(offer=offer, mediator=far, now=NOW)

    booking.refresh_from_db()
    assert booking.status != Status.CONFIRMED and booking.mediator is None


def test_only_a_coordinator_of_the_pool_asks_anyway_and_only_with_a_reason():
    pool = pool_()
    far = make_mediator(pool, home=AACHEN)
    booking = unfilled(pool)
    with pytest.raises(PermissionDenied):
        offer_with_consent(
            booking=booking,
            mediator=far,
            actor=StaffFactory(institution=booking.institution).user,
            reason="x",
            now=NOW,
        )
    with pytest.raises(PermissionDenied):
        offer_with_consent(
            booking=booking,
            mediator=far,
            actor=CoordinatorFactory(pool=pool_()).user,
            reason="x",
            now=NOW,
        )
    with pytest.raises(DomainError):
        offer_with_consent(
            booking=booking,
            mediator=far,
            actor=CoordinatorFactory(pool=pool).user,
            reason="  ",
            now=NOW,
        )
    nothing_written(booking)


def test_an_eligible_mediator_is_assigned_not_asked_with_consent():
    pool = pool_()
    near = make_mediator(pool)
    booking = unfilled(pool)
    with pytest.raises(DomainError, match="assign them directly"):
        offer_with_consent(
            booking=booking,
            mediator=near,
            actor=CoordinatorFactory(pool=pool).user,
            reason="x",
            now=NOW,
        )
    nothing_written(booking)


def test_an_offer_with_consent_stays_pending_on_a_recheck_until_another_rule_breaks():
    from bookings.services.offers import offers_withdraw_ineligible

    pool = pool_()
    far = make_mediator(pool, home=AACHEN)
    booking = unfilled(pool)
    offer = offer_with_consent(
        booking=booking,
        mediator=far,
        actor=CoordinatorFactory(pool=pool).user,
        reason="x",
        now=NOW,
    )

    assert offers_withdraw_ineligible(mediator=far, now=NOW) == []
    offer.refresh_from_db()
    assert offer.status == OfferStatus.PENDING

    AbsenceFactory(mediator=far, starts_on=DAY, ends_on=DAY)
    assert [o.pk for o in offers_withdraw_ineligible(mediator=far, now=NOW)] == [offer.pk]
    offer.refresh_from_db()
    assert offer.status == OfferStatus.WITHDRAWN
