"""Matching benchmarks: the batch planner against first-fit and greedy, and ranking speed.

``make bench BENCH=matching`` (or ``python -m bench matching``). For each size of
``bench.generator`` (small: 50 mediators / 200 requests, medium: 500 / 2,000, large: 5,000 /
20,000 with 100,000 existing bookings; ``BENCH_MATCHING_SIZES=small,medium`` to choose) it
prints one line per engine:

    {"bench": "matching", "size": "small", "engine": "planner", "seconds": ..., "queries": 0,
     "fill_rate": ..., "urgent_fill_rate": ..., "travel_km": ..., "hours_gini": ...,
     "optimum_fill_rate": ...}

``naive`` is first fit, ``greedy`` our ranking one request after another, ``planner`` the
CP-SAT planner seeded with greedy (its seconds include building the candidate index and the
greedy hint; naive and greedy include the index too). The engines run on the in-memory
instance, so they issue no queries. The reference is the exact optimum on small
(``optimum_fill_rate``, CP-SAT without decomposition) and the LP bound on medium and large
(``bound_fill_rate``, HiGHS; a proven upper bound on any plan's fill rate).

Ranking: ``{"bench": "matching", "size": "large", "engine": "rank", "median_ms": ...,
"p95_ms": ..., "queries": ...}`` times ``candidates_for`` (eligibility in SQL plus ranking)
for 200 open requests of the large pool loaded into the database of ``DATABASE_URL`` with
bulk_create (``load_seconds``), in a pool of its own (``bench-matching-large``, see
``bench.database``: deleted again at the end), its tables VACUUM ANALYZEd before anything is
timed (``vacuum_seconds``), as autovacuum would have done in production. A ``load`` line
gives the time and queries of loading that pool's period for the planner from the database.
Like every bench it needs PostgreSQL: ``make bench BENCH=matching
DATABASE_URL=postgres://postgres@127.0.0.1:5432/spm_bench``.
"""

from __future__ import annotations

import datetime
import os
import statistics
import time

PLANNER_SECONDS = {"small": 5.0, "medium": 6.0, "large": 60.0}
LP_SECONDS = 300.0
RANK_SAMPLES = 200
RANK_SLUG = "bench-matching-large"


def _timed(fn, *args, **kwargs):  # type: ignore[no-untyped-def]
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        began = time.perf_counter()
        result = fn(*args, **kwargs)
        seconds = time.perf_counter() - began
    return result, seconds, len(queries.captured_queries)


def _size_lines(size: str):  # type: ignore[no-untyped-def]
    from bench.generator import instance
    from bookings.planner.bounds import lp_bound
    from bookings.planner.engines import Index, figures, greedy, naive
    from bookings.planner.feasibility import violations
    from bookings.planner.solver import KEEP_CANDIDATES, exact, plan, pruned

    problem = instance(size)
    index, index_s, index_q = _timed(Index, problem)
    lines = []
    start, greedy_s, greedy_q = _timed(greedy, problem, index)
    for engine, assignment, seconds, queries in (
        ("naive", *_timed(naive, problem, index)),
        ("greedy", start, greedy_s, greedy_q),
    ):
        lines.append((engine, assignment, index_s + seconds, index_q + queries))
    outcome, plan_s, plan_q = _timed(
        plan, problem, seconds=PLANNER_SECONDS[size], index=index, start=start
    )
    lines.append(
        ("planner", outcome.assignment, index_s + greedy_s + plan_s, index_q + greedy_q + plan_q)
    )
    n = len(problem.requests)
    if size == "small":
        best = exact(problem, seconds=600, index=index, hint=outcome.assignment)
        reference = {"optimum_fill_rate": round(best.filled / n, 4), "optimum_proven": best.optimal}
    else:
        # On large the LP is solved over each request's nearest candidates (as the planner's
        # model) and evaluated as a Lagrangian bound over all of them: still a proven bound.
        columns = pruned(index, start, KEEP_CANDIDATES) if size == "large" else None
        bound = lp_bound(problem, index=index, columns=columns, seconds=LP_SECONDS)
        reference = {
            "bound_fill_rate": round(bound.filled / n, 4),
            "bound_seconds": round(bound.seconds, 1),
        }
    for engine, assignment, seconds, queries in lines:
        broken = violations(problem, assignment)
        yield {
            "bench": "matching",
            "size": size,
            "engine": engine,
            "seconds": round(seconds, 2),
            "queries": queries,
            **figures(problem, index, assignment),
            **reference,
            "violations": len(broken),
            **({"fell_back_to_greedy": True} if engine == "planner" and outcome.fell_back else {}),
        }


def _rank_lines():  # type: ignore[no-untyped-def]
    from bench.database import bench_pool, vacuum_analyze
    from bench.dbload import load, loaded_models
    from bench.generator import SIZES, instance
    from bookings.matching.selectors import candidates_for
    from bookings.models import Booking
    from bookings.planner.selectors import problem_for_pool
    from core.time import BERLIN

    problem = instance("large")
    start = SIZES["large"].start
    with bench_pool(RANK_SLUG, min_notice_working_days=0) as bench:
        _, load_s, _ = _timed(load, problem, bench=bench, period_start=start)
        began = time.perf_counter()
        vacuum_analyze(*loaded_models())
        vacuum_s = time.perf_counter() - began
        pool = bench.pool
        ids = list(
            Booking.objects.filter(pool=pool, status="requested")
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        step = max(1, len(ids) // RANK_SAMPLES)
        sample = ids[::step][:RANK_SAMPLES]
        # One clock: the generator's history lies in the half year before the period, so
        # the ranking is timed as at the period's first morning, not at the real day.
        now = datetime.datetime.combine(start, datetime.time(6), tzinfo=BERLIN)
        times, counts, found = [], [], []
        for booking_id in sample:
            booking = Booking.objects.select_related("pool", "location").get(pk=booking_id)
            candidates, seconds, queries = _timed(candidates_for, booking, now=now)
            times.append(seconds * 1000)
            counts.append(queries)
            found.append(len(candidates))
        times.sort()
        yield {
            "bench": "matching",
            "size": "large",
            "engine": "rank",
            "median_ms": round(statistics.median(times), 1),
            "p95_ms": round(times[int(0.95 * (len(times) - 1))], 1),
            "queries": int(statistics.median(counts)),
            "requests": len(sample),
            "mean_candidates": round(statistics.mean(found), 1),
            "mediators": len(problem.mediators),
            "load_seconds": round(load_s, 1),
            "vacuum_analyzed": True,
            "vacuum_seconds": round(vacuum_s, 1),
        }
        end = start + datetime.timedelta(days=SIZES["large"].weeks * 7 - 1)
        loaded, seconds, queries = _timed(problem_for_pool, pool=pool, starts_on=start, ends_on=end)
        yield {
            "bench": "matching",
            "size": "large",
            "engine": "load",
            "seconds": round(seconds, 2),
            "queries": queries,
            "requests": len(loaded.problem.requests),
            "mediators": len(loaded.problem.mediators),
            "vacuum_analyzed": True,
        }


def run():  # type: ignore[no-untyped-def]
    sizes = os.environ.get("BENCH_MATCHING_SIZES", "small,medium,large").split(",")
    for size in filter(None, (s.strip() for s in sizes)):
        yield from _size_lines(size)
    if os.environ.get("BENCH_MATCHING_RANK", "1") != "0":
        yield from _rank_lines()
