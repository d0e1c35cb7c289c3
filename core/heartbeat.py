"""Heartbeats of the background processes: Celery beat and the Celery workers.

Beat sends ``ops.tasks.heartbeat`` every ``HEARTBEAT_SECONDS``; when it publishes the task it
stamps ``beat`` (in the beat process, see ``ops.signals``), and the worker that runs it stamps
``worker``. A stamp older than ``STALE_AFTER`` means that process is gone (or the broker between
them): ``/healthz`` answers 503 and names it, and the coordinator's work list shows it.

The stamps live in the database, not in Redis: a Redis restarted without persistence would
otherwise make a healthy beat look dead, and the work list reads the database anyway.
"""

from __future__ import annotations

import datetime

from django.db import models
from django.utils import timezone

BEAT = "beat"
WORKER = "worker"
HEARTBEAT_SECONDS = 60
# Three missed beats (and a little): a dead beat shows within STALE_AFTER + HEARTBEAT_SECONDS,
# well inside the five minutes the operations issue asks for.
STALE_AFTER = datetime.timedelta(seconds=3 * HEARTBEAT_SECONDS + 30)


class Heartbeat(models.Model):
    name = models.CharField(max_length=20, primary_key=True)
    at = models.DateTimeField()

    class Meta:
        app_label = "core"

    def __str__(self) -> str:
        return f"{self.name} @ {self.at.isoformat()}"


def beat(name: str, *, now: datetime.datetime | None = None) -> None:
    """Stamp ``name`` as alive at ``now``."""
    Heartbeat.objects.update_or_create(name=name, defaults={"at": now or timezone.now()})


def last_beat(name: str) -> datetime.datetime | None:
    return Heartbeat.objects.filter(name=name).values_list("at", flat=True).first()


def is_stale(name: str, *, now: datetime.datetime | None = None) -> bool:
    """True when ``name`` never beat or last beat longer than ``STALE_AFTER`` ago."""
    return _stale(last_beat(name), now=now)


def stale_of(names: tuple[str, ...], *, now: datetime.datetime | None = None) -> list[str]:
    """Those of ``names`` that are stale (``is_stale``), in their order: one query."""
    beats = dict(Heartbeat.objects.filter(name__in=names).values_list("name", "at"))
    return [name for name in names if _stale(beats.get(name), now=now)]


def _stale(at: datetime.datetime | None, *, now: datetime.datetime | None) -> bool:
    return at is None or at < (now or timezone.now()) - STALE_AFTER
