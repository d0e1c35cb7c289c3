"""Celery signals: the request id into the queued task and back out in the worker's logs;
beat's heartbeat stamped in the process that publishes it."""

from __future__ import annotations

import logging

from celery import signals

from .requestid import request_id_var

HEARTBEAT_TASK = "ops.tasks.heartbeat"
log = logging.getLogger(__name__)


@signals.before_task_publish.connect
def carry_request_id(sender=None, headers=None, **kwargs) -> None:
    """Runs in the process that queues a task (web, worker, beat)."""
    if headers is not None:
        rid = request_id_var.get()
        if rid and "request_id" not in headers:
            headers["request_id"] = rid
    if sender == HEARTBEAT_TASK:
        # Only beat's schedule publishes the heartbeat task: this is beat saying it is alive.
        from core.heartbeat import BEAT

        _stamp(BEAT)  # a database outage must not stop beat's schedule


@signals.task_prerun.connect
def restore_request_id(task=None, **kwargs) -> None:
    rid = getattr(task.request, "request_id", None) if task is not None else None
    if getattr(task.request, "is_eager", False):
        return  # eager: the caller's context already holds the id
    task.request._ops_token = request_id_var.set(rid or None)


@signals.task_postrun.connect
def forget_request_id(task=None, **kwargs) -> None:
    token = getattr(getattr(task, "request", None), "_ops_token", None)
    if token is not None:
        try:
            request_id_var.reset(token)
        except ValueError:  # set in another context: nothing to undo here
            request_id_var.set(None)


def _stamp(name: str) -> None:
    from core.heartbeat import beat

    try:
        beat(name)
    except Exception:  # the database may not be up yet: the next heartbeat will tell
        log.exception("could not stamp the %s heartbeat", name)


@signals.beat_init.connect
def beat_started(sender=None, **kwargs) -> None:
    """Beat sends its first heartbeat task only a minute after it starts: stamp it now."""
    from core.heartbeat import BEAT

    _stamp(BEAT)


@signals.worker_ready.connect
def worker_started(sender=None, **kwargs) -> None:
    from core.heartbeat import WORKER

    _stamp(WORKER)
