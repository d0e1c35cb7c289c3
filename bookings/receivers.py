"""What the bookings app does when another app tells it something (connected in
``BookingsConfig.ready``). Receivers are thin: they call a service."""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.utils import timezone

from mediators.models import Absence, AvailabilitySlot, ConflictOfInterest, Mediator
from mediators.signals import EligibilityChange

from .services.conflicts import (
    CONFLICT_DECLARED,
    CONFLICT_LIFTED,
    conflict_access_log,
    conflict_bookings_release,
)
from .services.rematch import mediator_eligibility_apply


def on_mediator_eligibility_changed(
    sender: Any,
    *,
    mediator: Mediator,
    reason: str,
    slot: AvailabilitySlot | None = None,
    absence: Absence | None = None,
    now: datetime.datetime | None = None,
    conflict: ConflictOfInterest | None = None,
    actor: AbstractBaseUser | None = None,
    **kwargs: Any,
) -> None:
    """``mediators.signals.mediator_eligibility_changed``: offers and standbys follow
    eligibility, and unfilled requests are tried again (``services.rematch``); a declared
    conflict of interest also releases the mediator from the confirmed bookings of its case
    (``services.conflicts``)."""
    if conflict is not None:
        declared = reason == EligibilityChange.CONFLICT
        conflict_access_log(
            conflict=conflict, actor=actor, what=CONFLICT_DECLARED if declared else CONFLICT_LIFTED
        )
        if declared:
            now = now or timezone.now()
            conflict_bookings_release(conflict=conflict, actor=actor, now=now)
    mediator_eligibility_apply(
        mediator=mediator, reason=reason, slot=slot, absence=absence, now=now
    )
