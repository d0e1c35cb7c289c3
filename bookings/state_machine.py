"""The one state machine of a booking.

``TRANSITIONS`` is the table of allowed status changes; ``transition`` is the only function
that assigns ``Booking.status``. It locks the row (``locking.lock_booking``), checks the table,
writes, records a ``BookingEvent`` and hands the event to the notifications, all in one
transaction.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .constants import Status
from .exceptions import BookingConflict, InvalidTransition
from .locking import conflict_on_integrity_error, lock_booking
from .messages.hooks import booking_event_notify
from .models import Booking, BookingEvent

S = Status

TRANSITIONS: dict[str, frozenset[str]] = {
    S.AWAITING_APPROVAL: frozenset({S.REQUESTED, S.CANCELLED}),
    S.REQUESTED: frozenset({S.OFFERED, S.CONFIRMED, S.CANCELLED, S.UNFILLED}),
    # Back to requested when every offer of a round expired or was declined.
    S.OFFERED: frozenset({S.REQUESTED, S.CONFIRMED, S.CANCELLED, S.UNFILLED}),
    # Back to requested when the mediator cancels: matching re-opens at once.
    S.CONFIRMED: frozenset({S.REQUESTED, S.OFFERED, S.COMPLETED, S.CANCELLED, S.NO_SHOW}),
    S.COMPLETED: frozenset({S.CLOSED}),
    S.UNFILLED: frozenset({S.REQUESTED, S.OFFERED, S.CONFIRMED, S.CANCELLED}),
    S.CLOSED: frozenset(),
    S.CANCELLED: frozenset(),
    S.NO_SHOW: frozenset(),
}

# Initial statuses a new booking may be created in.
INITIAL_STATUSES = frozenset({S.AWAITING_APPROVAL, S.REQUESTED})


def can_transition(from_status: str, to_status: str) -> bool:
    return to_status in TRANSITIONS.get(from_status, frozenset())


def record_event(
    *,
    booking: Booking,
    to_status: str,
    from_status: str = "",
    actor: Any = None,
    actor_role: str,
    reason: str = "",
    data: dict[str, Any] | None = None,
) -> BookingEvent:
    """Write the event row and hand it to its messages (same transaction)."""
    event = BookingEvent.objects.create(
        booking=booking,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        actor_role=actor_role,
        from_status=from_status,
        to_status=to_status,
        reason=reason,
        data=data or {},
    )
    booking_event_notify(booking=booking, event=event)
    return event


def _refuse_overlap(booking: Booking) -> None:
    """The service-layer check of the overlap rule (every database; PostgreSQL also has the
    exclusion constraint)."""
    from .services.overlap import mediator_holds_overlap

    if booking.mediator_id and mediator_holds_overlap(
        mediator=booking.mediator_id,
        starts_at=booking.starts_at,
        ends_at=booking.ends_at,
        exclude_booking_id=booking.pk,
    ):
        raise BookingConflict(
            _("The mediator already holds a booking at this time."), code="overlap"
        )


def transition(
    booking: Booking | int,
    *,
    to: str,
    actor: Any = None,
    actor_role: str,
    reason: str = "",
    allowed_from: frozenset[str] | set[str] | None = None,
    changes: dict[str, Any] | None = None,
    data: dict[str, Any] | None = None,
    held: bool = False,
) -> Booking:
    """Move a booking to ``to``; raise ``InvalidTransition`` (409) if the table forbids it.

    ``allowed_from`` narrows the table further for one operation (e.g. approve only from
    awaiting_approval). ``changes`` are field values written together with the status.
    ``held``: ``booking`` is the row the caller's transaction locked (``locking``) and has
    not written since, so it is not read again (one query fewer in an accept); otherwise the
    row is locked and read fresh here. Returns the fresh, locked booking.
    """
    held_row: Booking | None = None
    if held:
        if not isinstance(booking, Booking) or not transaction.get_connection().in_atomic_block:
            raise ValueError("held=True needs the booking row locked in the current transaction")
        held_row = booking
    with transaction.atomic():
        locked = held_row if held_row is not None else lock_booking(booking)
        current = locked.status
        if not can_transition(current, to) or (
            allowed_from is not None and current not in allowed_from
        ):
            raise InvalidTransition(
                f"A booking in status '{current}' cannot become '{to}'.",
            )
        locked.status = to
        for field_name, value in (changes or {}).items():
            setattr(locked, field_name, value)
        if to == S.CONFIRMED:
            locked.confirmed_at = timezone.now()
            _refuse_overlap(locked)
        with conflict_on_integrity_error("The mediator already holds an overlapping booking."):
            locked.save()
        record_event(
            booking=locked,
            from_status=current,
            to_status=to,
            actor=actor,
            actor_role=actor_role,
            reason=reason,
            data=data,
        )
    if not isinstance(booking, int) and booking is not locked:
        _keep_in_step(booking, locked)
    return locked


def _keep_in_step(booking: Booking, locked: Booking) -> None:
    """Keep the caller's instance in step with the row just written (what
    ``refresh_from_db`` would read, without reading it): every column copied, and the
    related objects cached for a changed reference dropped."""
    for field in Booking._meta.concrete_fields:
        old, new = getattr(booking, field.attname), getattr(locked, field.attname)
        setattr(booking, field.attname, new)
        if field.is_relation and old != new and field.is_cached(booking):
            field.delete_cached_value(booking)
