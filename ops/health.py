"""``/healthz`` (is everything working?) and ``/readyz`` (may the load balancer send traffic?).

``/healthz`` answers 200 only when the database answers, the broker accepts a connection, and
beat and a worker stamped their heartbeats within ``core.heartbeat.STALE_AFTER``; otherwise 503,
and ``failing`` names what is not fine. ``/readyz`` answers 200 once the database answers and
every migration is applied (a web process started before ``migrate`` finished gets no traffic).
Neither needs a login, and neither shows more than the names of the parts and their state.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.http import JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from core.heartbeat import BEAT, STALE_AFTER, WORKER, last_beat

from .outages import RETRY_AFTER_SECONDS

BROKER_TIMEOUT = 2.0


def check_database() -> dict[str, Any]:
    try:
        with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception as exc:
        return {"ok": False, "detail": f"database unreachable: {type(exc).__name__}"}
    return {"ok": True}


def _eager() -> bool:
    return bool(getattr(settings, "CELERY_TASK_ALWAYS_EAGER", False))


def check_broker() -> dict[str, Any]:
    if _eager():
        return {"ok": True, "detail": "no broker: tasks run in the web process"}
    from config.celery_app import app

    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(
                max_retries=1, interval_start=0, interval_step=0.1, timeout=BROKER_TIMEOUT
            )
    except Exception as exc:
        return {"ok": False, "detail": f"broker unreachable: {type(exc).__name__}"}
    return {"ok": True}


def check_heartbeat(name: str, now: datetime.datetime) -> dict[str, Any]:
    if _eager():
        return {"ok": True, "detail": "no background processes: tasks run in the web process"}
    try:
        at = last_beat(name)
    except Exception as exc:
        return {"ok": False, "detail": f"unknown: {type(exc).__name__}"}
    if at is None:
        return {"ok": False, "detail": f"no {name} heartbeat yet"}
    age = (now - at).total_seconds()
    result: dict[str, Any] = {"ok": at >= now - STALE_AFTER, "last": at.isoformat()}
    result["age_seconds"] = round(age)
    if not result["ok"]:
        result["detail"] = f"last {name} heartbeat {round(age)} s ago"
    return result


def health(now: datetime.datetime | None = None) -> dict[str, Any]:
    now = now or timezone.now()
    checks = {"database": check_database(), "broker": check_broker()}
    database_ok = checks["database"]["ok"]
    for name in (BEAT, WORKER):
        checks[name] = (
            check_heartbeat(name, now)
            if database_ok
            else {"ok": False, "detail": "unknown: the database is unreachable"}
        )
    failing = [name for name, check in checks.items() if not check["ok"]]
    return {"status": "fail" if failing else "ok", "failing": failing, "checks": checks}


_migrated = False


def migrations_applied() -> bool:
    """True once no migration is left to apply (remembered: migrations only ever get applied
    while a process runs, and the next deploy starts new processes)."""
    global _migrated
    if _migrated:
        return True
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connections[DEFAULT_DB_ALIAS])
    _migrated = not executor.migration_plan(executor.loader.graph.leaf_nodes())
    return _migrated


@never_cache
@require_GET
def healthz(request):
    report = health()
    return _answer(report, ok=report["status"] == "ok")


@never_cache
@require_GET
def readyz(request):
    database = check_database()
    if not database["ok"]:
        return _answer({"status": "fail", "failing": ["database"]}, ok=False)
    try:
        applied = migrations_applied()
    except Exception as exc:
        return _answer(
            {"status": "fail", "failing": ["migrations"], "detail": type(exc).__name__},
            ok=False,
        )
    if not applied:
        return _answer(
            {"status": "fail", "failing": ["migrations"], "detail": "migrations not applied"},
            ok=False,
        )
    return _answer({"status": "ok", "failing": []}, ok=True)


def _answer(report: dict[str, Any], *, ok: bool) -> JsonResponse:
    """200, or 503 with ``Retry-After`` like every other outage answer (ops/outages.py)."""
    response = JsonResponse(report, status=200 if ok else 503)
    if not ok:
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response
