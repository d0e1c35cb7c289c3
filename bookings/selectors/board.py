"""The open requests board: the requests still looking for someone that a mediator may take.

A request is on the board when its pool has the board switched on (``Pool.open_board``), it
has not started, and nobody is being asked for it: it is ``unfilled``, or it is looking for a
mediator (``requested``, ``offered``) with no open offer left (every offer expired, was
declined or withdrawn, and matching has not asked the next one yet). A mediator sees those
for which they are eligible now - every hard rule of matching, through
``matching.eligibility.eligible_among`` (no rule is written twice) - soonest first.
"""

from __future__ import annotations

import datetime

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from institutions.models import Pool
from mediators.constants import USABLE_LEVEL
from mediators.models import Mediator, MediatorLanguage

from ..constants import OfferStatus, Status
from ..matching.eligibility import eligible_among
from ..models import Booking, Offer

# At most this many requests are looked at for one mediator (the soonest first).
BOARD_LIMIT = 50
BOARD_STATUSES = (Status.UNFILLED, Status.REQUESTED, Status.OFFERED)


def _open_offers() -> QuerySet[Offer]:
    return Offer.objects.filter(booking_id=OuterRef("pk"), status=OfferStatus.PENDING)


def on_board(booking: Booking, *, now: datetime.datetime) -> bool:
    """The booking (read under its lock) is on its pool's board: the condition
    ``open_requests`` reads in SQL, for one booking."""
    if booking.status not in BOARD_STATUSES or booking.starts_at <= now:
        return False
    if not booking.pool.open_board:
        return False
    return not Offer.objects.filter(
        booking=booking, status=OfferStatus.PENDING, expires_at__gt=now
    ).exists()


def open_requests(*, now: datetime.datetime) -> QuerySet[Booking]:
    """Every request on a board, soonest first (whoever may take it)."""
    return (
        Booking.objects.filter(status__in=BOARD_STATUSES, starts_at__gt=now, pool__open_board=True)
        .filter(~Exists(_open_offers().filter(expires_at__gt=now)))
        .order_by("starts_at", "pk")
    )


def open_requests_for(
    mediator: Mediator, *, now: datetime.datetime | None = None, limit: int = BOARD_LIMIT
) -> list[Booking]:
    """The requests on a board that the mediator is eligible for now, soonest first, at most
    ``limit`` looked at. Four queries whatever their number (``eligible_among``)."""
    now = now or timezone.now()
    if not (mediator.active and mediator.is_vetted):
        return []
    languages = MediatorLanguage.objects.filter(mediator=mediator, level__gte=USABLE_LEVEL)
    sharing = Pool.shares_mediators_with.through.objects.filter(to_pool_id=mediator.pool_id)
    widened = Booking.widened_to.through.objects.filter(pool_id=mediator.pool_id)
    # A pre-filter (the pools they serve, their languages); eligibility decides.
    candidates = list(
        open_requests(now=now)
        .filter(
            Q(pool_id=mediator.pool_id)
            | Q(pool_id__in=sharing.values("from_pool_id"))
            | Q(pk__in=widened.values("booking_id")),
            language_id__in=languages.values("language_id"),
        )
        .select_related("pool", "language", "location__town", "institution__town")[:limit]
    )
    eligible = eligible_among(mediator, candidates, now=now)
    return [b for b in candidates if b.pk in eligible]
