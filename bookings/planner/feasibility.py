"""The hard constraints of a plan, through the matching engine's pure rules.

The fast path the engines use: ``index.Index`` decides each (request, mediator) pair on its
own (vectorised), ``HeldIndex`` finds clashes with held bookings near a time, ``Usage``
tracks what a plan adds (clashes, minutes per local week and month).
Distances, travel times, clashes, slot windows and absences come from
``bookings.matching.rules``; hour limits are counted per local ISO week and month of the
start day, as ``rules.within_hour_limits`` counts them.

``violations`` checks a finished plan from scratch with the matching engine's own
``checks.hard_violations``, each planned booking against everything else its mediator holds
or is given by the plan: the proofs and the planner's final check rely on it.
"""

from __future__ import annotations

import bisect
import datetime
from collections import defaultdict
from dataclasses import dataclass

from bookings.matching import rules
from bookings.matching.checks import MediatorFacts, RequestFacts, hard_violations
from bookings.matching.hard_rules import HardRule
from bookings.matching.rules import Appointment, clashes, road_km, window_covered
from mediators.constants import LanguageLevel

from .problem import Assignment, Held, Mediator, Problem, Request

LONGEST_MINUTES = 8 * 60
# Travel time between two places never exceeds this within a pool (300 km range at most,
# so two places of one mediator lie at most 600 km apart).
MAX_GAP_MINUTES = rules.travel_minutes(600)

clash = clashes
"""Two appointments one mediator cannot both hold (overlap, or too little travel time)."""


def covered_by_availability(mediator: Mediator, request: Request) -> bool:
    """The weekly slots (adjacent ones joined) cover the whole appointment in local time
    (Europe/Berlin)."""
    window = request.window
    return window is not None and window_covered(mediator.slots, window, mediator.dated_slots)


def request_km(mediator: Mediator, request: Request) -> float:
    """Road distance home -> place; 0 for phone and video."""
    if not request.on_site or request.latitude is None or mediator.latitude is None:
        return 0.0
    return road_km(mediator.latitude, mediator.longitude, request.latitude, request.longitude)  # type: ignore[arg-type]


def week_left(mediator: Mediator, week: tuple[int, int]) -> int:
    """Minutes the mediator may still take in a local ISO week, after what they hold."""
    return mediator.max_minutes_per_week - mediator.held_minutes_week.get(week, 0)


def month_left(mediator: Mediator, month: tuple[int, int]) -> int:
    return mediator.max_minutes_per_month - mediator.held_minutes_month.get(month, 0)


class HeldIndex:
    """A mediator's held (and stood-by) bookings sorted by start, for clash look-ups near
    one time."""

    def __init__(self, held: list[Held]) -> None:
        self.items = sorted(held, key=lambda h: h.starts_at)
        self.starts = [h.starts_at for h in self.items]

    def clashes(self, request: Request) -> bool:
        reach = datetime.timedelta(minutes=LONGEST_MINUTES + MAX_GAP_MINUTES)
        lo = bisect.bisect_left(self.starts, request.starts_at - reach)
        hi = bisect.bisect_right(self.starts, request.ends_at + reach)
        # A request's own standby (a booking given back) does not clash with the request.
        return any(
            clash(h, request)  # type: ignore[arg-type]
            for h in self.items[lo:hi]
            if h.booking_id is None or h.booking_id != request.id
        )


@dataclass(slots=True)
class Usage:
    """What a plan adds to each mediator: minutes per week/month and the appointments."""

    week: defaultdict[tuple[int, tuple[int, int]], int]
    month: defaultdict[tuple[int, tuple[int, int]], int]
    booked: defaultdict[int, list[Request]]

    @classmethod
    def empty(cls) -> Usage:
        return cls(defaultdict(int), defaultdict(int), defaultdict(list))

    def fits(self, mediator: Mediator, request: Request) -> bool:
        """Hour limits and clashes with what this plan already gave the mediator."""
        if self.week[mediator.id, request.week] + request.duration_minutes > week_left(
            mediator, request.week
        ):
            return False
        if self.month[mediator.id, request.month] + request.duration_minutes > month_left(
            mediator, request.month
        ):
            return False
        return not any(clash(other, request) for other in self.booked[mediator.id])  # type: ignore[arg-type]

    def add(self, mediator: Mediator, request: Request) -> None:
        self.week[mediator.id, request.week] += request.duration_minutes
        self.month[mediator.id, request.month] += request.duration_minutes
        self.booked[mediator.id].append(request)


# --- The independent check ------------------------------------------------------------------


def appointment_of(item: Request | Held) -> Appointment:
    return Appointment(
        starts_at=item.starts_at,
        ends_at=item.ends_at,
        mode=rules.ON_SITE if item.on_site else "phone",
        latitude=item.latitude,
        longitude=item.longitude,
        booking_id=item.booking_id,
    )


def _ids(values: set[str]) -> dict[str, int]:
    return {v: i for i, v in enumerate(sorted(values), start=1)}


class Facts:
    """The matching engine's snapshots (``checks.MediatorFacts``/``RequestFacts``) of a
    problem's mediators and requests; language codes are mapped to ids."""

    def __init__(self, problem: Problem) -> None:
        self.languages = _ids({r.language for r in problem.requests})
        self.dialects = _ids({r.dialect for r in problem.requests if r.dialect})

    def mediator(
        self, m: Mediator, given: list[Request] | tuple[Request, ...] = ()
    ) -> MediatorFacts:
        """The mediator holding their held bookings plus ``given``."""
        return MediatorFacts(
            mediator_id=m.id,
            pool_id=1,
            active=True,
            vetted=m.vetted,
            gender=m.gender,
            languages=frozenset(
                (
                    self.languages.get(code, -1),
                    self.dialects.get(d, -1) if d else None,
                    LanguageLevel.FLUENT,
                )
                for code, d in m.languages
            ),
            home=(m.latitude, m.longitude) if m.latitude is not None else None,  # type: ignore[arg-type]
            max_travel_km=m.max_travel_km,
            max_hours_per_week=m.max_minutes_per_week / 60,
            max_hours_per_month=m.max_minutes_per_month / 60,
            police_certificate_valid_until=m.police_certificate_valid_until,
            declined_topics=m.declined_topics,
            slots=m.slots,
            dated_slots=m.dated_slots,
            absences=m.absences,
            blocked_institution_ids=m.blocked_institutions,
            conflict_case_references=m.conflict_cases,
            self_unavailable=m.self_unavailable,
            self_unavailable_until=m.self_unavailable_until,
            held=tuple(appointment_of(h) for h in m.held) + tuple(appointment_of(r) for r in given),
            standing_by=tuple(appointment_of(h) for h in m.standing_by),
        )

    def request(self, r: Request) -> RequestFacts:
        return RequestFacts(
            booking_id=r.id,
            pool_id=1,
            institution_id=r.institution_id,
            language_id=self.languages[r.language],
            dialect_id=self.dialects[r.dialect] if r.dialect else None,
            appointment=appointment_of(r),
            with_children=r.with_children,
            topic=r.topic,
            gender_preference=r.gender_preference,
            case_reference=r.case_reference,
        )


def violations(problem: Problem, assignment: Assignment) -> list[str]:
    """Every hard rule the plan breaks, by ``checks.hard_violations`` (empty: valid)."""
    mediators = {m.id: m for m in problem.mediators}
    requests = {r.id: r for r in problem.requests}
    facts = Facts(problem)
    planned: dict[int, list[Request]] = defaultdict(list)
    found: list[str] = []
    for r_id, m_id in assignment.items():
        if r_id not in requests or m_id not in mediators:
            found.append(f"unknown pair {r_id} -> {m_id}")
        else:
            planned[m_id].append(requests[r_id])
    for m_id, given in planned.items():
        holder = facts.mediator(mediators[m_id], given)
        for r in given:
            broken = hard_violations(holder, facts.request(r))
            only = mediators[m_id].only_requests
            if only is not None and r.id not in only:
                broken = (*broken, HardRule.POOL.value)
            if broken:
                found.append(f"request {r.id} -> mediator {m_id}: {', '.join(broken)}")
    return found
