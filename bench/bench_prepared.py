"""Prepared statements against statements planned on every request: the same signed-in reads,
in one process, with and without (docs/operations.md, "Prepared statements").

``make bench BENCH=prepared``. The data is the ``medium`` instance of ``bench.generator``
(500 mediators, 10,000 held bookings, 2,000 open requests; the pool ``bench-prepared``, see
``bench.database``: deleted again at the end), VACUUM ANALYZEd after the load as autovacuum
would have done, and a few open offers made through the services (untimed). A coordinator
and the mediators with those offers read through Django's test client with API tokens, as
integrators and the app do: the offers list, the assignments, the languages, the calendar
feed; the coordinator's list of open requests, one request and its candidates. Every read
writes what it writes in production (the access log's row of a list), and the passes run
without the query log of the local settings' DEBUG, as production does.

The two ways alternate, ``BENCH_PREPARED_ROUNDS`` (default 4) rounds of each, so that a
machine whose speed drifts during the run weighs on both alike. Each pass opens a new
connection in that way, sends every read three times (untimed: prepared on the second run,
as the settings have it), then times ``BENCH_PREPARED_REQUESTS`` (default 300) reads: the
wall time, the CPU of this process (``time.process_time``) and the CPU of its PostgreSQL
backend (``/proc/<pid>/stat``; PostgreSQL on this machine, as ``make bench`` has it; the
figures are left out with a note when its process cannot be read). Per request, the median
over the passes of each way. ``BENCH_PREPARED_THRESHOLD`` prepares on another run than the
settings' second. Prints one line:

    {"bench": "prepared", "requests": 300, "rounds": 4, "prepare_threshold": 2,
     "unprepared_median_ms": ..., "prepared_median_ms": ..., "time_ratio": ...,
     "unprepared_process_cpu_ms": ..., "prepared_process_cpu_ms": ..., "process_cpu_ratio": ...,
     "unprepared_postgres_cpu_ms": ..., "prepared_postgres_cpu_ms": ..., "postgres_cpu_ratio": ...,
     "statements_prepared": ..., "vacuum_analyzed": true}

A ratio is prepared over unprepared: below 1 is cheaper. ``statements_prepared`` is how many
statements PostgreSQL held prepared for the connection at the end of a prepared pass.
"""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.database import expect

REQUESTS = int(os.environ.get("BENCH_PREPARED_REQUESTS", "300"))
# The run after which psycopg prepares a statement; the settings' (2) unless given.
THRESHOLD = os.environ.get("BENCH_PREPARED_THRESHOLD")
ROUNDS = int(os.environ.get("BENCH_PREPARED_ROUNDS", "4"))
SLUG = "bench-prepared"
OFFERS = 12


def use_prepared(connection: Any, prepared: bool, threshold: int | None = None) -> None:
    """The next connection binds server-side and prepares (``prepared``; on the
    ``threshold``-th run, the settings' by default) or not, as
    ``DATABASE_PREPARED_STATEMENTS`` would have it."""
    from config.settings.base import PG_PREPARE_THRESHOLD

    connection.close()
    options = connection.settings_dict["OPTIONS"]
    options.pop("server_side_binding", None)
    options.pop("prepare_threshold", None)
    if prepared:
        options.update(
            server_side_binding=True, prepare_threshold=threshold or PG_PREPARE_THRESHOLD
        )
    vars(connection.features).pop("uses_server_side_binding", None)  # a cached_property
    connection.ensure_connection()
    expect(connection.features.uses_server_side_binding == prepared, "binding as asked")


def backend_cpu_seconds(connection: Any) -> float | None:
    """The CPU time of this connection's PostgreSQL process; None if it cannot be read."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def prepared_count(connection: Any) -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_prepared_statements")
        return cursor.fetchone()[0]


def run():  # noqa: PLR0915 - one bench, read top to bottom
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import override_settings
    from knox.models import AuthToken
    from rest_framework.test import APIClient

    from bench.database import bench_pool, vacuum_analyze
    from bench.dbload import load, loaded_models
    from bench.generator import SIZES, instance
    from bookings.constants import Status
    from bookings.models import Booking, Offer
    from bookings.services.offers import booking_match
    from config.settings.base import PG_PREPARE_THRESHOLD, PG_PREPARED_STATEMENTS
    from institutions.models import Coordinator
    from notifications.feeds import calendar_feed_get, feed_token

    problem = instance("medium")
    with bench_pool(SLUG) as bench:
        load(problem, bench=bench, period_start=SIZES["medium"].start)
        vacuum_analyze(*loaded_models(), Offer)
        open_requests = list(
            Booking.objects.filter(pool=bench.pool, status=Status.REQUESTED)
            .order_by("starts_at", "pk")
            .values_list("pk", flat=True)[:200]
        )
        offers: list[Offer] = []
        for booking_id in open_requests:
            offers += booking_match(booking_id=booking_id)
            if len(offers) >= OFFERS:
                break
        expect(len(offers) >= OFFERS, f"{len(offers)} offers made")
        still_open = [pk for pk in open_requests if pk not in {o.booking_id for o in offers}]
        coordinator_user = get_user_model().objects.create_user(bench.username("coordinator"))
        Coordinator.objects.create(user=coordinator_user, pool=bench.pool)

        def api(user: Any) -> APIClient:
            return APIClient(HTTP_AUTHORIZATION=f"Token {AuthToken.objects.create(user)[1]}")

        coordinator = api(coordinator_user)
        mediators = {o.mediator_id: o.mediator for o in offers}.values()
        reads: list[Callable[[], Any]] = []
        for mediator in mediators:
            client = api(mediator.user)
            feed = f"/calendar/{feed_token(calendar_feed_get(mediator=mediator))}.ics"
            reads += [
                lambda c=client: c.get("/api/v1/offers/?status=pending"),
                lambda c=client: c.get("/api/v1/bookings/?status=confirmed"),
                lambda c=client: c.get("/api/v1/languages/"),
                lambda c=client, f=feed: c.get(f),
            ]
        for booking_id in still_open[:4]:
            reads += [
                lambda: coordinator.get("/api/v1/bookings/?status=requested"),
                lambda b=booking_id: coordinator.get(f"/api/v1/bookings/{b}/"),
                lambda b=booking_id: coordinator.get(f"/api/v1/bookings/{b}/candidates/"),
            ]

        def read(call: Callable[[], Any]) -> None:
            response = call()
            expect(response.status_code == 200, (response.status_code, response.content[:200]))

        passes: dict[bool, list[tuple[float, float, float | None]]] = {False: [], True: []}
        held = 0
        for _ in range(ROUNDS):
            for prepared in (False, True):
                # As in production: no query log (``make bench`` runs the local settings,
                # DEBUG on, whose log writes each statement out with its parameters).
                use_prepared(connection, prepared, int(THRESHOLD) if THRESHOLD else None)
                with override_settings(DEBUG=False):
                    for _warm in range(3):
                        for call in reads:
                            read(call)
                    pg_before = backend_cpu_seconds(connection)
                    cpu_before, wall_before = time.process_time(), time.perf_counter()
                    for i in range(REQUESTS):
                        read(reads[i % len(reads)])
                    wall = time.perf_counter() - wall_before
                    cpu = time.process_time() - cpu_before
                    pg_after = backend_cpu_seconds(connection)
                pg = None if pg_before is None or pg_after is None else pg_after - pg_before
                passes[prepared].append((wall, cpu, pg))
                if prepared:
                    held = prepared_count(connection)
                else:
                    expect(prepared_count(connection) == 0, "nothing prepared without")
        use_prepared(connection, PG_PREPARED_STATEMENTS)  # the settings' way, for what follows

    def per_request_ms(way: bool, index: int) -> float | None:
        values = [p[index] for p in passes[way]]
        if any(v is None for v in values):
            return None
        return round(statistics.median(values) / REQUESTS * 1000, 2)

    threshold = int(THRESHOLD) if THRESHOLD else PG_PREPARE_THRESHOLD
    line: dict[str, Any] = {
        "bench": "prepared",
        "requests": REQUESTS,
        "rounds": ROUNDS,
        "prepare_threshold": threshold,
    }
    for name, index in (("median_ms", 0), ("process_cpu_ms", 1), ("postgres_cpu_ms", 2)):
        without, with_ = per_request_ms(False, index), per_request_ms(True, index)
        ratio = name.replace("median_ms", "time").replace("_ms", "") + "_ratio"
        if without is None or with_ is None:
            line["note"] = "PostgreSQL's process is not on this machine: its CPU is not read"
            continue
        line[f"unprepared_{name}"] = without
        line[f"prepared_{name}"] = with_
        line[ratio] = round(with_ / without, 2)
    line["statements_prepared"] = held
    line["vacuum_analyzed"] = True
    yield line
