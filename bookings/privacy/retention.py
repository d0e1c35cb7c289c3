"""Retention: bookings older than their pool's retention period lose their personal data.

``Pool.retention_days`` after its appointment started, a booking keeps what the statistics
and the compensation accounting need (language, dialect, dates, duration, mode, field,
topic, kind, place, institution, mediator, status, the report's figures, the allowances,
the feedback's rating, the events' transitions) and loses:

- the booking's case reference, notes, cancellation reason, the institution's contact
  person and phone, and who requested it;
- the feedback's comment and author; the report's dispute reason and reviewer, the
  mediator's note for the coordinators and who called them back;
- the reasons and the people behind its events;
- its resolved alerts;
- the access-log rows about it (and the pool's list rows older than the period);
- the finished copies of its messages in the outbox (sent, failed, skipped).

``Booking.anonymised_at`` marks a booking done: running the job again changes nothing, and
each run works in batches (one transaction each), so it never holds many rows locked.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from institutions.models import Pool
from notifications.constants import MessageStatus
from notifications.models import Message

from ..models import AccessLog, Alert, Booking, BookingEvent, Feedback, Report

BATCH_SIZE = 1000
FINISHED_MESSAGE_STATUSES = (MessageStatus.SENT, MessageStatus.FAILED, MessageStatus.SKIPPED)


@dataclass(frozen=True)
class RetentionResult:
    bookings: int = 0  # bookings anonymised
    rows: int = 0  # rows changed or deleted in all (bookings included)


def retention_cutoff(pool: Pool, *, now: datetime.datetime) -> datetime.datetime:
    """Bookings that started before this moment are past the pool's retention period."""
    return now - datetime.timedelta(days=pool.retention_days)


def _anonymise_batch(
    pool: Pool, *, cutoff: datetime.datetime, now: datetime.datetime, batch_size: int
) -> tuple[int, int]:
    """One batch in one transaction: lock up to ``batch_size`` due bookings (skipping rows
    another transaction holds), strip them and their rows; (bookings, rows)."""
    with transaction.atomic():
        ids = list(
            Booking.objects.filter(pool=pool, starts_at__lt=cutoff, anonymised_at__isnull=True)
            .order_by("starts_at", "pk")
            .select_for_update(skip_locked=True)
            .values_list("pk", flat=True)[:batch_size]
        )
        if not ids:
            return 0, 0
        rows = Booking.objects.filter(pk__in=ids).update(
            case_reference="",
            notes="",
            cancellation_reason="",
            contact_name="",
            contact_phone="",
            requested_by=None,
            anonymised_at=now,
            updated_at=now,
        )
        rows += Feedback.objects.filter(booking_id__in=ids).update(comment="", created_by=None)
        rows += Report.objects.filter(booking_id__in=ids).update(
            dispute_reason="", reviewed_by=None, debrief_note="", call_back_done_by=None
        )
        rows += (
            BookingEvent.objects.filter(booking_id__in=ids)
            .filter(~Q(reason="") | Q(actor__isnull=False))
            .update(reason="", actor=None)
        )
        rows += Alert.objects.filter(booking_id__in=ids, resolved_at__isnull=False).delete()[0]
        rows += AccessLog.objects.filter(booking_id__in=ids).delete()[0]
        rows += Message.objects.filter(
            booking_id__in=ids, status__in=FINISHED_MESSAGE_STATUSES
        ).delete()[0]
        return len(ids), rows


def pool_bookings_anonymise(
    *,
    pool: Pool,
    now: datetime.datetime | None = None,
    batch_size: int = BATCH_SIZE,
    max_batches: int | None = None,
) -> RetentionResult:
    """Anonymise the pool's bookings past its retention period, batch after batch (at most
    ``max_batches``); also drop the pool's bulk-read log rows older than the period."""
    now = now or timezone.now()
    cutoff = retention_cutoff(pool, now=now)
    bookings = rows = batches = 0
    while max_batches is None or batches < max_batches:
        done, changed = _anonymise_batch(pool, cutoff=cutoff, now=now, batch_size=batch_size)
        bookings += done
        rows += changed
        batches += 1
        if done < batch_size:
            break
    rows += AccessLog.objects.filter(pool=pool, booking__isnull=True, at__lt=cutoff).delete()[0]
    return RetentionResult(bookings=bookings, rows=rows)


def bookings_anonymise_expired(
    *, now: datetime.datetime | None = None, batch_size: int = BATCH_SIZE
) -> RetentionResult:
    """Every pool's bookings past its retention period (the nightly job)."""
    now = now or timezone.now()
    bookings = rows = 0
    for pool in Pool.objects.order_by("pk"):
        result = pool_bookings_anonymise(pool=pool, now=now, batch_size=batch_size)
        bookings += result.bookings
        rows += result.rows
    return RetentionResult(bookings=bookings, rows=rows)
