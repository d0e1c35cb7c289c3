"""Whether a mediator's consent covers an offer they are not eligible for: the coordinator
asked them anyway (``models.OfferOverride``), and every rule they break now is one the
override waived, and one consent may waive (``hard_rules.CONSENT_WAIVABLE``)."""

from __future__ import annotations

from collections.abc import Iterable

from django.utils.translation import gettext as _

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


def consent_text(waived_rules: Iterable[str]) -> str:
    """What an offer made with consent tells the mediator, in the active language: which of
    their own settings it goes beyond, and that declining is fine."""
    beyond = {
        "travel_range": _("your travel range"),
        "availability": _("your weekly availability"),
        "hour_limit": _("your hour limit"),
    }
    names = [str(beyond[rule]) for rule in waived_rules if rule in beyond]
    return _(
        "The coordination office asks you personally, although this appointment lies "
        "outside %(settings)s. Accept only if it suits you; declining is fine."
    ) % {"settings": ", ".join(names)}


def consent_notes(offers: Iterable[Offer]) -> dict[int, str]:
    """For each of the offers made with consent (its override made for its current expiry),
    the note for the mediator (``consent_text``). One query, none for offers whose override
    (or its absence) was read with them (``prefetch_related_objects(offers, "override")``:
    a round of offers' e-mails)."""
    offers = list(offers)
    expiry = {offer.pk: offer.expires_at for offer in offers}
    read = Offer.override.related
    overrides: list[OfferOverride] = [
        override
        for offer in offers
        if read.is_cached(offer) and (override := getattr(offer, "override", None)) is not None
    ]
    missing = [offer.pk for offer in offers if not read.is_cached(offer)]
    if missing:
        overrides += OfferOverride.objects.filter(offer_id__in=missing)
    return {
        o.offer_id: consent_text(o.waived_rules)
        for o in overrides
        if o.expires_at == expiry[o.offer_id]
    }
