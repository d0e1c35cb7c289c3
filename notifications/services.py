"""Messages caused by changes: the hooks every other app calls inside its transaction.

The notifications issue implements them with the transactional outbox. Until then they
record nothing; their signatures are the contract between the apps.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bookings.models import Alert, Booking, BookingEvent, Offer, Standby


def booking_event_notify(*, booking: Booking, event: BookingEvent) -> None:
    """Called inside the transaction of every booking event (each status transition and
    each change after confirmation, e.g. time or place): writes the messages it causes
    (confirmed, changed, cancelled, re-opened, report request, ...)."""
    return None


def offer_made_notify(*, offer: Offer) -> None:
    """An offer was made to a mediator: an e-mail with accept/decline links."""
    return None


def offer_withdrawn_notify(*, offer: Offer) -> None:
    """A pending offer was withdrawn (booking taken by someone else, cancelled, changed)."""
    return None


def standby_notify(*, standby: Standby, released: bool = False) -> None:
    """A mediator is asked to hold the time free (or released from it)."""
    return None


def alert_notify(*, alert: Alert) -> None:
    """Coordinators of the alert's pool are told (e.g. a booking stayed unfilled)."""
    return None
