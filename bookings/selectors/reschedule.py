"""What a change of time, duration or place did to a booking, as the pages and the API show
it: read from the change's event (``services.reschedule`` records the outcome there).

The institution sees the outcome and, for a released mediator, the reasons it may be given
(``constants.ReleaseReason``: not available at the new time, the place out of range, the
pool's rules); which hard rules the mediator breaks only coordinators see.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.constants import ActorRole
from core.roles import actor_role_of

from ..constants import ReleaseReason, RescheduleOutcome
from ..models import Booking, BookingEvent

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser


@dataclass(frozen=True)
class RescheduleNote:
    """One change of time, duration or place and what it did to the search for a mediator."""

    at: datetime.datetime
    outcome: str
    explanation: str
    release_reasons: tuple[str, ...]
    # The hard rules the released mediator breaks; None for anyone but coordinators.
    broken_rules: tuple[str, ...] | None


def release_reasons_text(reasons: list[str] | tuple[str, ...]) -> str:
    """The reasons a mediator was released, in the reader's language."""
    known = [ReleaseReason(r).label for r in reasons if r in ReleaseReason.values]
    return "; ".join(str(label) for label in known or [ReleaseReason.RULES.label])


def reschedule_explanation(outcome: str, release_reasons: list[str] | tuple[str, ...]) -> str:
    """What the change did, in one sentence in the reader's language."""
    if outcome == RescheduleOutcome.MEDIATOR_KEPT:
        return _("The language mediator stays booked: they can also take the new time and place.")
    if outcome == RescheduleOutcome.MEDIATOR_RELEASED:
        return _(
            "The language mediator cannot take the new time or place (%(why)s) and was "
            "released; the search for someone else has started."
        ) % {"why": release_reasons_text(release_reasons)}
    if outcome == RescheduleOutcome.AWAITING_APPROVAL:
        return _("The request still waits for approval; the search starts once it is approved.")
    return _("The search for a language mediator starts again for the new time and place.")


def reschedule_note(event: BookingEvent, *, with_rules: bool = False) -> RescheduleNote | None:
    """The note of one event, or None when the event is no change of time or place (or was
    recorded before changes had an outcome)."""
    data = event.data or {}
    outcome = data.get("outcome")
    if not data.get("rescheduled") or outcome not in RescheduleOutcome.values:
        return None
    reasons = tuple(data.get("release_reasons") or ())
    return RescheduleNote(
        at=event.created_at,
        outcome=outcome,
        explanation=reschedule_explanation(outcome, reasons),
        release_reasons=reasons,
        broken_rules=tuple(data.get("broken_rules") or ()) if with_rules else None,
    )


def last_reschedule_for(
    user: AbstractBaseUser | AnonymousUser | None, booking: Booking
) -> RescheduleNote | None:
    """The booking's latest change of time, duration or place as ``user`` may see it (the
    events as the detail querysets prefetch them, oldest first)."""
    with_rules = actor_role_of(user) == ActorRole.COORDINATOR
    notes = [reschedule_note(e, with_rules=with_rules) for e in booking.events.all()]
    found = [n for n in notes if n is not None]
    return found[-1] if found else None


def timeline_for(
    user: AbstractBaseUser | AnonymousUser | None, booking: Booking
) -> list[tuple[BookingEvent, RescheduleNote | None]]:
    """The booking's events, oldest first, each with its note when it changed time or place
    (as ``user`` may see it)."""
    with_rules = actor_role_of(user) == ActorRole.COORDINATOR
    return [(e, reschedule_note(e, with_rules=with_rules)) for e in booking.events.all()]


# The hard rules of matching in the coordinators' words (``matching.hard_rules.HardRule``).
HARD_RULE_LABELS = {
    "pool": gettext_lazy("not in a pool that serves this booking"),
    "language": gettext_lazy("does not speak the language or dialect"),
    "inactive": gettext_lazy("paused"),
    "self_unavailable": gettext_lazy("marked themselves unavailable"),
    "not_vetted": gettext_lazy("vetting not complete"),
    "police_certificate": gettext_lazy("no valid police certificate on the day"),
    "topic_declined": gettext_lazy("declines this topic"),
    "availability": gettext_lazy("outside their weekly availability"),
    "absence": gettext_lazy("absent on the day"),
    "overlap": gettext_lazy("another appointment overlaps, travel included"),
    "travel_range": gettext_lazy("outside their travel range"),
    "hour_limit": gettext_lazy("over their weekly or monthly hour limit"),
    "gender": gettext_lazy("does not match the gender preference"),
    "blocked": gettext_lazy("blocked for this institution"),
    "conflict_of_interest": gettext_lazy("conflict of interest for this case"),
}


def hard_rule_labels(rules: tuple[str, ...] | list[str]) -> list[str]:
    """The broken hard rules in the reader's language (the name for a rule without one)."""
    return [str(HARD_RULE_LABELS.get(rule, rule)) for rule in rules]
