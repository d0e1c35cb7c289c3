"""The outbox's periodic work, run by Celery beat; each function is idempotent when it runs
twice (the reminders and report requests are the bookings': ``bookings.messages.periodic``).

- ``outbox_sweep``: takes back rows whose task was lost (a worker killed while sending, a
  broker that lost its queue) and enqueues them again.
- ``messages_prune``: finished messages are deleted after ``KEEP_DAYS``.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from config.queue import enqueue_on_commit

from .conf import setting
from .constants import DELIVER_TASK, DELIVERY_BATCH, MessageStatus
from .models import Message


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
