"""The CP-SAT model of a (sub)problem: one boolean per eligible (request, mediator) pair.

Constraints: a request gets at most one mediator; two requests that clash (overlap, or too
little travel time between two on-site places) never go to the same mediator; minutes per
local week and month stay within what each mediator has left. Objectives: the number filled
(exact solve, bounds); ``lexicographic`` = filled first, urgent filled as the tie-break; and
``objective`` = that, then travel plus fair spread (minutes above the pool's fair share).
"""

from __future__ import annotations

import datetime
import math
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from ortools.sat.python import cp_model

from bookings.matching import rules

from .engines import Candidate
from .feasibility import MAX_GAP_MINUTES, clash
from .problem import Assignment, Mediator, MonthKey, Request, WeekKey, Weights

QUARTER = 15


@dataclass
class Built:
    model: cp_model.CpModel
    requests: list[Request]
    x: dict[tuple[int, int], cp_model.IntVar] = field(default_factory=dict)
    km: dict[tuple[int, int], float] = field(default_factory=dict)
    key_of: dict[int, tuple[int, int]] = field(default_factory=dict)
    minutes: dict[int, list[tuple[int, cp_model.IntVar]]] = field(default_factory=dict)
    # Fair-spread variables with what defines them: (var, mediator id, offset in minutes).
    overs: list[tuple[cp_model.IntVar, int, int]] = field(default_factory=list)

    def filled(self) -> cp_model.LinearExprT:
        return sum(self.x.values())

    def lexicographic(self) -> cp_model.LinearExprT:
        """One more request filled outweighs any number of urgent ones among them."""
        urgent = {r.id for r in self.requests if r.urgent}
        weight = len(urgent) + 1
        return sum((weight + (r_id in urgent)) * v for (r_id, _), v in self.x.items())

    def lexicographic_value(self, plan: Assignment) -> int:
        weight = sum(1 for r in self.requests if r.urgent) + 1
        return sum(weight + r.urgent for r in self.requests if r.id in plan)

    def objective(
        self, weights: Weights, load: dict[int, float], mean_load: float
    ) -> cp_model.LinearExprT:
        """Lexicographic in one expression: ``lexicographic`` times a factor larger than any
        travel plus fair-spread penalty, minus that penalty: travel in tenths of a km,
        minutes above the pool's fair share per quarter hour (one quarter hour = 10 km)."""
        travel = {k: round(10 * weights.travel * self.km[k]) for k in self.x}
        fair_w = round(100 * weights.fairness)
        worst = 0
        overs = []
        for m_id, terms in self.minutes.items():
            base = load.get(m_id, 0.0) - mean_load
            top = math.ceil((base + sum(d for d, _ in terms)) / QUARTER)
            if top <= 0 or fair_w <= 0:
                continue
            over = self.model.new_int_var(0, top, f"over{m_id}")
            self.model.add(QUARTER * over >= sum(d * v for d, v in terms) + math.floor(base))
            overs.append(over)
            self.overs.append((over, m_id, math.floor(base)))
            worst += fair_w * top
        worst_travel: dict[int, int] = defaultdict(int)
        for (r_id, _), cost in travel.items():
            worst_travel[r_id] = max(worst_travel[r_id], cost)
        factor = worst + sum(worst_travel.values()) + 1
        penalty = sum(cost * self.x[k] for k, cost in travel.items()) + fair_w * sum(overs)
        return factor * self.lexicographic() - penalty


def clashing_pairs(
    items: list[Request], reach_minutes: int = MAX_GAP_MINUTES
) -> Iterable[tuple[Request, Request]]:
    """Pairs of one mediator's candidate requests that clash (sorted sweep).

    ``reach_minutes`` bounds the travel time between any two of them: places within the
    mediator's range of home lie at most twice the range apart."""
    items = sorted(items, key=lambda r: r.starts_at)
    reach = datetime.timedelta(minutes=reach_minutes)
    for i, a in enumerate(items):
        for b in items[i + 1 :]:
            if b.starts_at >= a.ends_at + reach:
                break
            if b.starts_at < a.ends_at or (a.on_site and b.on_site and clash(a, b)):
                yield a, b


def build(
    requests: list[Request],
    candidates: dict[int, list[Candidate]],
    *,
    week_cap: Callable[[Mediator, WeekKey], int],
    month_cap: Callable[[Mediator, MonthKey], int],
    blocked: Callable[[Request, Mediator], bool] | None = None,
) -> Built:
    model = cp_model.CpModel()
    built = Built(model, requests)
    by_mediator: dict[int, list[tuple[Request, cp_model.IntVar]]] = defaultdict(list)
    mediators: dict[int, Mediator] = {}
    for r in requests:
        row = []
        for c in candidates[r.id]:
            m = c.mediator
            if r.duration_minutes > min(week_cap(m, r.week), month_cap(m, r.month)):
                continue
            if blocked is not None and blocked(r, m):
                continue
            v = model.new_bool_var(f"x{r.id}_{m.id}")
            built.x[r.id, m.id] = v
            built.key_of[v.index] = (r.id, m.id)
            built.km[r.id, m.id] = c.km
            row.append(v)
            by_mediator[m.id].append((r, v))
            mediators[m.id] = m
        if len(row) > 1:
            model.add_at_most_one(row)
    for m_id, items in by_mediator.items():
        m = mediators[m_id]
        var_of = {r.id: v for r, v in items}
        reach = rules.travel_minutes(2 * m.max_travel_km)
        for a, b in clashing_pairs([r for r, _ in items], reach):
            model.add_at_most_one([var_of[a.id], var_of[b.id]])
        _limit(model, m, items, week_cap, lambda r: r.week)
        _limit(model, m, items, month_cap, lambda r: r.month)
        built.minutes[m_id] = [(r.duration_minutes, v) for r, v in items]
    return built


def _limit(
    model: cp_model.CpModel,
    mediator: Mediator,
    items: list[tuple[Request, cp_model.IntVar]],
    cap: Callable[[Mediator, tuple[int, int]], int],
    key: Callable[[Request], tuple[int, int]],
) -> None:
    groups: dict[tuple[int, int], list[tuple[Request, cp_model.IntVar]]] = defaultdict(list)
    for r, v in items:
        groups[key(r)].append((r, v))
    for k, group in groups.items():
        limit = cap(mediator, k)
        if sum(r.duration_minutes for r, _ in group) > limit:
            model.add(sum(r.duration_minutes * v for r, v in group) <= limit)


def _hinted(built: Built, var: cp_model.IntVar, hint: Assignment) -> bool:
    r_id, m_id = built.key_of[var.index]
    return hint.get(r_id) == m_id


def solve(
    built: Built, *, seconds: float, hint: Assignment | None = None, workers: int = 2, seed: int = 1
) -> tuple[Assignment | None, cp_model.CpSolver, int]:
    """Solve with a time limit, starting from ``hint``; None when no solution was found."""
    built.model.clear_hints()
    if hint is not None:
        # A complete hint (also the fair-spread variables) is taken as the first solution.
        for (r_id, m_id), v in built.x.items():
            built.model.add_hint(v, hint.get(r_id) == m_id)
        for over, m_id, offset in built.overs:
            minutes = sum(d for d, v in built.minutes[m_id] if _hinted(built, v, hint))
            built.model.add_hint(over, max(0, math.ceil((minutes + offset) / QUARTER)))
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(0.01, seconds)
    solver.parameters.num_workers = workers
    solver.parameters.random_seed = seed
    solver.parameters.max_presolve_iterations = 1
    status = solver.solve(built.model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None, solver, status
    plan = {r_id: m_id for (r_id, m_id), v in built.x.items() if solver.boolean_value(v)}
    return plan, solver, status
