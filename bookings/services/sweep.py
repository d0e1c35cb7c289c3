"""The periodic sweep (Celery beat, every minute): run the answers' settlements a lost task left
(``settlements``), expire due offers and move on, apply the deadline, pick up bookings a lost
task left behind, release standbys no longer needed.

Each booking is handled in its own transaction, locked with ``skip_locked`` so that two
sweeps (or a sweep and a task) never wait for each other; every step is idempotent, so a
second run right after the first changes nothing.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from ..constants import OfferStatus, Status
from ..models import Booking, Offer
from .offers import booking_expire_offers, booking_match
from .settlements import settlements_run_due
from .standby import standbys_release_due

BATCH = 500


@dataclass(frozen=True, slots=True)
class SweepResult:
    expired: int
    offers: int
    released: int
    settlements: int = 0


def matching_sweep(*, now: datetime.datetime | None = None, batch: int = BATCH) -> SweepResult:
    now = now or timezone.now()
    # First the settlements: a lost one may owe a booking its next offer.
    settlements = settlements_run_due(now=now, batch=batch)
    due = (
        Offer.objects.filter(status=OfferStatus.PENDING, expires_at__lte=now)
        .order_by("booking_id")
        .values_list("booking_id", flat=True)
        .distinct()[:batch]
    )
    expired = offers = 0
    for pk in list(due):
        count, made = booking_expire_offers(booking_id=pk, now=now, skip_locked=True)
        expired, offers = expired + count, offers + len(made)
    pending = Offer.objects.filter(booking_id=OuterRef("pk"), status=OfferStatus.PENDING)
    waiting = (
        Booking.objects.annotate(has_pending=Exists(pending))
        .filter(Q(status=Status.REQUESTED) | Q(status=Status.OFFERED, has_pending=False))
        .order_by("starts_at")
        .values_list("pk", flat=True)[:batch]
    )
    for pk in list(waiting):
        offers += len(booking_match(booking_id=pk, now=now, skip_locked=True))
    released = standbys_release_due(now=now)
    return SweepResult(expired=expired, offers=offers, released=released, settlements=settlements)
