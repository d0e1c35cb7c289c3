"""Whether a mediator's consent covers an offer they are not eligible for: the coordinator
asked them anyway (``models.OfferOverride``), and every rule they break now is one the
override waived, and one consent may waive (``hard_rules.CONSENT_WAIVABLE``)."""

from __future__ import annotations

from mediators.models import Mediator

from ..models import Booking, Offer, OfferOverride
from .facts import broken_rules
from .hard_rules import CONSENT_WAIVABLE


def consent_covers(booking: Booking, mediator: Mediator, offer: Offer | None) -> bool:
    """True when ``offer`` carries a coordinator's override for its current expiry and the
    rules the mediator breaks for the booking (now, as it is) are all among those it
    waived. Never for an offer without one, nor for rules outside ``CONSENT_WAIVABLE``."""
    if offer is None or offer.pk is None:
        return False
    override = OfferOverride.objects.filter(offer_id=offer.pk, expires_at=offer.expires_at).first()
    if override is None:
        return False
    broken = set(broken_rules(booking, mediator))
    waived = set(override.waived_rules) & CONSENT_WAIVABLE
    return bool(broken) and broken <= waived
