"""A standby holds the time in the planner as in matching (hypothesis): over generated pools
where some of what mediators hold is stood by for instead (their minutes not counted), the
candidate index is exactly what the matching engine's checks allow, and no engine's plan
clashes with a standby."""

import datetime

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bench.generator import custom
from bookings.matching.checks import hard_violations
from bookings.planner.engines import Index, greedy
from bookings.planner.feasibility import Facts, violations
from bookings.planner.problem import Problem, local_keys

PROPERTY_SETTINGS = settings(
    max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
STARTS = st.sampled_from([datetime.date(2027, 3, 22), datetime.date(2027, 10, 25)])


def with_standbys(problem: Problem, every: int) -> Problem:
    """Every ``every``-th held booking of each mediator becomes one they stand by for."""
    for m in problem.mediators:
        kept = []
        for i, h in enumerate(m.held):
            if i % every:
                kept.append(h)
                continue
            _, week, month = local_keys(h.starts_at)
            minutes = int((h.ends_at - h.starts_at).total_seconds() // 60)
            m.held_minutes_week[week] -= minutes
            m.held_minutes_month[month] -= minutes
            m.standing_by.append(h)
        m.held = kept
    return problem


@st.composite
def problems(draw):
    problem = custom(
        mediators=draw(st.integers(2, 10)),
        requests=draw(st.integers(1, 30)),
        existing=draw(st.integers(5, 60)),
        weeks=1,
        towns=draw(st.integers(1, 3)),
        region_km=draw(st.sampled_from([5.0, 30.0])),
        seed=draw(st.integers(0, 10_000)),
        start=draw(STARTS),
        weekends=draw(st.booleans()),
    )
    return with_standbys(problem, draw(st.integers(1, 3)))


@PROPERTY_SETTINGS
@given(problem=problems())
def test_the_index_keeps_the_standbys_time_exactly_as_the_checks_do(problem):
    assert any(m.standing_by for m in problem.mediators) or not any(
        m.held for m in problem.mediators
    )
    facts = Facts(problem)
    index = Index(problem)
    for r in problem.requests:
        allowed = {
            m.id
            for m in problem.mediators
            if not hard_violations(facts.mediator(m), facts.request(r))
        }
        assert {c.mediator.id for c in index.candidates[r.id]} == allowed


@PROPERTY_SETTINGS
@given(problem=problems())
def test_a_plan_never_clashes_with_a_standby(problem):
    assignment = greedy(problem)
    assert violations(problem, assignment) == []
