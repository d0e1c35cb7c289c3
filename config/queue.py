"""The one way to enqueue a Celery task from code that may run inside a transaction."""

from __future__ import annotations

import threading
from typing import Any

from celery import Task
from django.db import transaction


def enqueue_on_commit(task: Task, *args: Any, **kwargs: Any) -> None:
    """Send ``task`` after the surrounding transaction commits (at once outside of one).

    A rolled-back change therefore never enqueues its task.
    """
    transaction.on_commit(lambda: task.apply_async(args=args, kwargs=kwargs))


class _Batch:
    """Ids collected from every call in one transaction; sent once, by the first of the
    calls' commit callbacks to run (the others find it sent)."""

    def __init__(self, task: Task, size: int) -> None:
        self.task, self.size, self.sent = task, size, False
        self.ids: list[int] = []

    def send(self) -> None:
        if self.sent:
            return
        self.sent = True
        for start in range(0, len(self.ids), self.size):
            self.task.apply_async(args=(self.ids[start : start + self.size],))


_current = threading.local()


def enqueue_ids_on_commit(task: Task, ids: list[int], *, batch_size: int) -> None:
    """Send ``task(ids)`` after the commit, the ids of all calls in one transaction joined
    into batches of ``batch_size`` (a bulk change makes few tasks, not one per call).

    Every call registers its own commit callback through ``transaction.on_commit``, so a
    call inside a savepoint that rolls back loses only its callback; ids from such a call
    may still ride along in the batch, and the task must (and does) ignore rows that do not
    exist or are done.
    """
    if not ids:
        return
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        task.apply_async(args=(list(ids),))
        return
    # The list of commit callbacks is new for every transaction: it tells them apart.
    key = (task.name, id(getattr(connection, "run_on_commit", None)))
    batch = getattr(_current, "batch", None)
    if batch is None or batch.sent or getattr(_current, "key", None) != key:
        batch = _Batch(task, batch_size)
        _current.batch, _current.key = batch, key
    batch.ids.extend(ids)
    transaction.on_commit(batch.send)
