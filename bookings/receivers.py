"""What the bookings app does when another app tells it something (connected in
``BookingsConfig.ready``). Receivers are thin: they call a service."""

from __future__ import annotations

import datetime
from typing import Any

from mediators.models import Absence, AvailabilitySlot, Mediator

from .services.rematch import mediator_eligibility_apply


def on_mediator_eligibility_changed(
    sender: Any,
    *,
    mediator: Mediator,
    reason: str,
    slot: AvailabilitySlot | None = None,
    absence: Absence | None = None,
    now: datetime.datetime | None = None,
    **kwargs: Any,
) -> None:
    """``mediators.signals.mediator_eligibility_changed``: offers and standbys follow
    eligibility, and unfilled requests are tried again (``services.rematch``)."""
    mediator_eligibility_apply(
        mediator=mediator, reason=reason, slot=slot, absence=absence, now=now
    )
