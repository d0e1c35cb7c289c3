"""Standby (a pool setting): once a booking is confirmed, the next-best eligible mediator is
asked to hold the time free; if the confirmed mediator gives the booking back, the standby
gets the offer first.

An open standby holds the booking's time like a confirmed booking, travel time included
(``matching.eligibility``, the planner's loader): the standby is not offered, assigned or
planned anything that clashes with it, so they are still eligible when the booking comes
back (``constants.STANDBY_HOLDING_STATUSES``).

A standby is released in the usual course (``standby_release``: the mediator is told) when
the appointment is over or cancelled, when they had their turn (declined or let the offer
expire, or took the booking) or when another standby replaces them. Released while the
booking still needs them - no longer eligible (an absence, a pause, ...) or at their own or
a coordinator's wish - is an explicit step (``standby_release_early``): the coordinators get
a ``standby_released`` alert on their work list (and by e-mail), the mediator is told.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from mediators.models import Mediator

from ..constants import STANDBY_HOLDING_STATUSES, AlertKind, OfferStatus
from ..matching.facts import is_eligible
from ..matching.selectors import candidates_for
from ..messages.hooks import alert_notify, standby_notify
from ..models import Alert, Booking, Offer, Standby

# A standby holds the time while the booking is in one of these and not over.
STILL_NEEDED = STANDBY_HOLDING_STATUSES
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


def has_open_standby(booking: Booking) -> bool:
    return Standby.objects.filter(booking=booking, released_at__isnull=True).exists()


def _release(booking: Booking, *, now: datetime.datetime) -> Standby | None:
    """Release the booking's open standby and tell their mediator: the released row, or
    None when there was none (or another transaction released it first)."""
    standby = _open_standby(booking)
    if standby is None:
        return None
    released = Standby.objects.filter(pk=standby.pk, released_at__isnull=True).update(
        released_at=now
    )
    if not released:
        return None
    standby.released_at = now
    standby_notify(standby=standby, released=True)
    return standby


def standby_release(booking: Booking, *, now: datetime.datetime | None = None) -> bool:
    """Release the booking's standby (if any) in the usual course - the appointment is over
    or cancelled, the standby had their turn or is replaced - and tell them. Idempotent."""
    return _release(booking, now=now or timezone.now()) is not None


class ReleaseReason:
    """Why a standby is released while the booking still needs them."""

    NOT_ELIGIBLE = "not_eligible"
    ON_REQUEST = "on_request"


def _reason_text(reason: str) -> str:
    if reason == ReleaseReason.NOT_ELIGIBLE:
        return _("The standby is no longer eligible for this appointment.")
    return _("The standby was released on request.")


def standby_release_early(
    *, booking: Booking, reason: str, now: datetime.datetime | None = None
) -> Standby | None:
    """Release the booking's standby while the booking still needs one: the explicit step.

    ``reason`` is a ``ReleaseReason``. The standby's mediator is told (the standby release
    e-mail) and the pool's coordinators get one open ``standby_released`` alert for the
    booking - on their work list and by e-mail - naming the mediator and the reason, so
    that nobody learns only when the booking is given back that no standby is left.
    Returns the released standby, or None when there was no open one (idempotent)."""
    now = now or timezone.now()
    standby = _release(booking, now=now)
    if standby is None:
        return None
    with translation.override(settings.LANGUAGE_CODE):
        message = _("%(mediator)s no longer stands by for this appointment. %(reason)s") % {
            "mediator": str(standby.mediator),
            "reason": _reason_text(reason),
        }
    alert, created = Alert.objects.get_or_create(
        booking=booking,
        kind=AlertKind.STANDBY_RELEASED,
        resolved_at=None,
        defaults={"pool_id": booking.pool_id, "mediator": standby.mediator, "message": message},
    )
    if created:
        alert_notify(alert=alert)
    return standby


def standbys_release_ineligible(
    *, mediator: Mediator, now: datetime.datetime | None = None
) -> list[Standby]:
    """Release, explicitly (``standby_release_early``), the mediator's open standbys for
    appointments still ahead that they are no longer eligible for (after a change of the
    mediator: an absence, a pause, a conflict of interest, ...). Idempotent."""
    now = now or timezone.now()
    open_standbys = Standby.objects.filter(
        mediator=mediator,
        released_at__isnull=True,
        booking__status__in=STILL_NEEDED,
        booking__ends_at__gt=now,
    ).select_related("booking__pool", "booking__location", "booking__institution")
    released = []
    for standby in list(open_standbys):
        if is_eligible(standby.booking, mediator, now=now):
            continue
        done = standby_release_early(
            booking=standby.booking, reason=ReleaseReason.NOT_ELIGIBLE, now=now
        )
        if done is not None:
            released.append(done)
    return released


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
    if status in HAD_THEIR_TURN:
        standby_release(booking, now=now)
        return None
    if not is_eligible(booking, standby.mediator, now=now):
        standby_release_early(booking=booking, reason=ReleaseReason.NOT_ELIGIBLE, now=now)
        return None
    return standby


def standbys_release_due(*, now: datetime.datetime | None = None) -> int:
    """Release the standbys of appointments that are over or no longer held (sweep)."""
    now = now or timezone.now()
    still_needed = Q(booking__ends_at__gt=now, booking__status__in=STILL_NEEDED)
    due = Standby.objects.filter(released_at__isnull=True).exclude(still_needed)
    return sum(standby_release(s.booking, now=now) for s in due.select_related("booking"))
