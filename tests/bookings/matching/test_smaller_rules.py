"""Rules that held in one place but not in every path (issue 12, "Smaller rules"): adjacent
weekly slots join, a slot may end at 24:00, a mediator's own "unavailable" counts, and a
conflict of interest is the case at its institution, compared in one normalised form. Each
is decided the same way by the SQL selector, the planner's index and the plain checks."""

import datetime

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bookings.matching.checks import MediatorFacts, RequestFacts, hard_violations
from bookings.matching.hard_rules import HardRule
from bookings.matching.rules import Appointment, Slot, slots_cover
from bookings.matching.selectors import candidates_for
from bookings.planner.index import Index
from bookings.planner.selectors import problem_for_pool
from mediators.constants import USABLE_LEVEL
from mediators.models import AvailabilitySlot, ConflictOfInterest
from tests.institutions.factories import InstitutionFactory

from .scenario import DAY, NOW, VIERSEN, at, make_booking, make_mediator, make_pool

pytestmark = pytest.mark.django_db

T = datetime.time
TUESDAY = DAY.weekday()


def sql_ids(booking):
    return {c.mediator.pk for c in candidates_for(booking, now=NOW)}


def planner_ids(booking):
    loaded = problem_for_pool(pool=booking.pool, starts_on=DAY, ends_on=DAY, now=NOW)
    return {c.mediator.id for c in Index(loaded.problem).candidates.get(booking.pk, [])}


def slots(mediator, *spans):
    AvailabilitySlot.objects.filter(mediator=mediator).delete()
    for start, end in spans:
        AvailabilitySlot.objects.create(
            mediator=mediator, weekday=TUESDAY, start_time=start, end_time=end
        )


# --- availability: adjacent slots join, a slot may end at 24:00 ---------------------------


def test_adjacent_slots_cover_an_appointment_across_their_border():
    pool = make_pool()
    joined = make_mediator(pool)
    slots(joined, (T(8), T(12)), (T(12), T(16)))
    gap = make_mediator(pool)
    slots(gap, (T(8), T(12)), (T(12, 15), T(16)))
    booking = make_booking(pool, starts_at=at(hour=11, minute=30))

    assert sql_ids(booking) == planner_ids(booking) == {joined.pk}


def test_a_chain_of_three_slots_covers_a_long_appointment():
    pool = make_pool()
    chain = make_mediator(pool)
    slots(chain, (T(8), T(10)), (T(10), T(11)), (T(11), T(13)))
    booking = make_booking(pool, starts_at=at(hour=9), minutes=180)

    assert sql_ids(booking) == planner_ids(booking) == {chain.pk}


def test_a_slot_ending_at_midnight_covers_an_appointment_until_midnight():
    pool = make_pool()
    evening = make_mediator(pool)
    slots(evening, (T(18), T(0)))
    until_23_59 = make_mediator(pool)
    slots(until_23_59, (T(18), T(23, 59)))
    booking = make_booking(pool, starts_at=at(hour=22, minute=30), minutes=90)

    assert sql_ids(booking) == planner_ids(booking) == {evening.pk}


def test_a_slot_until_midnight_joins_the_slot_before_it():
    pool = make_pool()
    mediator = make_mediator(pool)
    slots(mediator, (T(16), T(20)), (T(20), T(0)))
    booking = make_booking(pool, starts_at=at(hour=19), minutes=300)

    assert sql_ids(booking) == planner_ids(booking) == {mediator.pk}


# --- the mediator's own "unavailable" -------------------------------------------------------


def test_a_mediator_marked_unavailable_is_not_a_candidate_until_the_day_after():
    pool = make_pool()
    open_ended = make_mediator(pool, self_unavailable=True)
    until_the_day = make_mediator(pool, self_unavailable=True, self_unavailable_until=DAY)
    until_yesterday = make_mediator(
        pool, self_unavailable=True, self_unavailable_until=DAY - datetime.timedelta(days=1)
    )
    available = make_mediator(pool)
    booking = make_booking(pool)

    assert sql_ids(booking) == planner_ids(booking) == {until_yesterday.pk, available.pk}
    assert {open_ended.pk, until_the_day.pk}.isdisjoint(sql_ids(booking))


# --- conflicts of interest: the case at its institution, one compared form ----------------


def test_a_conflict_excludes_the_case_at_its_institution_only():
    pool = make_pool()
    school, youth_office = InstitutionFactory(pool=pool), InstitutionFactory(pool=pool)
    knows_family = make_mediator(pool)
    ConflictOfInterest.objects.create(
        mediator=knows_family, institution=school, case_reference="FALL-7"
    )
    at_school = make_booking(institution=school, case_reference="fall-7")
    same_string_elsewhere = make_booking(
        institution=youth_office, case_reference="FALL-7", starts_at=at(hour=14)
    )

    assert sql_ids(at_school) == planner_ids(at_school) == set()
    assert sql_ids(same_string_elsewhere) == planner_ids(same_string_elsewhere) == {knows_family.pk}


@pytest.mark.parametrize(
    "declared, booked",
    [
        ("СПРАВА-12", "справа-12"),  # Cyrillic: SQLite's iexact folds ASCII only
        ("STRASSE-1", "straße-1"),  # casefold: ß is ss
        ("Ａｋｔｅ 7", "akte  7"),  # NFKC (full-width) and white space
        ("İSTANBUL-3", "i̇stanbul-3"),
    ],
)
def test_conflicting_references_compare_in_one_normalised_form(declared, booked):
    pool = make_pool()
    institution = InstitutionFactory(pool=pool)
    knows_family = make_mediator(pool)
    conflict = ConflictOfInterest.objects.create(
        mediator=knows_family, institution=institution, case_reference=declared
    )
    booking = make_booking(institution=institution, case_reference=booked)
    facts_mediator = MediatorFacts(
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
        slots=(Slot(TUESDAY, T(6), T(22)),),
        conflict_case_references=frozenset({(institution.pk, declared)}),
    )
    facts_request = RequestFacts(
        booking_id=booking.pk,
        pool_id=1,
        institution_id=institution.pk,
        language_id=1,
        dialect_id=None,
        appointment=Appointment(booking.starts_at, booking.ends_at, "on_site", *VIERSEN),
        case_reference=booked,
    )

    assert conflict.reference_key
    assert hard_violations(facts_mediator, facts_request) == (HardRule.CONFLICT_OF_INTEREST,)
    assert sql_ids(booking) == planner_ids(booking) == set()


# --- a property: the three implementations agree on joined slots and 24:00 ----------------


class _Rollback(Exception):
    pass


def _minute_time(minute):
    return T(0) if minute == 24 * 60 else T(minute // 60, minute % 60)


@st.composite
def slots_and_window(draw):
    """Non-overlapping slots of one weekday on a 30-minute grid (some touching, some ending
    at 24:00) and an appointment window inside the day."""
    cuts = sorted(draw(st.sets(st.integers(0, 48), min_size=2, max_size=10)))
    spans = [
        (lo * 30, hi * 30)
        for lo, hi in zip(cuts, cuts[1:], strict=False)
        if draw(st.booleans())  # keep this piece (pieces touch where both are kept)
    ]
    start = draw(st.integers(0, 47)) * 30
    end = draw(st.integers(start // 30 + 1, min(48, start // 30 + 16))) * 30  # at most 8 h
    return spans, start, end


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(case=slots_and_window())
def test_sql_planner_and_checks_agree_on_joined_slots_and_midnight(case):
    spans, start, end = case
    slots_ = tuple(Slot(TUESDAY, _minute_time(lo), _minute_time(hi)) for lo, hi in spans)
    starts_at = at(hour=0) + datetime.timedelta(minutes=start)
    expected = any(lo <= start and end <= hi for lo, hi in _joined(spans))
    try:
        with transaction.atomic():
            pool = make_pool()
            mediator = make_mediator(pool, slots=())
            for slot in slots_:
                AvailabilitySlot.objects.create(
                    mediator=mediator,
                    weekday=slot.weekday,
                    start_time=slot.start,
                    end_time=slot.end,
                )
            booking = make_booking(pool, starts_at=starts_at, minutes=end - start)
            covered = {mediator.pk} if expected else set()
            assert slots_cover(slots_, booking.starts_at, booking.ends_at) == expected
            assert sql_ids(booking) == covered
            assert planner_ids(booking) == covered
            raise _Rollback
    except _Rollback:
        pass


def _joined(spans):
    joined = []
    for lo, hi in sorted(spans):
        if joined and lo <= joined[-1][1]:
            joined[-1] = (joined[-1][0], max(joined[-1][1], hi))
        else:
            joined.append((lo, hi))
    return joined
