"""The candidate index, the two reference engines (first-fit and greedy) and plan figures.

``naive`` walks the requests in order and takes the first mediator (by id) who fits;
``greedy`` walks them urgent first, then by start, and takes the best-ranked mediator who
still fits (travel and fair spread, weighted by the pool). Both check every hard constraint
through ``feasibility``; the planner starts from the greedy answer.
"""

from __future__ import annotations

from .feasibility import Usage
from .index import Candidate, Index
from .problem import Assignment, Problem, Request

__all__ = ["Candidate", "Index", "figures", "greedy", "naive"]


def request_order(requests: list[Request]) -> list[Request]:
    """Urgent requests first, then by start: the order a coordinator would work through."""
    return sorted(requests, key=lambda r: (not r.urgent, r.starts_at, r.id))


def mean_load_minutes(problem: Problem) -> float:
    """The fair share: recent hours plus this period's demand, spread over the pool."""
    if not problem.mediators:
        return 0.0
    demand = sum(r.duration_minutes for r in problem.requests)
    recent = sum(m.recent_minutes for m in problem.mediators)
    return (demand + recent) / len(problem.mediators)


def naive(problem: Problem, index: Index | None = None) -> Assignment:
    """First fit: the first mediator by id who still fits."""
    index = index or Index(problem)
    usage, plan = Usage.empty(), {}
    for r in sorted(problem.requests, key=lambda r: (r.starts_at, r.id)):
        for c in sorted(index.candidates[r.id], key=lambda c: c.mediator.id):
            if usage.fits(c.mediator, r):
                usage.add(c.mediator, r)
                plan[r.id] = c.mediator.id
                break
    return plan


def rank_score(problem: Problem, candidate: Candidate, load_minutes: float, mean: float) -> float:
    """Lower is better: travel and fair spread, weighted like the pool's ranking."""
    w = problem.weights
    fairness = (load_minutes - mean) / 60.0
    return w.travel * candidate.km / 10.0 + w.fairness * fairness


def greedy(problem: Problem, index: Index | None = None) -> Assignment:
    """One request after another, each to the best-ranked mediator who still fits."""
    index = index or Index(problem)
    mean = mean_load_minutes(problem)
    load = {m.id: float(m.recent_minutes) for m in problem.mediators}
    usage, plan = Usage.empty(), {}
    for r in request_order(problem.requests):
        ranked = sorted(
            index.candidates[r.id],
            key=lambda c: (rank_score(problem, c, load[c.mediator.id], mean), c.mediator.id),
        )
        for c in ranked:
            if usage.fits(c.mediator, r):
                usage.add(c.mediator, r)
                load[c.mediator.id] += r.duration_minutes
                plan[r.id] = c.mediator.id
                break
    return plan


def gini(values: list[float]) -> float:
    if not values or sum(values) <= 0:
        return 0.0
    ordered = sorted(values)
    n = len(ordered)
    weighted = sum((i + 1) * v for i, v in enumerate(ordered))
    return (2 * weighted) / (n * sum(ordered)) - (n + 1) / n


def figures(problem: Problem, index: Index, plan: Assignment) -> dict[str, float]:
    """fill_rate, urgent_fill_rate, travel_km (home to place) and hours_gini of a plan.

    The Gini coefficient is over every mediator's hours in the period's weeks: what they
    already held there plus what the plan gives them."""
    km = {(r_id, c.mediator.id): c.km for r_id, cs in index.candidates.items() for c in cs}
    weeks = {r.week for r in problem.requests}
    minutes = {
        m.id: float(sum(m.held_minutes_week.get(w, 0) for w in weeks)) for m in problem.mediators
    }
    durations = {r.id: r.duration_minutes for r in problem.requests}
    for r_id, m_id in plan.items():
        minutes[m_id] += durations[r_id]
    urgent = [r.id for r in problem.requests if r.urgent]
    n = len(problem.requests) or 1
    return {
        "fill_rate": round(len(plan) / n, 4),
        "urgent_fill_rate": round(sum(1 for r in urgent if r in plan) / (len(urgent) or 1), 4),
        "travel_km": round(sum(km.get(item, 0.0) for item in plan.items()), 1),
        "hours_gini": round(gini([v / 60 for v in minutes.values()]), 4),
    }
