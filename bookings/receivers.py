"""Receivers of the signals of the apps below bookings (connected in ``BookingsConfig.ready``).

The mediators app does not import bookings; it sends ``mediators.signals.
mediator_eligibility_changed`` when a mediator changes in a way that may cost them their
eligibility, and the bookings' services react here, in the sender's transaction.
"""

from __future__ import annotations

import datetime
from typing import Any

from mediators.models import Mediator

from .services.offers import offers_withdraw_ineligible
from .services.standby import standbys_release_ineligible


def mediator_eligibility_changed_received(
    sender: Any,
    *,
    mediator: Mediator,
    reason: str = "",
    now: datetime.datetime | None = None,
    **kwargs: Any,
) -> None:
    """Offers and standbys follow the mediator's eligibility: the pending offers they are no
    longer eligible for are withdrawn and offered on, their standbys they are no longer
    eligible for are released (the coordinators are told)."""
    offers_withdraw_ineligible(mediator=mediator, now=now)
    standbys_release_ineligible(mediator=mediator, now=now)
