"""The service-layer overlap rule: a mediator holds at most one booking at any time.

On PostgreSQL the exclusion constraint of migration bookings/0002 enforces the same rule in
the database; this query is the check on every database (and the one that gives a clear
answer before a write). The matching engine adds travel-time gaps on top of it.
"""

from __future__ import annotations

import datetime

from mediators.models import Mediator

from ..constants import HOLDING_STATUSES
from ..models import Booking, overlapping


def mediator_holds_overlap(
    *,
    mediator: Mediator | int,
    starts_at: datetime.datetime,
    ends_at: datetime.datetime,
    exclude_booking_id: int | None = None,
) -> bool:
    """True when the mediator holds a booking whose time overlaps ``[starts_at, ends_at)``.

    Touching bookings (one ends when the next starts) do not overlap, as in the database
    constraint's half-open range.
    """
    mediator_id = mediator if isinstance(mediator, int) else mediator.pk
    qs = Booking.objects.filter(
        overlapping(starts_at, ends_at), mediator_id=mediator_id, status__in=HOLDING_STATUSES
    )
    if exclude_booking_id is not None:
        qs = qs.exclude(pk=exclude_booking_id)
    return qs.exists()
