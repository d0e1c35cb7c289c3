"""What a coordinator does when nobody can take a booking (the near misses,
``matching.near_misses``):

- ``offer_with_consent``: ask one of them anyway, where every rule they break is one their
  consent may waive (travel range, weekly availability, hour limits). The offer carries the
  override (who, which rules, why); accepting it waives these rules and holds every other
  one (``matching.consent.consent_covers``, checked in ``offers._confirm``). The hard
  protections - vetting, the police certificate for children's settings, conflicts of
  interest, overlaps, and every other rule - are never waived.
- ``institution_tell_nobody_found``: tell the institution, with a reason from a fixed list
  (e-mails carry no free text) and the other times at which someone is available.

Another time is proposed through the reschedule service. A booking is already matched with
the mediators of every pool sharing them; it is widened to a pool that helps on request by
``widen.booking_widen`` (the pool set: ``eligibility.pools_serving``).
"""

from __future__ import annotations

import datetime

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.constants import ActorRole
from core.exceptions import DomainError
from core.time import BERLIN, add_minutes
from mediators.models import Mediator

from ..access import require_coordinator_of
from ..constants import ASSIGNABLE_STATUSES, NobodyFoundReason, OfferStatus, Status
from ..exceptions import BookingConflict, NotEligible
from ..locking import lock_booking_or_none, lock_mediator
from ..matching.eligibility import pools_serving
from ..matching.facts import broken_rules
from ..matching.hard_rules import CONSENT_WAIVABLE, HardRule
from ..messages.hooks import nobody_found_notify, offer_made_notify
from ..models import Booking, BookingEvent, Offer, OfferOverride
from ..state_machine import record_event, transition
from .access_log import access_log_change


def _protections_text(rules: list[str]) -> str:
    labels = {
        HardRule.POOL: _("not of a pool serving this booking"),
        HardRule.LANGUAGE: _("language or dialect"),
        HardRule.INACTIVE: _("paused"),
        HardRule.SELF_UNAVAILABLE: _("unavailable by own choice"),
        HardRule.NOT_VETTED: _("vetting"),
        HardRule.POLICE_CERTIFICATE: _("police certificate for settings with children"),
        HardRule.TOPIC_DECLINED: _("declined topic"),
        HardRule.GENDER: _("gender preference"),
        HardRule.BLOCKED: _("blocked for the institution"),
        HardRule.CONFLICT_OF_INTEREST: _("conflict of interest"),
        HardRule.ABSENCE: _("absence"),
        HardRule.OVERLAP: _("another appointment at this time"),
    }
    return ", ".join(str(labels.get(HardRule(r), r)) for r in rules)


def offer_with_consent(
    *,
    booking: Booking,
    mediator: Mediator,
    actor: AbstractBaseUser,
    reason: str,
    now: datetime.datetime | None = None,
) -> Offer:
    """A coordinator of the booking's pool offers the booking to a mediator who breaks only
    rules their consent may waive. The booking becomes ``offered`` (from ``requested`` or
    ``unfilled``); the offer expires after the pool's offer time, at the start at the
    latest; the override and an event record who asked, which rules and why. Refused
    (``NotEligible``, 409) when the mediator breaks a rule consent may not waive, with the
    rules named; 400 without a reason or for a mediator who meets every rule."""
    now = now or timezone.now()
    require_coordinator_of(actor, booking)
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Say why you ask this mediator anyway."), field="reason")
    with transaction.atomic():
        locked = lock_booking_or_none(booking)
        if locked is None or locked.status not in ASSIGNABLE_STATUSES:
            raise BookingConflict(_("This booking is not open for offers."), code="not_open")
        if not Mediator.objects.filter(pools_serving(locked), pk=mediator.pk).exists():
            raise DomainError(_("Unknown mediator."), field="mediator")
        mediator = lock_mediator(mediator)
        if locked.starts_at <= now:
            raise BookingConflict(_("The appointment has begun."), code="begun")
        broken = list(broken_rules(locked, mediator))
        if not broken:
            raise DomainError(
                _("%(name)s meets every rule: assign them directly.") % {"name": mediator},
                field="mediator",
            )
        protected = [rule for rule in broken if rule not in CONSENT_WAIVABLE]
        if protected:
            raise NotEligible(
                _("This cannot be waived, not even with consent: %(rules)s.")
                % {"rules": _protections_text(protected)}
            )
        record_event(
            booking=locked,
            from_status=locked.status,
            to_status=locked.status,
            actor=actor,
            actor_role=ActorRole.COORDINATOR,
            reason=reason,
            data={"consent_offer": {"mediator_id": mediator.pk, "waived_rules": broken}},
        )
        if locked.status != Status.OFFERED:
            locked = transition(
                locked, to=Status.OFFERED, actor=actor, actor_role=ActorRole.COORDINATOR
            )
        expires_at = min(add_minutes(now, locked.pool.offer_ttl_minutes), locked.starts_at)
        last_round = Offer.objects.filter(booking=locked).order_by("-round").first()
        offer, _created = Offer.objects.update_or_create(
            booking=locked,
            mediator=mediator,
            defaults={
                "status": OfferStatus.PENDING,
                "rank": 0,
                "score": 0,
                "round": (last_round.round + 1) if last_round else 1,
                "expires_at": expires_at,
                "responded_at": None,
            },
        )
        OfferOverride.objects.update_or_create(
            offer=offer,
            defaults={
                "waived_rules": broken,
                "reason": reason,
                "created_by": actor,
                "expires_at": expires_at,
            },
        )
        offer_made_notify(offer=offer)
        access_log_change(booking=locked, actor=actor)
    return offer


def institution_tell_nobody_found(
    *,
    booking: Booking,
    actor: AbstractBaseUser,
    reason: str,
    times: list[datetime.datetime] | tuple[datetime.datetime, ...] = (),
) -> BookingEvent:
    """A coordinator tells the institution that nobody was found, with one of the reasons
    of ``NobodyFoundReason`` and, optionally, other times at which someone is available:
    an event on the booking and an e-mail in the institution's language (once per event)."""
    require_coordinator_of(actor, booking)
    if reason not in NobodyFoundReason.values:
        raise DomainError(_("Choose a reason."), field="reason")
    with transaction.atomic():
        locked = lock_booking_or_none(booking)
        if locked is None or locked.status not in ASSIGNABLE_STATUSES:
            raise BookingConflict(
                _("Only a booking that is still looking for a mediator can be reported."),
                code="not_open",
            )
        label = NobodyFoundReason(reason).label
        event = record_event(
            booking=locked,
            from_status=locked.status,
            to_status=locked.status,
            actor=actor,
            actor_role=ActorRole.COORDINATOR,
            reason=str(label),
            data={
                "institution_told": {
                    "reason": reason,
                    "times": [t.astimezone(BERLIN).isoformat() for t in times],
                }
            },
        )
        nobody_found_notify(booking=locked, event=event)
        access_log_change(booking=locked, actor=actor)
    return event
