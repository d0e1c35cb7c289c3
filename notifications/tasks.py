"""Celery tasks: thin wrappers that take ids, load fresh state and call one function.

``deliver_messages`` runs with ``acks_late`` and ``reject_on_worker_lost``: a worker that
dies mid-task leaves the task message to be delivered again, and the guarded status update
makes that repeat harmless. What a lost task leaves behind, the beat sweep picks up.
"""

from __future__ import annotations

from collections import Counter

from celery import shared_task

from .constants import DELIVER_TASK
from .delivery import messages_deliver
from .periodic import messages_prune, outbox_sweep


@shared_task(name=DELIVER_TASK, acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def deliver_messages(message_ids: list[int]) -> dict[str, int]:
    """Deliver the outbox rows of one change (or of one sweep) over one SMTP connection.
    Returns how many rows ended in each status (what the worker log shows)."""
    outcomes = messages_deliver(message_ids=message_ids)
    for message_id, outcome in outcomes.items():
        if outcome.retry_in is not None:
            # The row is pending with next_attempt_at set; should this task be lost, the
            # sweep enqueues the row again once it is overdue.
            deliver_messages.apply_async(([message_id],), countdown=outcome.retry_in)
    return dict(Counter(outcome.status for outcome in outcomes.values()))


@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def sweep_outbox() -> dict[str, int]:
    result = outbox_sweep()
    return {"taken_back": result.taken_back, "failed": result.failed, "requeued": result.requeued}


@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def prune_messages() -> int:
    return messages_prune()
