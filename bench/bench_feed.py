"""Calendar feed of a mediator with 1,000 bookings, fetched through the URL (goal: < 200 ms).

Uses the database of ``DATABASE_URL`` (PostgreSQL, like every bench; migrated first); the
data lives in a pool of its own ("bench-feed", see ``bench.database``) that is deleted again
at the end. The bookings are written with bulk_create and their tables VACUUM ANALYZEd
before anything is timed.
``BENCH_FEED_EVENTS`` (default 1000) and ``BENCH_FEED_RUNS`` (default 30) change the size.

The first request serialises every event (``cold_ms``); later requests serialise only what
changed, so the median is what a subscribed calendar sees when it polls.
``not_modified_median_ms`` is a poll whose ETag still matches (304: one query and a hash,
the feed is not built). Prints ``{"bench": "feed", "events": 1000, "median_ms": ...,
"p95_ms": ..., "cold_ms": ..., "not_modified_median_ms": ..., "vacuum_analyzed": true}``.
"""

from __future__ import annotations

import os
import statistics
import time

from bench.database import expect

EVENTS = int(os.environ.get("BENCH_FEED_EVENTS", "1000"))
RUNS = int(os.environ.get("BENCH_FEED_RUNS", "30"))
SLUG = "bench-feed"


def run():
    from urllib.parse import urlparse

    from django.db import connection
    from django.test import Client

    from bench.bench_outbox import made_models, make_bookings
    from bench.database import bench_pool, vacuum_analyze
    from bookings.constants import Status
    from bookings.models import Booking
    from notifications.feeds import calendar_feed_get, feed_url

    with bench_pool(SLUG) as bench:
        pairs = make_bookings(EVENTS, bench=bench, mediators=1)
        mediator = pairs[0][1]
        Booking.objects.filter(pool=bench.pool).update(status=Status.CONFIRMED, mediator=mediator)
        vacuum_analyze(*made_models())
        path = urlparse(feed_url(calendar_feed_get(mediator=mediator))).path
        client = Client()
        timings = []
        queries: list[str] = []

        def count(execute, sql, params, many, context):
            queries.append(sql)
            return execute(sql, params, many, context)

        for _ in range(RUNS):
            queries.clear()
            started = time.perf_counter()
            with connection.execute_wrapper(count):
                response = client.get(path)
            timings.append((time.perf_counter() - started) * 1000)
            expect(response.status_code == 200, response.status_code)
            expect(response.content.count(b"BEGIN:VEVENT") == EVENTS, "every event in the feed")
        not_modified = []
        for _ in range(RUNS):
            started = time.perf_counter()
            conditional = client.get(path, HTTP_IF_NONE_MATCH=response["ETag"])
            not_modified.append((time.perf_counter() - started) * 1000)
            expect(conditional.status_code == 304, conditional.status_code)
    ordered = sorted(timings)
    yield {
        "bench": "feed",
        "events": EVENTS,
        "median_ms": round(statistics.median(timings), 1),
        "p95_ms": round(ordered[max(0, int(len(ordered) * 0.95) - 1)], 1),
        "cold_ms": round(timings[0], 1),
        "not_modified_median_ms": round(statistics.median(not_modified), 1),
        "queries": len(queries),
        "vacuum_analyzed": True,
    }
