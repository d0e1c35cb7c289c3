"""Every hard constraint of matching over plain snapshots, without the database.

``hard_violations(mediator, request)`` names each rule a mediator breaks for a request
(``hard_rules.HardRule``); an empty tuple means eligible. ``CHECKS`` pairs each rule with
the check that holds when it is kept, so what this module implements (``IMPLEMENTS``) is
read from the code that runs. The batch planner and the property tests use it; the
selector ``candidates_for`` evaluates the same rules in SQL.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field

from core.text import case_reference_key
from core.time import local_date
from mediators.constants import USABLE_LEVEL

from . import rules
from .hard_rules import HardRule
from .rules import Absence, Appointment, DateSlot, Slot


@dataclass(frozen=True, slots=True)
class RequestFacts:
    booking_id: int | None
    pool_id: int
    institution_id: int
    language_id: int
    dialect_id: int | None
    appointment: Appointment
    with_children: bool = False
    topic: str = ""
    gender_preference: str = ""
    case_reference: str = ""

    @property
    def local_day(self) -> datetime.date:
        return local_date(self.appointment.starts_at)


@dataclass(frozen=True, slots=True)
class MediatorFacts:
    mediator_id: int
    pool_id: int
    active: bool
    vetted: bool
    gender: str
    # (language_id, dialect_id or None, level)
    languages: frozenset[tuple[int, int | None, int]]
    home: tuple[float, float] | None
    max_travel_km: float
    max_hours_per_week: float
    max_hours_per_month: float
    police_certificate_valid_until: datetime.date | None = None
    declined_topics: frozenset[str] = frozenset()
    slots: tuple[Slot, ...] = ()
    # One-off availability: dates with hours, in addition to the weekly slots.
    dated_slots: tuple[DateSlot, ...] = ()
    absences: tuple[Absence, ...] = ()
    blocked_institution_ids: frozenset[int] = frozenset()
    # (institution id, case reference); an institution of None: a record from before
    # institutions were kept, which matches the reference at every institution.
    conflict_case_references: frozenset[tuple[int | None, str]] = frozenset()
    # Marked unavailable by the mediator: until this local day (inclusive), None: open.
    self_unavailable: bool = False
    self_unavailable_until: datetime.date | None = None
    # Bookings the mediator holds (confirmed, completed, closed).
    held: tuple[Appointment, ...] = field(default=())
    # Bookings the mediator stands by for (an open standby): their time is held as well,
    # travel time included, but standing by does not count towards the hour limits.
    standing_by: tuple[Appointment, ...] = field(default=())
    # Pools whose bookings this mediator may take (own pool and pools sharing with it).
    serves_pool_ids: frozenset[int] = frozenset()


# The one compared form of a case reference (NFKC, case-folded, white space collapsed).
normalise_case_reference = case_reference_key


def serves_pool(mediator: MediatorFacts, request: RequestFacts) -> bool:
    return request.pool_id in (mediator.serves_pool_ids or frozenset({mediator.pool_id}))


def speaks(mediator: MediatorFacts, request: RequestFacts) -> bool:
    return any(
        language_id == request.language_id
        and level >= USABLE_LEVEL
        and (request.dialect_id is None or dialect_id == request.dialect_id)
        for language_id, dialect_id, level in mediator.languages
    )


def is_active(mediator: MediatorFacts, request: RequestFacts) -> bool:
    return mediator.active


def not_self_unavailable(mediator: MediatorFacts, request: RequestFacts) -> bool:
    if not mediator.self_unavailable:
        return True
    until = mediator.self_unavailable_until
    return until is not None and request.local_day > until


def is_vetted(mediator: MediatorFacts, request: RequestFacts) -> bool:
    return mediator.vetted


def certificate_valid(mediator: MediatorFacts, request: RequestFacts) -> bool:
    """A police certificate valid on the local day, for settings with children."""
    if not request.with_children:
        return True
    valid_until = mediator.police_certificate_valid_until
    return bool(valid_until and valid_until >= request.local_day)


def topic_accepted(mediator: MediatorFacts, request: RequestFacts) -> bool:
    return not (request.topic and request.topic in mediator.declined_topics)


def gender_matches(mediator: MediatorFacts, request: RequestFacts) -> bool:
    return not request.gender_preference or mediator.gender == request.gender_preference


def not_blocked(mediator: MediatorFacts, request: RequestFacts) -> bool:
    return request.institution_id not in mediator.blocked_institution_ids


def neutral(mediator: MediatorFacts, request: RequestFacts) -> bool:
    """No conflict of interest for the case: the reference at the booking's institution."""
    key = case_reference_key(request.case_reference)
    if not key:
        return True
    return not any(
        institution_id in (None, request.institution_id) and case_reference_key(reference) == key
        for institution_id, reference in mediator.conflict_case_references
    )


def available(mediator: MediatorFacts, request: RequestFacts) -> bool:
    appointment = request.appointment
    return rules.slots_cover(
        mediator.slots, appointment.starts_at, appointment.ends_at, mediator.dated_slots
    )


def not_absent(mediator: MediatorFacts, request: RequestFacts) -> bool:
    appointment = request.appointment
    return not rules.absent_during(mediator.absences, appointment.starts_at, appointment.ends_at)


def free(mediator: MediatorFacts, request: RequestFacts) -> bool:
    """No clash with a held or stood-by booking (overlap, or too little travel time between
    them)."""
    return not rules.clashes_with_any(request.appointment, (*mediator.held, *mediator.standing_by))


def within_travel_range(mediator: MediatorFacts, request: RequestFacts) -> bool:
    return rules.within_travel_range(
        home=mediator.home, appointment=request.appointment, max_travel_km=mediator.max_travel_km
    )


def within_hour_limits(mediator: MediatorFacts, request: RequestFacts) -> bool:
    return rules.within_hour_limits(
        request.appointment,
        mediator.held,
        max_hours_per_week=mediator.max_hours_per_week,
        max_hours_per_month=mediator.max_hours_per_month,
    )


# Each hard rule and the check that holds when it is kept, in the order they are reported.
CHECKS: tuple[tuple[HardRule, Callable[[MediatorFacts, RequestFacts], bool]], ...] = (
    (HardRule.POOL, serves_pool),
    (HardRule.LANGUAGE, speaks),
    (HardRule.INACTIVE, is_active),
    (HardRule.SELF_UNAVAILABLE, not_self_unavailable),
    (HardRule.NOT_VETTED, is_vetted),
    (HardRule.POLICE_CERTIFICATE, certificate_valid),
    (HardRule.TOPIC_DECLINED, topic_accepted),
    (HardRule.GENDER, gender_matches),
    (HardRule.BLOCKED, not_blocked),
    (HardRule.CONFLICT_OF_INTEREST, neutral),
    (HardRule.AVAILABILITY, available),
    (HardRule.ABSENCE, not_absent),
    (HardRule.OVERLAP, free),
    (HardRule.TRAVEL_RANGE, within_travel_range),
    (HardRule.HOUR_LIMIT, within_hour_limits),
)

# The hard rules this module implements: every one it checks.
IMPLEMENTS = frozenset(rule for rule, _check in CHECKS)


def hard_violations(mediator: MediatorFacts, request: RequestFacts) -> tuple[str, ...]:
    """The names of the hard rules the mediator breaks for the request (empty: eligible)."""
    return tuple(rule for rule, holds in CHECKS if not holds(mediator, request))
