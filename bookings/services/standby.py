"""Standby (a pool setting): once a booking is confirmed, the next-best eligible mediator is
asked to hold the time free; if the confirmed mediator gives the booking back, the standby
gets the offer first. A standby is released when the appointment is over or cancelled, when
they decline or let the offer expire, or when they are no longer eligible."""

from __future__ import annotations

import datetime

from django.db.models import Q
from django.utils import timezone

from ..constants import OfferStatus, Status
from ..matching.eligibility import is_eligible
from ..matching.selectors import candidates_for
from ..messages.hooks import standby_notify
from ..models import Booking, Offer, Standby

# A standby holds the time while the booking is in one of these and not over.
STILL_NEEDED = (Status.CONFIRMED, Status.REQUESTED, Status.OFFERED)
# Offers in these statuses mean the mediator had their turn (withdrawn ones did not).
HAD_THEIR_TURN = (
    OfferStatus.PENDING,
    OfferStatus.ACCEPTED,
    OfferStatus.DECLINED,
    OfferStatus.EXPIRED,
)


def _open_standby(booking: Booking) -> Standby | None:
    return (
        Standby.objects.select_related("mediator__user")
        .filter(booking=booking, released_at__isnull=True)
        .first()
    )


def standby_release(booking: Booking, *, now: datetime.datetime | None = None) -> bool:
    """Release the booking's standby (if any) and tell them. Idempotent."""
    now = now or timezone.now()
    standby = _open_standby(booking)
    if standby is None:
        return False
    released = Standby.objects.filter(pk=standby.pk, released_at__isnull=True).update(
        released_at=now
    )
    if released:
        standby.released_at = now
        standby_notify(standby=standby, released=True)
    return bool(released)


def standby_after_confirmation(booking: Booking, *, now: datetime.datetime) -> Standby | None:
    """Ask the next-best eligible mediator to hold the time of a just confirmed booking."""
    if not booking.pool.standby_enabled:
        return None
    current = _open_standby(booking)
    if current is not None and current.mediator_id != booking.mediator_id:
        standby_release(booking, now=now)
    had_turn = Offer.objects.filter(booking=booking, status__in=HAD_THEIR_TURN).values_list(
        "mediator_id", flat=True
    )
    exclude = {pk for pk in (booking.mediator_id, *had_turn) if pk is not None}
    candidates = candidates_for(booking, now=now, exclude=exclude)
    if not candidates:
        if current is not None and current.mediator_id == booking.mediator_id:
            Standby.objects.filter(pk=current.pk).update(released_at=now)
        return None
    # A fresh row for every standby asked (its messages are keyed by the row).
    Standby.objects.filter(booking=booking).delete()
    standby = Standby.objects.create(booking=booking, mediator=candidates[0].mediator)
    standby_notify(standby=standby)
    return standby


def standby_after_reschedule(booking: Booking, *, now: datetime.datetime) -> Standby | None:
    """A confirmed booking moved and kept its mediator: the standby held the old time. They
    are released (and told), and the next-best eligible mediator is asked to hold the new
    time - the same person again if they still fit best, with the new time."""
    if _open_standby(booking) is None:
        return None
    standby_release(booking, now=now)
    return standby_after_confirmation(booking, now=now)


def standby_to_offer(booking: Booking, *, now: datetime.datetime) -> Standby | None:
    """The standby who must get the next offer of a re-opened booking (or whose offer is
    still open); releases a standby who already had their turn or is no longer eligible."""
    standby = _open_standby(booking)
    if standby is None:
        return None
    status = (
        Offer.objects.filter(booking=booking, mediator_id=standby.mediator_id)
        .values_list("status", flat=True)
        .first()
    )
    if status == OfferStatus.PENDING:
        return standby
    if status in HAD_THEIR_TURN or not is_eligible(booking, standby.mediator, now=now):
        standby_release(booking, now=now)
        return None
    return standby


def standbys_release_due(*, now: datetime.datetime | None = None) -> int:
    """Release the standbys of appointments that are over or no longer held (sweep)."""
    now = now or timezone.now()
    still_needed = Q(booking__ends_at__gt=now, booking__status__in=STILL_NEEDED)
    due = Standby.objects.filter(released_at__isnull=True).exclude(still_needed)
    return sum(standby_release(s.booking, now=now) for s in due.select_related("booking"))
