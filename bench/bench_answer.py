"""A mediator's answer to an offer, timed inside the server: accept, decline, a double-tapped
accept, and a trivial endpoint (``/readyz``) for the ratio (goal: accept and decline within
3x the trivial endpoint).

``make bench BENCH=answer``. The data is the ``medium`` instance of ``bench.generator``
(500 mediators with languages, weekly availability, absences and conflicts, 10,000 held
bookings, 2,000 open requests), written into a pool of its own (``bench-answer``, see
``bench.database``: deleted again at the end) with bulk_create, the mediators and the
institutions given e-mail addresses (so every message is written and rendered as in
production), the pool keeping standbys, one offer at a time (cascade). Its tables are
VACUUM ANALYZEd after the load and before anything is timed, as autovacuum would have done.

Each round makes an offer through the services (untimed), then times, through Django's test
client with a signed-in mediator (the whole request: middleware, authentication, the view,
the service, the commit; not the network), one of each:

- ``decline``: ``POST /api/v1/offers/{id}/decline/``;
- ``accept``: ``POST /api/v1/offers/{id}/accept/`` (200, the booking confirmed);
- ``double_accept``: the same accept once more (409);
- ``trivial``: ``GET /readyz``;
- ``signed_in_read``: ``GET /api/v1/languages/`` by the same mediator, the floor of any
  signed-in request (session, user, role checks; its ratio is printed too).

Celery tasks go to the Redis broker of ``REDIS_URL`` (that database is flushed), as from
gunicorn in production: the work a request leaves to a worker is not part of its time. After
each answer the bench does that work itself, untimed, as a worker would
(``settlements_run_due`` where the code has it), so that the next round starts from settled
data. ``BENCH_ANSWER_RUNS`` (default 40) rounds. Prints one line:

    {"bench": "answer", "accept_median_ms": ..., "decline_median_ms": ...,
     "double_accept_median_ms": ..., "trivial_median_ms": ..., "accept_ratio": ...,
     "decline_ratio": ..., "double_accept_ratio": ..., "accept_queries": ...,
     "decline_queries": ..., ..., "vacuum_analyzed": true}

The ratios are the medians over the trivial endpoint's median; they are what counts on a
shared machine (the absolute times grow with the load average, printed with the line).
"""

from __future__ import annotations

import os
import statistics
import sys
import time

from bench.database import expect

RUNS = int(os.environ.get("BENCH_ANSWER_RUNS", "40"))
# ``BENCH_ANSWER_SQL=1``: print the statements of the last run's requests to stderr.
SHOW_SQL = os.environ.get("BENCH_ANSWER_SQL") == "1"
SLUG = "bench-answer"
NEEDS_REDIS = True


def _settle() -> None:
    """Do what the request left to a worker (the deferred settlements), untimed."""
    try:
        from bookings.services.settlements import settlements_run_due
    except ImportError:  # the code before the settlements did everything in the request
        return
    settlements_run_due(grace_seconds=0)


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def run():  # noqa: PLR0915 - one bench, read top to bottom
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from rest_framework.test import APIClient

    from bench.database import bench_pool, require_redis, vacuum_analyze
    from bench.dbload import load, loaded_models
    from bench.generator import SIZES, instance
    from bookings.constants import OfferStatus, Status
    from bookings.models import Booking, Offer, Standby
    from bookings.services.offers import booking_match
    from institutions.models import Institution
    from notifications.models import Message
    from tests.support.live import flush_broker, use_broker

    broker = require_redis()
    flush_broker(broker)
    problem = instance("medium")
    with bench_pool(
        SLUG,
        min_notice_working_days=0,
        standby_enabled=True,
        mail_sender="ki@bench.example",
    ) as bench:
        load(problem, bench=bench, period_start=SIZES["medium"].start)
        users = get_user_model().objects.filter(mediator__pool=bench.pool)
        for user in users:
            user.email = f"{user.username}@bench.example"
        get_user_model().objects.bulk_update(users, ["email"], batch_size=2000)
        Institution.objects.filter(pool=bench.pool).update(email="einrichtung@bench.example")
        vacuum_analyze(*loaded_models(), Offer, Standby, Message)
        requests = iter(
            Booking.objects.filter(pool=bench.pool, status=Status.REQUESTED)
            .order_by("starts_at", "pk")
            .values_list("pk", flat=True)
        )

        def next_offer() -> Offer:
            """An open offer of the next request that has a candidate."""
            for booking_id in requests:
                made = booking_match(booking_id=booking_id)
                if made:
                    return Offer.objects.select_related("mediator__user").get(pk=made[0].pk)
            raise RuntimeError("bench ran out of requests with candidates")

        clients: dict[int, APIClient] = {}

        def client_of(offer: Offer) -> APIClient:
            if offer.mediator_id not in clients:
                clients[offer.mediator_id] = APIClient()
                clients[offer.mediator_id].force_login(offer.mediator.user)
            return clients[offer.mediator_id]

        def timed(call, expected: int) -> tuple[float, int]:
            with CaptureQueriesContext(connection) as queries:
                started = time.perf_counter()
                response = call()
                ms = (time.perf_counter() - started) * 1000
            expect(response.status_code == expected, (response.status_code, expected))
            if SHOW_SQL:
                print(f"# {response.request['PATH_INFO']}: {ms:.1f} ms", file=sys.stderr)
                for query in queries.captured_queries:
                    print(f"#   {query['time']} {query['sql'][:300]}", file=sys.stderr)
            return ms, len(queries.captured_queries)

        times: dict[str, list[float]] = {
            k: [] for k in ("accept", "decline", "double", "trivial", "signed_in")
        }
        counts: dict[str, list[int]] = {k: [] for k in times}
        anonymous = APIClient()
        with use_broker(broker):
            for _ in range(RUNS):
                offer = next_offer()
                url, client = f"/api/v1/offers/{offer.pk}/", client_of(offer)
                ms, n = timed(lambda: client.post(url + "decline/"), 200)  # noqa: B023
                times["decline"].append(ms)
                counts["decline"].append(n)
                _settle()

                offer = next_offer()
                url, client = f"/api/v1/offers/{offer.pk}/", client_of(offer)
                ms, n = timed(lambda: client.post(url + "accept/"), 200)  # noqa: B023
                times["accept"].append(ms)
                counts["accept"].append(n)
                ms, n = timed(lambda: client.post(url + "accept/"), 409)  # noqa: B023
                times["double"].append(ms)
                counts["double"].append(n)
                _settle()
                expect(Offer.objects.get(pk=offer.pk).status == OfferStatus.ACCEPTED, "accepted")

                ms, n = timed(lambda: anonymous.get("/readyz"), 200)
                times["trivial"].append(ms)
                counts["trivial"].append(n)
                # The floor of any signed-in request: the session (saved on every request),
                # the user, the role and second-factor checks.
                ms, n = timed(lambda: client.get("/api/v1/languages/"), 200)  # noqa: B023
                times["signed_in"].append(ms)
                counts["signed_in"].append(n)
            standbys = Standby.objects.filter(booking__pool=bench.pool).count()
            flush_broker(broker)
    trivial = statistics.median(times["trivial"])

    def figures(name: str, key: str) -> dict[str, float | int]:
        median = statistics.median(times[key])
        return {
            f"{name}_median_ms": round(median, 1),
            f"{name}_p95_ms": round(_percentile(times[key], 0.95), 1),
            f"{name}_queries": int(statistics.median(counts[key])),
            **({f"{name}_ratio": round(median / trivial, 2)} if name != "trivial" else {}),
        }

    yield {
        "bench": "answer",
        "runs": RUNS,
        **figures("accept", "accept"),
        **figures("decline", "decline"),
        **figures("double_accept", "double"),
        **figures("trivial", "trivial"),
        **figures("signed_in_read", "signed_in"),
        "standbys_chosen": standbys,
        "mediators": len(problem.mediators),
        "vacuum_analyzed": True,
    }
