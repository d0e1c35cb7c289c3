"""Messages caused by changes. The notifications issue fills this in with the outbox."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bookings.models import Booking, BookingEvent


def booking_event_notify(*, booking: Booking, event: BookingEvent) -> None:
    """Called inside the transaction of every booking event.

    Writes the outbox rows for the messages this event causes (offer made, confirmed,
    changed, cancelled, unfilled alert, ...). Until the outbox exists it records nothing.
    """
    return None
