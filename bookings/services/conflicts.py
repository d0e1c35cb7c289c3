"""What a conflict of interest does to the bookings of its case.

A conflict is a hard protection (no consent overrides it). When one is declared, in the
declaration's transaction, the mediator is released from every confirmed booking of that
case still ahead the way a change of time that breaks a rule releases them
(``reschedule.mediator_release``): the institution is told only that the pool's rules no
longer allow it, never the conflict. Pending offers and standbys follow eligibility
(``rematch.mediator_eligibility_apply``). The declaration and the lifting are each one
access-log row naming the mediator, the releases one change row per booking.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.utils import translation

from core.constants import ActorRole
from core.roles import actor_role_of
from core.text import case_reference_key
from mediators.models import ConflictOfInterest

from ..constants import ReleaseReason, Status
from ..locking import lock_booking_and_mediator
from ..matching.hard_rules import HardRule
from ..models import Booking
from .access_log import CHANGE, access_log_change, access_log_list
from .rematch import time_freed_rematch
from .reschedule import mediator_release

CONFLICT_DECLARED = "conflict of interest declared"
CONFLICT_LIFTED = "conflict of interest lifted"


def bookings_of_conflict(conflict: ConflictOfInterest, *, now: datetime.datetime) -> list[Booking]:
    """The mediator's confirmed bookings of the conflict's case that have not started."""
    key = case_reference_key(conflict.case_reference)
    if not key:
        return []
    candidates = Booking.objects.filter(
        mediator_id=conflict.mediator_id, status=Status.CONFIRMED, starts_at__gt=now
    ).exclude(case_reference="")
    if conflict.institution_id is not None:
        # A record without an institution (from before they were kept) matches everywhere.
        candidates = candidates.filter(institution_id=conflict.institution_id)
    # The compared form is computed in Python (Unicode folding), as matching does.
    return [b for b in candidates.order_by("pk") if case_reference_key(b.case_reference) == key]


def conflict_bookings_release(
    *,
    conflict: ConflictOfInterest,
    actor: AbstractBaseUser | None,
    now: datetime.datetime,
) -> list[Booking]:
    """Release the conflict's mediator from the confirmed bookings of its case still ahead
    (call it in the declaration's transaction). Returns the released bookings."""
    role = actor_role_of(actor) or ActorRole.SYSTEM
    with translation.override(settings.LANGUAGE_CODE):
        reason = str(ReleaseReason.RULES.label)
    released = []
    for booking in bookings_of_conflict(conflict, now=now):
        locked, mediator = lock_booking_and_mediator(booking)
        if locked.status != Status.CONFIRMED or locked.mediator_id != conflict.mediator_id:
            continue  # changed while it was not locked
        released.append(
            mediator_release(
                locked,
                broken=[HardRule.CONFLICT_OF_INTEREST],
                actor=actor,
                role=role,
                reason=reason,
                data={"mediator_id": conflict.mediator_id, "conflict_id": conflict.pk},
                # The calendars follow: the mediator's cancellation, the institution's
                # tentative update.
                changes={"sequence": locked.sequence + 1},
                now=now,
            )
        )
        access_log_change(booking=locked, actor=actor)
        time_freed_rematch(
            mediator_id=conflict.mediator_id, starts_at=locked.starts_at, ends_at=locked.ends_at
        )
    return released


def conflict_access_log(
    *, conflict: ConflictOfInterest, actor: AbstractBaseUser | None, what: str
) -> None:
    """One access-log row for the declaration or the lifting of a conflict, naming the
    mediator (found on their page) and the conflict."""
    if actor is None or not actor.is_authenticated:
        return
    access_log_list(
        user=actor,
        what=what,
        action=CHANGE,
        pool_id=conflict.mediator.pool_id,
        mediator_ids=[conflict.mediator_id],
        object_ids=[conflict.pk],
    )
