"""The one way to enqueue a Celery task from code that may run inside a transaction.

A task is given as the task itself or by its registered name (``"bookings.tasks.x"``, the
name Celery gives a task: its module and function).

A broker that cannot be reached does not fail the request whose change has already committed
(a 503 after a commit would invite the client to repeat a change that was made): the task is
not sent, the log says which, and the periodic sweeps send what was lost - the outbox sweep
every delivery, the matching sweep the bookings left without offers, the planner's sweep the
plans (see docs/operations.md). By name, the code that enqueues it needs
no import of the tasks module - which imports that very code (a task loads fresh state and
calls a service): the import would close a circle. The name is looked up when the task is
sent, after the commit; its module is imported then if nobody has yet, so that eager mode
(tests, no broker) runs the task in-process as before and a worker knows it anyway.
"""

from __future__ import annotations

import logging
import threading
from importlib import import_module
from typing import Any

from celery import Task, current_app
from django.db import transaction
from kombu.exceptions import OperationalError as BrokerUnreachable

log = logging.getLogger(__name__)


def task_named(task: Task | str) -> Task:
    """The task itself, or the registered task of that name."""
    if not isinstance(task, str):
        return task
    if task not in current_app.tasks:
        import_module(task.rpartition(".")[0])
    return current_app.tasks[task]


def send(task: Task | str, *args: Any, **kwargs: Any) -> bool:
    """``apply_async`` of the task; False (and logged) when the broker cannot be reached."""
    try:
        if kwargs:
            task_named(task).apply_async(args=args, kwargs=kwargs)
        else:
            task_named(task).apply_async(args=args)
    except BrokerUnreachable as exc:
        log.error("task %s not queued: the broker is unreachable (%s)", _name(task), exc)
        return False
    return True


def _name(task: Task | str) -> str:
    return task if isinstance(task, str) else str(task.name)


def enqueue_on_commit(task: Task | str, *args: Any, **kwargs: Any) -> None:
    """Send ``task`` after the surrounding transaction commits (at once outside of one).

    A rolled-back change therefore never enqueues its task.
    """
    transaction.on_commit(lambda: send(task, *args, **kwargs))


class _Batch:
    """Ids collected from every call in one transaction; sent once, by the first of the
    calls' commit callbacks to run (the others find it sent)."""

    def __init__(self, task: Task | str, size: int) -> None:
        self.task, self.size, self.sent = task, size, False
        self.ids: list[int] = []

    def send(self) -> None:
        if self.sent:
            return
        self.sent = True
        for start in range(0, len(self.ids), self.size):
            send(self.task, self.ids[start : start + self.size])


_current = threading.local()


def enqueue_ids_on_commit(task: Task | str, ids: list[int], *, batch_size: int) -> None:
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
        send(task, list(ids))
        return
    # The list of commit callbacks is new for every transaction: it tells them apart.
    key = (_name(task), id(getattr(connection, "run_on_commit", None)))
    batch = getattr(_current, "batch", None)
    if batch is None or batch.sent or getattr(_current, "key", None) != key:
        batch = _Batch(task, batch_size)
        _current.batch, _current.key = batch, key
    batch.ids.extend(ids)
    transaction.on_commit(batch.send)
