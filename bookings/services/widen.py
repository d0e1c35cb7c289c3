"""Widen one booking nobody takes to a pool that helps on request.

Pools share mediators globally (``Pool.shares_mediators_with``: every booking of either
pool is matched with the mediators of both). A pool may instead agree to help another on
request (``Pool.helps_on_request``, one-way, set by the site's administrators): then a
coordinator of the other pool may widen a single booking to its mediators. The booking
keeps the pools it was widened to (``Booking.widened_to``), and the booking's pool set
(``matching.eligibility.pools_serving``) includes them, so eligibility, the near misses, the
candidates and the offers all agree.

The helping pool's mediators see the booking as offers, as usual; its coordinators see
nothing more than with sharing (bookings stay within their own pool's reach).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from core.constants import ActorRole
from core.exceptions import DomainError
from institutions.models import Pool

from ..access import require_coordinator_of
from ..constants import ASSIGNABLE_STATUSES, Status
from ..exceptions import BookingConflict
from ..locking import lock_booking_or_none
from ..matching.eligibility import eligible_rows
from ..models import Booking, Offer
from ..state_machine import record_event, transition
from .access_log import access_log_change
from .offers import ANSWERED, fill_deadline, matching_enqueue


@dataclass(frozen=True, slots=True)
class Widening:
    """What widening did: ``changed`` is False when the booking was widened to the pool
    already (nothing done); ``eligible`` counts the pool's mediators who may be asked now;
    ``matching`` says whether matching runs again (after the commit)."""

    booking: Booking
    pool: Pool
    changed: bool
    eligible: int
    matching: bool


def _refuse_pool(booking: Booking, pool: Pool) -> None:
    if pool.pk == booking.pool_id:
        raise DomainError(_("This is the booking's own pool."), field="pool")
    if pool.shares_mediators_with.filter(pk=booking.pool_id).exists():
        raise DomainError(
            _("%(pool)s shares its mediators with your pool: they are searched already.")
            % {"pool": pool.name},
            field="pool",
        )
    if not pool.helps_on_request.filter(pk=booking.pool_id).exists():
        raise DomainError(
            _("%(pool)s does not help your pool on request.") % {"pool": pool.name},
            field="pool",
        )


def booking_widen(
    *,
    booking: Booking,
    pool: Pool,
    actor: AbstractBaseUser,
    reason: str = "",
    now: datetime.datetime | None = None,
) -> Widening:
    """A coordinator of the booking's pool widens the booking to ``pool``, which helps
    their pool on request (and does not share mediators with it already): its eligible
    mediators may be asked. Only while the booking looks for a mediator (requested, offered,
    unfilled) and has not begun. An event records who, which pool and why; an unfilled
    request goes back to ``requested`` when someone new is eligible before the pool's fill
    deadline, and matching runs again after the commit. Widening twice is a no-op
    (``changed`` False, no event)."""
    now = now or timezone.now()
    require_coordinator_of(actor, booking)
    reason = (reason or "").strip()
    with transaction.atomic():
        locked = lock_booking_or_none(booking)
        if locked is None or locked.status not in ASSIGNABLE_STATUSES:
            raise BookingConflict(
                _("Only a booking that is still looking for a mediator can be widened."),
                code="not_open",
            )
        if locked.starts_at <= now:
            raise BookingConflict(_("The appointment has begun."), code="begun")
        _refuse_pool(locked, pool)
        if locked.widened_to.filter(pk=pool.pk).exists():
            return Widening(locked, pool, changed=False, eligible=0, matching=False)
        locked.widened_to.add(pool)
        if not reason:
            with translation.override(settings.LANGUAGE_CODE):
                reason = _("Nobody was found in the pool's own search.")
        record_event(
            booking=locked,
            from_status=locked.status,
            to_status=locked.status,
            actor=actor,
            actor_role=ActorRole.COORDINATOR,
            reason=reason,
            data={"widened_to": {"pool_id": pool.pk, "pool": pool.name}},
        )
        answered = Offer.objects.filter(booking=locked, status__in=ANSWERED).values_list(
            "mediator_id", flat=True
        )
        _request, rows = eligible_rows(locked, now=now, exclude=list(answered), ranked=False)
        eligible = sum(1 for row in rows if row.pool_id == pool.pk)
        matching = bool(rows) and now < fill_deadline(locked)
        if matching and locked.status == Status.UNFILLED:
            locked = transition(
                locked,
                to=Status.REQUESTED,
                actor=actor,
                actor_role=ActorRole.COORDINATOR,
                data={"widened_to_pool_id": pool.pk},
            )
        if matching:
            matching_enqueue(booking=locked)
        access_log_change(booking=locked, actor=actor)
    return Widening(locked, pool, changed=True, eligible=eligible, matching=matching)
