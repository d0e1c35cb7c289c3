"""The one lock order of the bookings app, written down once.

Every service that changes a booking takes its row locks through these helpers, always in
this order, so that two transactions never wait for each other in a circle (a deadlock):

1. the booking (``lock_booking``);
2. the mediator: the one who accepts or is assigned, or the booking's own as its locked row
   names it (``lock_booking_and_mediator``; ``lock_mediator`` alone where a service pays a
   mediator: the year's tax-free total is summed under that lock);
3. rows that belong to the locked booking: its offers, its report, its allowances
   (``lock_rows``, several in primary-key order). They are only ever locked under the
   booking's lock;
4. the institution's budget of the year (``budget_exceeded_by(lock=True)``), last.

No transaction waits for two bookings or two mediators: the planner and the sweep take one
booking per transaction. A level may be skipped, never taken out of turn: nothing waits for
a booking after a mediator. The one exception never waits: ``lock_booking_unless_busy``
(SKIP LOCKED) takes another booking when it is free and answers None when it is not, so it
cannot close a circle of waits; ``services.offers.offers_withdraw_ineligible`` uses it to
withdraw a just confirmed mediator's clashing offers in the confirmation's transaction (an
accept's: its settlement's, right after it), and leaves the busy bookings to a task after
the commit.

What a service decides - the status it starts from, whether a cancellation is late, the next
calendar ``sequence``, who holds the booking - it reads from the row these helpers return,
never from the caller's copy, which may be older than the last change (a page loaded before
the mediator gave the booking back). The related rows read with the booking (its mediator,
place, language) are the ones its locked row names: a read that waited for another
transaction's change is read once more (``_joined_as_named``).

A write that PostgreSQL's exclusion constraint refuses (the mediator holds an overlapping
booking, confirmed meanwhile by another transaction) answers 409 through
``conflict_on_integrity_error``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TypeVar, cast

from django.db import IntegrityError, models, transaction

from mediators.models import Mediator

from .exceptions import BookingConflict
from .models import Booking

RowT = TypeVar("RowT", bound=models.Model)


def _pk(row: models.Model | int) -> int:
    return row if isinstance(row, int) else row.pk


def _bookings(*, skip_locked: bool = False) -> models.QuerySet[Booking]:
    # ``of=("self",)``: the booking's row only, not the pool or institution read with it
    # (PostgreSQL also refuses to lock the nullable side of the location's outer join).
    # The language and dialect, the towns and the mediator (with the user) are read with it
    # too: every message of the booking names them (``messages.content.BOOKING_RELATIONS``;
    # two queries fewer in each accept, two in each settlement, cancellation or change of a
    # confirmed booking), and the e-mails of its offers are rendered from this row.
    return Booking.objects.select_for_update(skip_locked=skip_locked, of=("self",)).select_related(
        "pool", "language", "dialect", "location__town", "institution__town", "mediator__user"
    )


# The relations ``_bookings`` reads with the row, each named by its key column on the booking.
_JOINED = tuple(
    cast(models.ForeignKey, Booking._meta.get_field(name))
    for name in ("pool", "language", "dialect", "location", "institution", "mediator")
)


def _joined_as_named(row: Booking) -> bool:
    """Whether every related row read with the booking is the one its key columns name.

    Not so when the locking read had to wait: PostgreSQL (READ COMMITTED) then hands back the
    booking's row as the other transaction committed it, joined with the related rows it had
    found before the wait. A mediator who accepted meanwhile comes back missing (the
    cancellation that waited for the accept would not tell them), a place changed meanwhile
    as the old place, and a booking whose language changed not at all."""
    for field in _JOINED:
        related = field.get_cached_value(row, default=None)
        if getattr(row, field.attname) != (related.pk if related is not None else None):
            return False
    return True


def _lock(booking: Booking | int, *, skip_locked: bool = False) -> Booking | None:
    rows = _bookings(skip_locked=skip_locked).filter(pk=_pk(booking))
    row = rows.first()
    if row is not None and _joined_as_named(row):
        return row
    if row is None and skip_locked:
        return None  # busy (or gone): the caller comes back
    # Read once more, in a statement of its own: it sees what the transaction we waited for
    # committed, related rows included, and the lock is ours, so nothing changes in between.
    return rows.first()


def lock_booking(booking: Booking | int) -> Booking:
    """The booking's row, locked until the transaction ends and read fresh from the database
    (with its pool, institution and location). Raises ``Booking.DoesNotExist``."""
    row = _lock(booking)
    if row is None:
        raise Booking.DoesNotExist(f"No booking {_pk(booking)}.")
    return row


def lock_booking_or_none(booking: Booking | int, *, skip_locked: bool = False) -> Booking | None:
    """As ``lock_booking``, or None when the row is gone; with ``skip_locked`` also None when
    another transaction holds it (the sweep moves on and comes back)."""
    return _lock(booking, skip_locked=skip_locked)


def lock_booking_unless_busy(booking: Booking | int) -> Booking | None:
    """Another booking, locked only if no other transaction holds it (SKIP LOCKED): None when
    it is busy or gone. Never waits, so it may be taken after any lock (see the module)."""
    return lock_booking_or_none(booking, skip_locked=True)


def lock_mediator(mediator: Mediator | int) -> Mediator:
    """The mediator's row, locked and fresh (with the user). Lock the booking first."""
    return (
        Mediator.objects.select_for_update(of=("self",))
        .select_related("user")
        .get(pk=_pk(mediator))
    )


def lock_booking_and_mediator(
    booking: Booking | int, mediator: Mediator | int | None = None
) -> tuple[Booking, Mediator | None]:
    """The booking, then a mediator: the given one (who accepts, who is assigned) or else the
    one the locked booking names (None when nobody holds it). Both rows fresh."""
    locked = lock_booking(booking)
    mediator_id = _pk(mediator) if mediator is not None else locked.mediator_id
    return locked, lock_mediator(mediator_id) if mediator_id is not None else None


def lock_rows(queryset: models.QuerySet[RowT]) -> models.QuerySet[RowT]:
    """Rows that belong to a locked booking (offers, report, allowances), each locked in
    primary-key order; rows read with them (``select_related``) stay unlocked."""
    return queryset.select_for_update(of=("self",)).order_by("pk")


@contextmanager
def conflict_on_integrity_error(message: str, *, code: str = "overlap") -> Iterator[None]:
    """Run the write in a savepoint; should the database refuse it (PostgreSQL's exclusion
    constraint: the mediator already holds an overlapping booking), answer
    ``BookingConflict`` (409) and leave the surrounding transaction usable."""
    try:
        with transaction.atomic():
            yield
    except IntegrityError as exc:
        raise BookingConflict(message, code=code) from exc
