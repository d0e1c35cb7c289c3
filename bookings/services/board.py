"""Taking a request from the open requests board (``selectors.board``).

A mediator takes a request nobody is being asked for, as if it had been offered to them and
they accepted: under the booking's lock (then the mediator's: ``bookings.locking``) the
request must still be on its pool's board and the mediator eligible (every hard rule, again),
then an offer to them is recorded and accepted through the accept's own confirmation
(``offers._confirm``: the state machine, its event and messages, the other pending offers
withdrawn, the rest settled after the commit). Of many simultaneous takes, one confirms; the
others find the changed state and answer 409, having changed nothing.
"""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.constants import ActorRole
from mediators.models import Mediator

from ..constants import OfferStatus
from ..exceptions import BookingConflict
from ..locking import lock_booking_or_none, lock_mediator
from ..models import Booking, Offer
from ..selectors.board import on_board
from .access_log import access_log_change
from .offers import _confirm


def open_request_take(
    *, booking: Booking | int, mediator: Mediator, now: datetime.datetime | None = None
) -> Booking:
    """The mediator takes a request from the board: the booking is confirmed to them exactly
    once. 409 (``BookingConflict``, code ``taken``) when it is no longer on the board -
    taken meanwhile, offered to someone, started, or the pool's board switched off - and
    409 ``not_eligible`` when the mediator may not serve it; either way nothing changes."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = lock_booking_or_none(booking)
        mediator = lock_mediator(mediator)
        if locked is None or not on_board(locked, now=now):
            raise BookingConflict(
                _("This request has been taken already or is no longer open."), code="taken"
            )
        offer, _created = Offer.objects.update_or_create(
            booking=locked,
            mediator=mediator,
            defaults={
                "status": OfferStatus.PENDING,
                "rank": 0,
                "score": 0,
                "round": 0,
                "expires_at": now + datetime.timedelta(minutes=1),
                "responded_at": None,
            },
        )
        confirmed = _confirm(
            locked, mediator, actor=mediator.user, actor_role=ActorRole.MEDIATOR, offer=offer,
            now=now, defer=True,
        )  # fmt: skip
        access_log_change(booking=confirmed, actor=mediator.user)
    return confirmed
