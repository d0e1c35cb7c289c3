"""The one way to enqueue a Celery task from code that may run inside a transaction."""

from __future__ import annotations

from typing import Any

from celery import Task
from django.db import transaction


def enqueue_on_commit(task: Task, *args: Any, **kwargs: Any) -> None:
    """Send ``task`` after the surrounding transaction commits (at once outside of one).

    A rolled-back change therefore never enqueues its task.
    """
    transaction.on_commit(lambda: task.apply_async(args=args, kwargs=kwargs))
