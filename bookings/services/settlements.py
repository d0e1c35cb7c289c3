"""Settlements: the work an answer to an offer leaves for after its commit.

A mediator who accepts or declines waits for the answer, and holds the booking's lock while
the service runs: every other answer to that booking waits too. So the answer does only what
must hold when it commits - the offer answered, the booking confirmed exactly once (its event
and messages through the outbox), the booking's other pending offers withdrawn - and writes a
``Settlement`` row in the same transaction for the rest (``services.offers``):

- ``confirmed``: tell the mediators whose offers the confirmation withdrew, withdraw the
  confirmed mediator's pending offers that now clash (and offer those bookings on), choose
  the standby (``offers.confirmation_settle``);
- ``match``: after a decline, offer the booking to the next candidates
  (``offers.match_settle``).

The row's task is queued on commit (``config.queue.enqueue_on_commit``), so a rolled-back
answer leaves neither. ``settlement_run`` locks the booking (the one lock order,
``bookings.locking``), then the row; a row already done is left alone, and the work and the
``done_at`` mark commit together: running a settlement twice - a redelivered task, the sweep
and the task at once - changes nothing the second time. A row whose task was lost (the
broker restarted empty, the worker killed) is run by the matching sweep (every minute) once
it is ``GRACE`` old, so no re-offer and no standby is lost.

Meanwhile the rules hold without it: an accept of a clashing offer is refused by the
eligibility check under the lock (and PostgreSQL's exclusion constraint); a booking without
pending offers is matched by the sweep anyway.
"""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone

from ..constants import SettlementKind
from ..locking import lock_booking_or_none, lock_rows
from ..models import Settlement
from .offers import confirmation_settle, match_settle

# A settlement not done this long after its answer was lost: the sweep runs it.
GRACE = datetime.timedelta(seconds=30)
BATCH = 200


def settlement_run(
    *, settlement_id: int, now: datetime.datetime | None = None, skip_locked: bool = False
) -> bool:
    """Do the settlement's work and mark it done, in one transaction under the booking's
    lock; False when it is done already or gone (or, with ``skip_locked``, its booking is
    busy: the sweep comes back). Idempotent.

    Without ``now`` (the task, a moment after the answer) it runs as of the answer's moment,
    the row's ``created_at``: what the answer would have done in its own transaction. The
    sweep passes its own time."""
    due = (
        Settlement.objects.filter(pk=settlement_id, done_at__isnull=True)
        .values_list("booking_id", "created_at")
        .first()
    )
    if due is None:
        return False
    booking_id, answered_at = due
    now = now or answered_at
    with transaction.atomic():
        booking = lock_booking_or_none(booking_id, skip_locked=skip_locked)
        if booking is None:
            return False
        row = lock_rows(Settlement.objects.filter(pk=settlement_id, done_at__isnull=True)).first()
        if row is None:
            return False
        if row.kind == SettlementKind.CONFIRMED:
            confirmation_settle(booking, row.data, now=now)
        elif row.kind == SettlementKind.MATCH:
            match_settle(booking, now=now)
        Settlement.objects.filter(pk=row.pk).update(done_at=now)
    return True


def settlements_run_due(
    *, now: datetime.datetime | None = None, grace_seconds: float | None = None, batch: int = BATCH
) -> int:
    """The sweep's part: run the settlements left undone ``GRACE`` (or ``grace_seconds``)
    after their answer, oldest first, each booking locked with SKIP LOCKED (a busy one is
    left for the next sweep). Returns how many ran."""
    now = now or timezone.now()
    grace = GRACE if grace_seconds is None else datetime.timedelta(seconds=grace_seconds)
    due = (
        Settlement.objects.filter(done_at__isnull=True, created_at__lte=now - grace)
        .order_by("created_at", "pk")
        .values_list("pk", flat=True)[:batch]
    )
    return sum(settlement_run(settlement_id=pk, now=now, skip_locked=True) for pk in list(due))
