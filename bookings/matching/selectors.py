"""Read-only entry points of the matching engine."""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.utils import timezone

from ..models import Booking
from .eligibility import eligible_rows
from .ranking import Candidate, pool_figures, rank


def candidates_for(
    booking: Booking,
    *,
    now: datetime.datetime | None = None,
    exclude: Iterable[int] = (),
    only: Iterable[int] | None = None,
) -> list[Candidate]:
    """Every mediator who meets all hard constraints for the booking, best first, each with
    a score and the reasons for it. A fixed number of queries, whatever the pool's size."""
    now = now or timezone.now()
    request, mediators = eligible_rows(booking, now=now, only=only, exclude=exclude)
    if not mediators:
        return []
    figures = pool_figures(booking, now=now)
    return rank(booking, request, mediators, pool=booking.pool, figures=figures, now=now)
