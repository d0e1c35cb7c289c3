"""Read-only entry points of the matching engine."""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import QuerySet
from django.utils import timezone

from mediators.models import Mediator

from ..models import Booking, Offer
from .eligibility import eligible_rows, pools_served_by_mediators_of
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


def offers_of(mediator: Mediator) -> QuerySet[Offer]:
    """A mediator's own offers, newest first."""
    return (
        Offer.objects.filter(mediator=mediator)
        .select_related(
            "booking__language", "booking__location__town", "booking__institution__town"
        )
        .order_by("-created_at", "-pk")
    )


def mediators_assignable_by(user: AbstractBaseUser, booking: Booking) -> QuerySet[Mediator]:
    """Mediators a coordinator may name for a booking: the pool's and its sharing pools'."""
    if getattr(user, "coordinator", None) is None:
        return Mediator.objects.none()
    return Mediator.objects.filter(pools_served_by_mediators_of(booking.pool_id))
