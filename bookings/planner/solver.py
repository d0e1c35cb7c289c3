"""The planner: CP-SAT per local day and connected component, seeded with greedy.

Decomposition. Two requests interact only through a mediator who could take both, so each
day's mediator–request graph falls apart into connected components that are solved one by
one; clashes (overlap, travel time) stay within a day, and the plan's choices on other days
are treated like held bookings. Weekly and monthly hour limits couple the days. They are
handled by budget splitting in time order: day ``d`` may use a mediator's weekly (monthly)
minutes minus what the plan already gave them on earlier days and minus what greedy gives
them on the *later* days of that week (month). By induction greedy's own choice for each day
stays feasible, so with greedy as the hint every subproblem can at least match greedy, and
the total fill never falls below greedy's. The work grows with the busiest day's
components, not with the period.

Each component is solved in two phases from greedy's answer as a complete hint: first the
number filled (urgent ones as the tie-break), then, keeping that, one lexicographic
objective for travel and fair spread. A component whose solver answer in its time share
fills fewer than greedy keeps greedy's.

Safety net: the whole plan is re-checked from scratch with ``feasibility.violations`` and
falls back to greedy if anything is off (or if it fills fewer).
"""

from __future__ import annotations

import datetime
import math
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from ortools.sat.python import cp_model

from .cpsat import build, solve
from .engines import Candidate, Index, greedy, mean_load_minutes
from .feasibility import MAX_GAP_MINUTES, clash, month_left, violations, week_left
from .problem import Assignment, Mediator, MonthKey, Problem, Request, WeekKey

# A block of days is solved as one model while it has at most this many candidate pairs.
BLOCK_PAIRS = 6_000
# Candidates per request in the model (the nearest; greedy's choice always stays in).
KEEP_CANDIDATES = 20


@dataclass
class Outcome:
    assignment: Assignment
    subproblems: int = 0
    solved: int = 0
    kept_greedy: int = 0
    # Solved subproblems whose fill (phase 1) was not proven the best in their time share.
    unproven: int = 0
    fell_back: bool = False
    notes: list[str] = field(default_factory=list)


# Told after each subproblem: the best fill so far (the components solved so far plus
# greedy's choices for the rest, a plan that holds) and the most that can be filled (the
# solver's proven bound for the components solved, every request with a candidate for the
# rest).
Progress = Callable[[int, int], None]


def _components(
    requests: list[Request], candidates: dict[int, list[Candidate]]
) -> list[list[Request]]:
    parent = {r.id: r.id for r in requests}

    def find(a: int) -> int:
        while parent[a] != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a

    first_of: dict[int, int] = {}
    for r in requests:
        for c in candidates[r.id]:
            other = first_of.setdefault(c.mediator.id, r.id)
            ra, rb = find(r.id), find(other)
            if ra != rb:
                parent[ra] = rb
    groups: dict[int, list[Request]] = defaultdict(list)
    for r in requests:
        groups[find(r.id)].append(r)
    return sorted(groups.values(), key=lambda g: min(r.starts_at for r in g))


def _score(plan: Assignment, requests: list[Request]) -> tuple[int, int]:
    return (
        sum(1 for r in requests if r.id in plan),
        sum(1 for r in requests if r.urgent and r.id in plan),
    )


class _Budgets:
    """Hour budgets split in time order (see the module docstring)."""

    def __init__(self, problem: Problem, start: Assignment) -> None:
        self.requests = {r.id: r for r in problem.requests}
        # Greedy's minutes per (mediator, week|month) and local day: reserved for later days.
        self.reserved: dict[tuple[int, object], dict[datetime.date, int]] = defaultdict(
            lambda: defaultdict(int)
        )
        for r_id, m_id in start.items():
            r = self.requests[r_id]
            self.reserved[m_id, r.week][r.day] += r.duration_minutes
            self.reserved[m_id, r.month][r.day] += r.duration_minutes
        self.used: dict[tuple[int, object], int] = defaultdict(int)
        self.at(datetime.date.min)

    def _later(self, m_id: int, key: object) -> int:
        days = self.reserved.get((m_id, key))
        if not days:
            return 0
        cached = self._later_cache.get((m_id, key))
        if cached is None:
            cached = self._later_cache[m_id, key] = sum(v for d, v in days.items() if d > self.day)
        return cached

    def at(self, day: datetime.date) -> None:
        """Plan the days up to ``day`` next: greedy's later days are reserved."""
        self.day = day
        self._later_cache: dict[tuple[int, object], int] = {}

    def week_cap(self, m: Mediator, week: WeekKey) -> int:
        held = m.held_minutes_week.get(week, 0)
        return m.max_minutes_per_week - held - self.used[m.id, week] - self._later(m.id, week)

    def month_cap(self, m: Mediator, month: MonthKey) -> int:
        held = m.held_minutes_month.get(month, 0)
        return m.max_minutes_per_month - held - self.used[m.id, month] - self._later(m.id, month)

    def take(self, r: Request, m_id: int) -> None:
        self.used[m_id, r.week] += r.duration_minutes
        self.used[m_id, r.month] += r.duration_minutes


def _neighbours(
    fixed: dict[int, list[Request]], start_by_mediator: dict[int, list[Request]], day: datetime.date
):  # type: ignore[no-untyped-def]
    """Pairs that clash with the plan's choices on earlier days or greedy's on later days."""
    reach = datetime.timedelta(minutes=MAX_GAP_MINUTES)

    def blocked(r: Request, m: Mediator) -> bool:
        near = [o for o in fixed.get(m.id, ()) if o.ends_at + reach > r.starts_at]
        near += [
            o
            for o in start_by_mediator.get(m.id, ())
            if o.day > day and o.starts_at < r.ends_at + reach
        ]
        return any(clash(o, r) for o in near)

    return blocked


def pruned(index: Index, start: Assignment, keep: int) -> dict[int, list[Candidate]]:
    """Each request's ``keep`` nearest candidates (then fewest recent hours), and always
    greedy's choice: phone and video requests can have hundreds of candidates, and a
    model with all of them grows faster than it gets better."""
    pruned = {}
    for r_id, cands in index.candidates.items():
        if len(cands) <= keep:
            pruned[r_id] = cands
            continue
        best = sorted(cands, key=lambda c: (c.km, c.mediator.recent_minutes, c.mediator.id))
        chosen = best[:keep]
        if r_id in start and all(c.mediator.id != start[r_id] for c in chosen):
            chosen += [c for c in cands if c.mediator.id == start[r_id]]
        pruned[r_id] = chosen
    return pruned


def _blocks(
    requests: list[Request], candidates: dict[int, list[Candidate]], block_pairs: int
) -> list[list[Request]]:
    """Consecutive local days of one week, merged while their candidate pairs stay small."""
    by_day: dict[datetime.date, list[Request]] = defaultdict(list)
    for r in requests:
        by_day[r.day].append(r)
    blocks: list[list[Request]] = []
    current: list[Request] = []
    current_week, current_pairs = None, 0
    for day in sorted(by_day):
        pairs = sum(len(candidates[r.id]) for r in by_day[day])
        week = by_day[day][0].week
        if current and (week != current_week or current_pairs + pairs > block_pairs):
            blocks.append(current)
            current, current_pairs = [], 0
        current += by_day[day]
        current_week, current_pairs = week, current_pairs + pairs
    if current:
        blocks.append(current)
    return blocks


def plan(
    problem: Problem,
    *,
    seconds: float = 10.0,
    index: Index | None = None,
    start: Assignment | None = None,
    workers: int = 2,
    block_pairs: int = BLOCK_PAIRS,
    keep: int = KEEP_CANDIDATES,
    progress: Progress | None = None,
) -> Outcome:
    """Assign the problem's requests: never fewer filled than ``start`` (greedy by default).

    ``progress(filled, bound)`` is called after each subproblem (see ``Progress``)."""
    deadline = time.monotonic() + seconds
    index = index or Index(problem)
    start = greedy(problem, index) if start is None else start
    budgets = _Budgets(problem, start)
    requests = budgets.requests
    mean = mean_load_minutes(problem)
    load = {m.id: float(m.recent_minutes) for m in problem.mediators}
    start_by_mediator: dict[int, list[Request]] = defaultdict(list)
    for r_id, m_id in start.items():
        start_by_mediator[m_id].append(requests[r_id])
    fixed: dict[int, list[Request]] = defaultdict(list)

    outcome = Outcome(assignment={})
    # Each component's time share is fixed up front by its number of pairs, so that an
    # early component that overruns cannot starve the later ones.
    candidates = pruned(index, start, keep)
    per_pair = max(0.0, deadline - time.monotonic()) / (
        sum(len(c) for c in candidates.values()) or 1
    )

    # What is left to solve: greedy's fill and every request with a candidate.
    left_filled = len(start)
    left_bound = sum(1 for cands in candidates.values() if cands)
    bound = 0
    if progress is not None:
        progress(left_filled, left_bound)
    for block in _blocks(problem.requests, candidates, block_pairs):
        day = max(r.day for r in block)
        budgets.at(day)
        blocked = _neighbours(fixed, start_by_mediator, day)
        for group in _components(block, candidates):
            outcome.subproblems += 1
            share = per_pair * sum(len(candidates[r.id]) for r in group)
            group_bound = sum(1 for r in group if candidates[r.id])
            chosen, proven = _solve_group(
                group,
                candidates,
                budgets,
                blocked,
                start,
                share,
                workers,
                problem,
                load,
                mean,
                outcome,
            )
            for r_id, m_id in chosen.items():
                r = requests[r_id]
                budgets.take(r, m_id)
                load[m_id] += r.duration_minutes
                fixed[m_id].append(r)
            outcome.assignment.update(chosen)
            left_filled -= sum(1 for r in group if r.id in start)
            left_bound -= group_bound
            bound += min(group_bound, proven) if proven is not None else group_bound
            if progress is not None:
                progress(len(outcome.assignment) + left_filled, bound + left_bound)

    broken = violations(problem, outcome.assignment)
    if broken or len(outcome.assignment) < len(start):
        outcome.notes.extend(broken[:10])
        outcome.fell_back = True
        outcome.assignment = dict(start)
    return outcome


def _solve_group(
    group, candidates, budgets, blocked, start, share, workers, problem, load, mean, outcome
):  # type: ignore[no-untyped-def]
    """The group's assignment, and the most it can fill as far as the solver proved it
    (None when it did not run)."""
    fallback = {r.id: start[r.id] for r in group if r.id in start}
    if not any(candidates[r.id] for r in group):
        return fallback, None
    built = build(
        group,
        candidates,
        week_cap=budgets.week_cap,
        month_cap=budgets.month_cap,
        blocked=blocked,
    )
    outcome.solved += 1
    began = time.monotonic()
    # Phase 1: the most requests filled (urgent as the tie-break), from greedy's answer.
    built.model.maximize(built.lexicographic())
    first, first_solver, status = solve(
        built, seconds=max(0.1, share * 0.5), hint=fallback, workers=workers
    )
    if status != cp_model.OPTIMAL:
        outcome.unproven += 1
    # Each filled request weighs ``weight`` (plus one if urgent) in the lexicographic sum.
    weight = sum(1 for r in group if r.urgent) + 1
    proven = (
        math.floor(first_solver.best_objective_bound / weight + 1e-9)
        if status in (cp_model.OPTIMAL, cp_model.FEASIBLE)
        else None
    )
    best = fallback
    if first is not None and _score(first, group) > _score(fallback, group):
        best = first
    # Phase 2: keep that, then travel and fair spread (the objective stays lexicographic).
    built.model.add(built.lexicographic() >= built.lexicographic_value(best))
    built.model.maximize(built.objective(problem.weights, load, mean))
    left = share - (time.monotonic() - began)
    second, _, _ = solve(built, seconds=max(0.1, left), hint=best, workers=workers)
    if second is not None and _score(second, group) >= _score(best, group):
        return second, proven
    if best is fallback:
        outcome.kept_greedy += 1
    return best, proven


@dataclass
class Exact:
    filled: int
    optimal: bool
    bound: float
    seconds: float


def exact(
    problem: Problem,
    *,
    seconds: float = 300.0,
    index: Index | None = None,
    hint: Assignment | None = None,
    workers: int = 2,
) -> Exact:
    """Maximum number filled over the whole period (no decomposition), and the proven bound."""
    index = index or Index(problem)
    began = time.monotonic()
    built = build(
        problem.requests,
        index.candidates,
        week_cap=week_left,
        month_cap=month_left,
    )
    built.model.maximize(built.filled())
    answer, solver, status = solve(built, seconds=seconds, hint=hint, workers=workers)
    return Exact(
        filled=len(answer or {}),
        optimal=status == cp_model.OPTIMAL,
        bound=solver.best_objective_bound,
        seconds=time.monotonic() - began,
    )
