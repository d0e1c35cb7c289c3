"""Every hard constraint of matching over plain snapshots, without the database.

``hard_violations(mediator, request)`` names each rule a mediator breaks for a request; an
empty tuple means eligible. The batch planner and the property tests use it; the selector
``candidates_for`` evaluates the same rules in SQL.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from core.time import local_date
from mediators.constants import USABLE_LEVEL

from . import rules
from .rules import Absence, Appointment, Slot


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
    absences: tuple[Absence, ...] = ()
    blocked_institution_ids: frozenset[int] = frozenset()
    conflict_case_references: frozenset[str] = frozenset()
    # Bookings the mediator holds (confirmed, completed, closed).
    held: tuple[Appointment, ...] = field(default=())
    # Pools whose bookings this mediator may take (own pool and pools sharing with it).
    serves_pool_ids: frozenset[int] = frozenset()


def normalise_case_reference(value: str) -> str:
    return value.strip().casefold()


def speaks(mediator: MediatorFacts, request: RequestFacts) -> bool:
    return any(
        language_id == request.language_id
        and level >= USABLE_LEVEL
        and (request.dialect_id is None or dialect_id == request.dialect_id)
        for language_id, dialect_id, level in mediator.languages
    )


def hard_violations(mediator: MediatorFacts, request: RequestFacts) -> tuple[str, ...]:
    """The names of the hard rules the mediator breaks for the request (empty: eligible)."""
    broken: list[str] = []
    appointment = request.appointment
    pools = mediator.serves_pool_ids or frozenset({mediator.pool_id})
    if request.pool_id not in pools:
        broken.append("pool")
    if not speaks(mediator, request):
        broken.append("language")
    if not mediator.active:
        broken.append("inactive")
    if not mediator.vetted:
        broken.append("not_vetted")
    if request.with_children and not (
        mediator.police_certificate_valid_until
        and mediator.police_certificate_valid_until >= request.local_day
    ):
        broken.append("police_certificate")
    if request.topic and request.topic in mediator.declined_topics:
        broken.append("topic_declined")
    if request.gender_preference and mediator.gender != request.gender_preference:
        broken.append("gender")
    if request.institution_id in mediator.blocked_institution_ids:
        broken.append("blocked")
    if request.case_reference and normalise_case_reference(request.case_reference) in {
        normalise_case_reference(c) for c in mediator.conflict_case_references
    }:
        broken.append("conflict_of_interest")
    if not rules.slots_cover(mediator.slots, appointment.starts_at, appointment.ends_at):
        broken.append("availability")
    if rules.absent_during(mediator.absences, appointment.starts_at, appointment.ends_at):
        broken.append("absence")
    if rules.clashes_with_any(appointment, mediator.held):
        broken.append("overlap")
    if not rules.within_travel_range(
        home=mediator.home, appointment=appointment, max_travel_km=mediator.max_travel_km
    ):
        broken.append("travel_range")
    if not rules.within_hour_limits(
        appointment,
        mediator.held,
        max_hours_per_week=mediator.max_hours_per_week,
        max_hours_per_month=mediator.max_hours_per_month,
    ):
        broken.append("hour_limit")
    return tuple(broken)
