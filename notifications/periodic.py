"""Periodic work run by Celery beat; each function is idempotent when it runs twice.

- ``outbox_sweep``: takes back rows whose task was lost (a worker killed while sending, a
  broker that lost its queue) and enqueues them again.
- ``reminders_write``: the reminder a day before (``Pool.reminder_hours_before``), to both
  sides; one per booking, sequence and side.
- ``report_requests_write``: after the appointment, the mediator is asked for the report.
- ``messages_prune``: finished messages are deleted after ``KEEP_DAYS``.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from config.queue import enqueue_on_commit

from .conf import setting
from .constants import (
    DELIVER_TASK,
    DELIVERY_BATCH,
    SIDE_INSTITUTION,
    SIDE_MEDIATOR,
    MessageKind,
    MessageStatus,
)
from .models import Message
from .recipients import institution_recipient, mediator_recipient
from .rendering import BOOKING_RELATIONS
from .services import message_build, messages_write, report_request_messages


@dataclass(frozen=True)
class SweepResult:
    taken_back: int
    failed: int
    requeued: int


def outbox_sweep(*, now: datetime.datetime | None = None) -> SweepResult:
    """Rows stuck in ``sending`` past their lease go back to ``pending`` (or ``failed``
    after the last attempt); rows ``pending`` long past their due time are enqueued again.
    Rows locked by a concurrent sweep are skipped (``skip_locked``)."""
    now = now or timezone.now()
    batch = setting("SWEEP_BATCH")
    grace = datetime.timedelta(seconds=setting("PENDING_GRACE_SECONDS"))
    max_attempts = setting("MAX_ATTEMPTS")
    with transaction.atomic():
        stuck = list(
            Message.objects.select_for_update(skip_locked=True)
            .filter(status=MessageStatus.SENDING, lease_until__lt=now)
            .order_by("lease_until")
            .values_list("pk", "attempts")[:batch]
        )
        exhausted = [pk for pk, attempts in stuck if attempts >= max_attempts]
        retry = [pk for pk, attempts in stuck if attempts < max_attempts]
        Message.objects.filter(pk__in=exhausted, status=MessageStatus.SENDING).update(
            status=MessageStatus.FAILED,
            last_error="delivery lost: the worker stopped while sending",
            lease_until=None,
            updated_at=now,
        )
        Message.objects.filter(pk__in=retry, status=MessageStatus.SENDING).update(
            status=MessageStatus.PENDING,
            next_attempt_at=now,
            lease_until=None,
            last_error="taken back after the lease ran out",
            updated_at=now,
        )
        overdue = list(
            Message.objects.select_for_update(skip_locked=True)
            .filter(status=MessageStatus.PENDING, next_attempt_at__lt=now - grace)
            .order_by("next_attempt_at")
            .values_list("pk", flat=True)[:batch]
        )
        # Due now, and not overdue again before another grace period has passed.
        Message.objects.filter(pk__in=overdue, status=MessageStatus.PENDING).update(
            next_attempt_at=now, updated_at=now
        )
        due = [*retry, *overdue]
        for start in range(0, len(due), DELIVERY_BATCH):
            enqueue_on_commit(DELIVER_TASK, due[start : start + DELIVERY_BATCH])
    return SweepResult(taken_back=len(retry), failed=len(exhausted), requeued=len(overdue))


def messages_prune(*, now: datetime.datetime | None = None) -> int:
    """Delete finished messages and used offer links older than ``KEEP_DAYS`` (data
    minimisation: an outbox row holds an address and a name)."""
    from .models import OfferLinkUse

    now = now or timezone.now()
    before = now - datetime.timedelta(days=setting("KEEP_DAYS"))
    finished = [MessageStatus.SENT, MessageStatus.SKIPPED, MessageStatus.FAILED]
    deleted, _by_model = Message.objects.filter(status__in=finished, updated_at__lt=before).delete()
    OfferLinkUse.objects.filter(used_at__lt=before).delete()
    return deleted


def reminders_write(*, now: datetime.datetime | None = None) -> int:
    """Write the reminders due now: confirmed bookings that start within their pool's
    ``reminder_hours_before`` and were not confirmed inside that window already."""
    from bookings.constants import Status
    from bookings.models import Booking
    from institutions.models import Pool

    now = now or timezone.now()
    longest = Pool.objects.aggregate(h=Max("reminder_hours_before"))["h"] or 0
    if not longest:
        return 0
    bookings = Booking.objects.filter(
        status=Status.CONFIRMED,
        starts_at__gt=now,
        starts_at__lte=now + datetime.timedelta(hours=longest),
    ).select_related(*BOOKING_RELATIONS, "requested_by__staff")
    rows: list[Message] = []
    for booking in bookings:
        window = datetime.timedelta(hours=booking.pool.reminder_hours_before)
        if not window or booking.starts_at - now > window:
            continue
        if booking.confirmed_at and booking.confirmed_at >= booking.starts_at - window:
            continue  # the confirmation itself came inside the window
        key = f"{MessageKind.REMINDER}:b{booking.pk}:s{booking.sequence}"
        institution = institution_recipient(booking)
        if institution is not None:
            rows.append(
                message_build(
                    kind=MessageKind.REMINDER,
                    key=f"{key}:{SIDE_INSTITUTION}",
                    recipient=institution,
                    booking=booking,
                    context={"side": SIDE_INSTITUTION},
                )
            )
        mediator = mediator_recipient(booking.mediator) if booking.mediator else None
        if mediator is not None:
            rows.append(
                message_build(
                    kind=MessageKind.REMINDER,
                    key=f"{key}:{SIDE_MEDIATOR}{booking.mediator_id}",
                    recipient=mediator,
                    booking=booking,
                    context={"side": SIDE_MEDIATOR, "mediator_id": booking.mediator_id},
                )
            )
    with transaction.atomic():
        return len(messages_write(rows))


def report_requests_write(*, now: datetime.datetime | None = None) -> int:
    """Ask for the report of every appointment that ended in the last week without one."""
    from bookings.constants import Status
    from bookings.models import Booking

    now = now or timezone.now()
    bookings = Booking.objects.filter(
        status__in=[Status.CONFIRMED, Status.COMPLETED],
        mediator__isnull=False,
        report__isnull=True,
        ends_at__lte=now,
        ends_at__gt=now - datetime.timedelta(days=7),
    ).select_related(*BOOKING_RELATIONS)
    rows = [row for booking in bookings for row in report_request_messages(booking=booking)]
    with transaction.atomic():
        return len(messages_write(rows))
