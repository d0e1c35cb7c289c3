"""Offers follow the mediators' eligibility, and unfilled requests are tried again when a
change could serve them.

A change of a mediator (``mediators.signals.mediator_eligibility_changed``, received by
``bookings.receivers``) is applied by ``mediator_eligibility_apply``:

- in the change's transaction, the mediator's pending offers that became ineligible are
  withdrawn and each booking is offered to its next candidate
  (``offers.offers_withdraw_ineligible``) - unless the change can only widen eligibility
  (resume, availability added, absence removed);
- after the commit, a task (``UNFILLED_REMATCH_TASK``) tries again the unfilled requests
  the mediator may now serve - unless the change can only narrow it (pause, availability
  or an absence added, a conflict).

A cancelled appointment frees its mediator's time: ``booking_freed_rematch`` queues the same
task for the hours around it (a give-back too, for the other requests of that time).

The work is bounded: ``matching.selectors.unfilled_requests_for`` narrows in SQL to future
unfilled requests in the mediator's pools and languages, within their range, never
answered by them (declined, expired, given back), in the changed time when the change was
in time, at most ``REMATCH_LIMIT``; each is then locked and checked against every hard rule
on its own (``offers.unfilled_rematch``).

An absence that simply ends needs nothing: it only ever blocked its own days, which are in
the past by then. Deleting or shortening one (deleting in the services, any change through
the admin) is the change that frees a mediator.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from config.queue import enqueue_on_commit
from core.time import local_datetime
from mediators.models import Absence, AvailabilitySlot, Mediator
from mediators.signals import NARROWING, WIDENING

from ..matching.eligibility import MAX_TRAVEL_GAP
from ..matching.selectors import REMATCH_LIMIT, unfilled_requests_for
from ..models import Booking
from .offers import offers_withdraw_ineligible, unfilled_rematch
from .standby import standbys_release_ineligible

UNFILLED_REMATCH_TASK = "bookings.tasks.unfilled_rematch_task"


@dataclass(frozen=True, slots=True)
class Scope:
    """The time a change concerns: an instant range, a weekly slot, or (both None) all."""

    between: tuple[datetime.datetime, datetime.datetime] | None = None
    slot: tuple[int, datetime.time, datetime.time] | None = None

    def as_json(self) -> dict[str, Any]:
        slot = self.slot
        return {
            "between": [t.isoformat() for t in self.between] if self.between else None,
            "slot": [slot[0], slot[1].isoformat(), slot[2].isoformat()] if slot else None,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any] | None) -> Scope:
        data = data or {}
        between, slot = data.get("between"), data.get("slot")
        time = datetime.time.fromisoformat
        instant = datetime.datetime.fromisoformat
        return cls(
            between=(instant(between[0]), instant(between[1])) if between else None,
            slot=(int(slot[0]), time(slot[1]), time(slot[2])) if slot else None,
        )

    @classmethod
    def of_change(cls, *, slot: AvailabilitySlot | None, absence: Absence | None) -> Scope:
        if slot is not None:
            return cls(slot=(slot.weekday, slot.start_time, slot.end_time))
        if absence is not None:
            after = absence.ends_on + datetime.timedelta(days=1)
            return cls(between=(local_datetime(absence.starts_on), local_datetime(after)))
        return cls()


def rematch_enqueue(*, mediator_id: int, scope: Scope) -> None:
    """Try the unfilled requests the mediator may serve again, after the commit."""
    enqueue_on_commit(UNFILLED_REMATCH_TASK, mediator_id, scope.as_json())


def unfilled_rematch_for_mediator(
    *,
    mediator_id: int,
    scope: Scope | None = None,
    now: datetime.datetime | None = None,
    limit: int = REMATCH_LIMIT,
) -> int:
    """Try again the unfilled requests (at most ``limit``) a change of the mediator may let
    them serve, each in its own transaction; returns the number of offers made.
    Idempotent: a request filled or re-opened meanwhile is left alone."""
    now = now or timezone.now()
    scope = scope or Scope()
    mediator = Mediator.objects.filter(pk=mediator_id).first()
    if mediator is None:
        return 0
    ids = unfilled_requests_for(
        mediator, now=now, between=scope.between, slot=scope.slot, limit=limit
    )
    return sum(
        len(unfilled_rematch(booking_id=pk, mediator_id=mediator.pk, now=now, skip_locked=True))
        for pk in ids
    )


def mediator_eligibility_apply(
    *,
    mediator: Mediator,
    reason: str,
    slot: AvailabilitySlot | None = None,
    absence: Absence | None = None,
    now: datetime.datetime | None = None,
) -> int:
    """A change of the mediator (``reason``: a ``mediators.signals.EligibilityChange``):
    withdraw the pending offers it made ineligible now, in the change's transaction (and
    release, telling the coordinators, the standbys it made ineligible), and queue the
    unfilled requests it may serve for after the commit. Returns how many
    offers were withdrawn."""
    withdrawn = 0
    if reason not in WIDENING:
        now = now or timezone.now()
        withdrawn = len(offers_withdraw_ineligible(mediator=mediator, now=now))
        standbys_release_ineligible(mediator=mediator, now=now)
    if reason not in NARROWING:
        rematch_enqueue(mediator_id=mediator.pk, scope=Scope.of_change(slot=slot, absence=absence))
    return withdrawn


def booking_freed_rematch(*, booking: Booking, mediator_id: int) -> None:
    """The mediator no longer holds ``booking`` (cancelled, given back): after the commit,
    the unfilled requests around its time (with the longest travel between two places)
    are tried again for them."""
    time_freed_rematch(
        mediator_id=mediator_id, starts_at=booking.starts_at, ends_at=booking.ends_at
    )


def time_freed_rematch(
    *, mediator_id: int, starts_at: datetime.datetime, ends_at: datetime.datetime
) -> None:
    """The mediator's time ``starts_at``–``ends_at`` became free (a booking cancelled, given
    back, or moved away from it): after the commit, the unfilled requests around it are
    tried again for them."""
    scope = Scope(between=(starts_at - MAX_TRAVEL_GAP, ends_at + MAX_TRAVEL_GAP))
    rematch_enqueue(mediator_id=mediator_id, scope=scope)
