"""One named list of the hard matching rules (``bookings.matching.hard_rules.HardRule``),
and the three implementations held to it: ``checks`` (plain snapshots), ``eligibility``
(SQL) and the planner's ``index`` (numpy). That each decides its rules the same way is the
subject of the property tests (tests/bookings/matching/test_properties.py,
tests/bookings/planner/test_planner_properties.py); here: that none misses one."""

import dataclasses
import datetime

import pytest

import bookings.matching
from bookings.matching import checks, eligibility
from bookings.matching.checks import MediatorFacts, RequestFacts, hard_violations
from bookings.matching.hard_rules import HARD_RULES, HardRule
from bookings.matching.rules import Absence, Appointment, Slot
from bookings.planner import index
from bookings.planner.selectors import problem_for_pool
from mediators.constants import USABLE_LEVEL
from tests.bookings.lifecycle import berlin
from tests.bookings.matching.scenario import KEMPEN, VIERSEN, make_mediator
from tests.institutions.factories import PoolFactory

MONDAY = datetime.date(2027, 3, 15)
STARTS = berlin(2027, 3, 15, 10, 0)


def appointment(hour=10) -> Appointment:
    starts_at = berlin(2027, 3, 15, hour, 0)
    return Appointment(starts_at, starts_at + datetime.timedelta(hours=1), "on_site", *VIERSEN)


# A request that asks for everything that can be asked for, and a mediator who meets it all.
REQUEST = RequestFacts(
    booking_id=1,
    pool_id=1,
    institution_id=7,
    language_id=1,
    dialect_id=None,
    appointment=appointment(),
    with_children=True,
    topic="health",
    gender_preference="female",
    case_reference="FALL-1",
)
MEDIATOR = MediatorFacts(
    mediator_id=1,
    pool_id=1,
    active=True,
    vetted=True,
    gender="female",
    languages=frozenset({(1, None, USABLE_LEVEL)}),
    home=VIERSEN,
    max_travel_km=20,
    max_hours_per_week=10,
    max_hours_per_month=40,
    police_certificate_valid_until=MONDAY,
    slots=(Slot(MONDAY.weekday(), datetime.time(8), datetime.time(18)),),
)

# One change that breaks exactly one rule (a rule added to the list needs one here too).
BREAK = {
    HardRule.POOL: {"pool_id": 2},
    HardRule.LANGUAGE: {"languages": frozenset({(2, None, USABLE_LEVEL)})},
    HardRule.INACTIVE: {"active": False},
    HardRule.SELF_UNAVAILABLE: {"self_unavailable": True, "self_unavailable_until": MONDAY},
    HardRule.NOT_VETTED: {"vetted": False},
    HardRule.POLICE_CERTIFICATE: {"police_certificate_valid_until": MONDAY - datetime.timedelta(1)},
    HardRule.TOPIC_DECLINED: {"declined_topics": frozenset({"health"})},
    HardRule.AVAILABILITY: {
        "slots": (Slot(MONDAY.weekday(), datetime.time(11), datetime.time(18)),)
    },
    HardRule.ABSENCE: {"absences": (Absence(MONDAY, MONDAY),)},
    HardRule.OVERLAP: {"held": (dataclasses.replace(appointment(), booking_id=2),)},
    HardRule.TRAVEL_RANGE: {"home": KEMPEN, "max_travel_km": 5},
    HardRule.HOUR_LIMIT: {"max_hours_per_week": 0.5},
    HardRule.GENDER: {"gender": "male"},
    HardRule.BLOCKED: {"blocked_institution_ids": frozenset({7})},
    HardRule.CONFLICT_OF_INTEREST: {"conflict_case_references": frozenset({(7, " fall-1 ")})},
}


def test_each_rule_has_one_name():
    assert len(set(HARD_RULES)) == len(HARD_RULES) == len(HardRule)


def test_the_package_docstring_maps_every_rule_to_its_implementations():
    doc = bookings.matching.__doc__

    for rule in HARD_RULES:
        assert f"- ``{rule}`` - " in doc, rule


# --- checks.py: the names read from the code that runs ------------------------------------


def test_checks_implements_every_rule_with_one_check_each():
    assert checks.IMPLEMENTS == set(HARD_RULES)
    assert len(checks.CHECKS) == len(HARD_RULES)


def test_the_snapshots_meet_every_rule():
    assert hard_violations(MEDIATOR, REQUEST) == ()


@pytest.mark.parametrize("rule", HARD_RULES)
def test_hard_violations_names_a_broken_rule_alone(rule):
    mediator = dataclasses.replace(MEDIATOR, **BREAK[rule])

    assert hard_violations(mediator, REQUEST) == (rule,)


# --- eligibility.py (SQL) ----------------------------------------------------------------


def test_eligibility_in_the_database_implements_every_rule():
    assert eligibility.IMPLEMENTS == set(HARD_RULES)


# --- planner/index.py (numpy) -------------------------------------------------------------


def test_the_planners_index_implements_every_rule_but_the_pool_and_being_active():
    # A declared exception, not a gap in coverage: a planning problem holds only the active
    # mediators serving the pool (see the next test), so the index has nothing to decide
    # there; and applying a plan assigns through booking_assign, which checks every rule
    # again in the database.
    assert set(index.LEFT_TO_THE_LOADER) == {HardRule.POOL, HardRule.INACTIVE}
    assert index.IMPLEMENTS.isdisjoint(index.LEFT_TO_THE_LOADER)
    assert index.IMPLEMENTS | set(index.LEFT_TO_THE_LOADER) == set(HARD_RULES)


@pytest.mark.django_db
def test_a_planning_problem_holds_only_the_active_mediators_serving_the_pool():
    pool, sharing, foreign = PoolFactory(), PoolFactory(), PoolFactory()
    pool.shares_mediators_with.add(sharing)
    own, lent = make_mediator(pool), make_mediator(sharing)
    make_mediator(pool, active=False)
    make_mediator(foreign)

    loaded = problem_for_pool(pool=pool, starts_on=MONDAY, ends_on=MONDAY, now=STARTS)

    assert {m.id for m in loaded.problem.mediators} == {own.pk, lent.pk}
