"""An upper bound on the number of requests any plan can fill: the LP relaxation (HiGHS).

Variables are the eligible pairs with 0 <= x <= 1; rows: each request at most once; per
mediator, appointments that overlap at one moment form a clique (at most one of them), and
pairs that only clash through travel time get a row each; minutes per local week and month
stay within what the mediator has left. Clique rows instead of pairs keep the relaxation
tight. ``highspy`` is pinned to the HiGHS version that OR-Tools bundles: both load a
``libhighs.so.1`` and must agree on it.
"""

from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import dataclass

import highspy
import numpy as np

from bookings.matching.rules import travel_minutes

from .cpsat import clashing_pairs
from .engines import Candidate, Index
from .feasibility import clash, month_left, week_left
from .problem import Problem, Request


@dataclass
class Bound:
    filled: float
    seconds: float
    status: str


def _cliques(items: list[Request]) -> list[list[Request]]:
    """Maximal sets of a mediator's candidates that overlap at one moment (interval sweep)."""
    events = sorted(items, key=lambda r: r.starts_at)
    cliques: list[list[Request]] = []
    active: list[Request] = []
    grew = False
    for r in events:
        ending = [a for a in active if a.ends_at <= r.starts_at]
        if ending and grew and len(active) > 1:
            cliques.append(list(active))
        if ending:
            active = [a for a in active if a.ends_at > r.starts_at]
            grew = False
        active.append(r)
        grew = True
    if grew and len(active) > 1:
        cliques.append(active)
    return cliques


def lp_bound(
    problem: Problem,
    *,
    index: Index | None = None,
    columns: dict[int, list[Candidate]] | None = None,
    seconds: float = 600.0,
) -> Bound:
    """The LP bound. ``columns`` (default: every candidate) are the pairs the LP is solved
    over; the bound is then evaluated over *every* candidate of the index (see below), so a
    smaller LP still gives a bound on the whole problem."""
    began = time.monotonic()
    index = index or Index(problem)
    columns = index.candidates if columns is None else columns
    column: dict[tuple[int, int], int] = {}
    by_mediator: dict[int, list[Request]] = defaultdict(list)
    mediators = {m.id: m for m in problem.mediators}
    for r in problem.requests:
        for c in columns[r.id]:
            column[r.id, c.mediator.id] = len(column)
            by_mediator[c.mediator.id].append(r)
    rows: list[tuple[list[int], list[float], float]] = []
    request_rows: list[int] = []
    hour_row: dict[tuple[int, str, tuple[int, int]], int] = {}
    for r in problem.requests:
        cols = [column[r.id, c.mediator.id] for c in columns[r.id]]
        if len(cols) > 1:
            request_rows.append(len(rows))
            rows.append((cols, [1.0] * len(cols), 1.0))
    for m_id, items in by_mediator.items():
        m = mediators[m_id]
        covered: set[tuple[int, int]] = set()
        for clique in _cliques(items):
            rows.append(([column[r.id, m_id] for r in clique], [1.0] * len(clique), 1.0))
            ids = sorted(r.id for r in clique)
            covered.update((a, b) for i, a in enumerate(ids) for b in ids[i + 1 :])
        for a, b in clashing_pairs(items, travel_minutes(2 * m.max_travel_km)):
            key = (min(a.id, b.id), max(a.id, b.id))
            if key not in covered and clash(a, b):
                rows.append(([column[a.id, m_id], column[b.id, m_id]], [1.0, 1.0], 1.0))
        for attr, cap_of in (("week", week_left), ("month", month_left)):
            groups: dict[tuple[int, int], list[Request]] = defaultdict(list)
            for r in items:
                groups[getattr(r, attr)].append(r)
            for k, group in groups.items():
                cap = cap_of(m, k)
                if sum(r.duration_minutes for r in group) > cap:
                    hour_row[m_id, attr, k] = len(rows)
                    rows.append(
                        (
                            [column[r.id, m_id] for r in group],
                            [float(r.duration_minutes) for r in group],
                            float(cap),
                        )
                    )
    n = len(column)
    if n == 0:
        return Bound(0.0, time.monotonic() - began, "empty")
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("time_limit", float(seconds))
    h.setOptionValue("threads", 2)
    h.setOptionValue("solver", "ipm")
    h.setOptionValue("run_crossover", "on")
    h.addVars(n, np.zeros(n), np.ones(n))
    h.changeColsCost(n, np.arange(n, dtype=np.int32), -np.ones(n))
    starts, indices, values, uppers = [], [], [], []
    nnz = 0
    for cols, coefs, upper in rows:
        starts.append(nnz)
        indices.extend(cols)
        values.extend(coefs)
        uppers.append(upper)
        nnz += len(cols)
    h.addRows(
        len(rows),
        np.full(len(rows), -highspy.kHighsInf),
        np.array(uppers),
        nnz,
        np.array(starts, dtype=np.int32),
        np.array(indices, dtype=np.int32),
        np.array(values, dtype=float),
    )
    h.run()
    status = h.modelStatusToString(h.getModelStatus())
    # Lagrangian bound, valid for any duals y >= 0 (so also when the solver stops early):
    # keep "each request at most once" as it is and dualise every other row (each is a valid
    # inequality of the whole problem, extended to all candidates with their minutes for
    # the hour rows). Then bound = b'y + sum over requests of max(0, best reduced profit).
    y = np.maximum(0.0, -np.array(h.getSolution().row_dual))
    if len(y) != len(rows):
        return Bound(float(len(problem.requests)), time.monotonic() - began, status)
    y[request_rows] = 0.0
    row_of = np.repeat(np.arange(len(rows)), np.diff(np.append(starts, nnz)))
    used = np.zeros(n)
    np.add.at(used, np.array(indices), np.array(values) * y[row_of])
    value = float(np.dot(uppers, y))
    for r in problem.requests:
        best = 0.0
        for c in index.candidates[r.id]:
            col = column.get((r.id, c.mediator.id))
            if col is not None:
                price = used[col]
            else:
                week = hour_row.get((c.mediator.id, "week", r.week))
                month = hour_row.get((c.mediator.id, "month", r.month))
                price = r.duration_minutes * (
                    (y[week] if week is not None else 0.0)
                    + (y[month] if month is not None else 0.0)
                )
            best = max(best, 1.0 - price)
            if best >= 1.0:
                break
        value += best
    return Bound(value, time.monotonic() - began, status)
