"""The candidate index: every (request, mediator) pair that passes the hard constraints of
the pair alone and the mediator's held bookings, computed per language with numpy.

The vectorised filters implement the rules of the matching engine's
``checks.hard_violations`` (a property test compares the two on generated pools) but the
pool and being active, which the problem's loader decides (``IMPLEMENTS``,
``LEFT_TO_THE_LOADER``): language and dialect, vetting, police certificate on the day,
declined topic, gender, travel range (the exact ``rules.road_km`` near the limit), what is
left of the weekly and monthly hours, the weekly slots (adjacent ones joined,
``rules.joined_spans``) covering the request's local window (``rules.required_slot_window``).
Rare per-mediator lists (absences, blocks, conflicts of interest, being unavailable by their
own choice) and held bookings are checked in Python for the few mediators that have them.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass

import numpy as np

from bookings.matching import rules
from bookings.matching.hard_rules import HardRule

from .feasibility import HeldIndex, month_left, request_km, week_left
from .problem import Mediator, Problem, Request

NOT_A_MINUTE = 10**6

# The hard rules the index decides for each (request, mediator) pair. Overlap and hour
# limits are decided here against what the mediator holds; against the plan's own other
# choices ``feasibility.Usage`` (first fit, greedy) and the CP-SAT model (``cpsat``) keep them.
IMPLEMENTS = frozenset(
    {
        HardRule.SELF_UNAVAILABLE,  # _special_ok
        HardRule.LANGUAGE,  # a group per language (usable levels: the loader); mask: dialect
        HardRule.NOT_VETTED,  # _Group.mask: vetted
        HardRule.POLICE_CERTIFICATE,  # _Group.mask: police
        HardRule.TOPIC_DECLINED,  # _Group.mask: topic
        HardRule.AVAILABILITY,  # _Group.mask: slot_day, slot_lo, slot_hi
        HardRule.ABSENCE,  # _special_ok: rules.absent_during
        HardRule.OVERLAP,  # HeldIndex.clashes, held and stood by (travel time included)
        HardRule.TRAVEL_RANGE,  # _road_km_many, feasibility.request_km near the limit
        HardRule.HOUR_LIMIT,  # _Group.mask: feasibility.week_left, month_left
        HardRule.GENDER,  # _Group.mask: gender
        HardRule.BLOCKED,  # _special_ok
        HardRule.CONFLICT_OF_INTEREST,  # _special_ok
    }
)
# The hard rules the index does not decide, and who does. A ``Problem`` has no pools and no
# inactive mediators: ``selectors.problem_for_pool`` loads only the active mediators of the
# pool and of the pools sharing theirs (``matching.eligibility.pools_served_by_mediators_of``),
# and ``feasibility.violations`` takes every mediator of the problem as active and of the
# pool. Applying a plan assigns through ``booking_assign``, which checks every rule again in
# the database (``matching.facts.is_eligible``).
LEFT_TO_THE_LOADER: dict[HardRule, str] = {
    HardRule.POOL: (
        "problem_for_pool loads only mediators serving the pool, and those of pools single "
        "bookings were widened to with only_requests (_special_ok)"
    ),
    HardRule.INACTIVE: "problem_for_pool loads only active mediators",
}


@dataclass(slots=True)
class Candidate:
    mediator: Mediator
    km: float


def _seconds(span: datetime.timedelta) -> float:
    return span.total_seconds()


class _Group:
    """The mediators speaking one language, as arrays."""

    def __init__(self, mediators: list[Mediator]) -> None:
        self.mediators = mediators
        self.lat = np.radians([m.latitude if m.latitude is not None else np.nan for m in mediators])
        self.lon = np.radians(
            [m.longitude if m.longitude is not None else np.nan for m in mediators]
        )
        self.reach = np.array([m.max_travel_km for m in mediators], dtype=float)
        self.vetted = np.array([m.vetted for m in mediators], dtype=bool)
        self.police = np.array(
            [
                m.police_certificate_valid_until.toordinal()
                if m.police_certificate_valid_until
                else -1
                for m in mediators
            ]
        )
        self.gender = np.array([m.gender for m in mediators])
        self.special = np.array(
            [
                bool(
                    m.absences
                    or m.blocked_institutions
                    or m.conflict_cases
                    or m.self_unavailable
                    or m.only_requests is not None
                )
                for m in mediators
            ]
        )
        # The weekly slots as spans in seconds since local midnight, adjacent ones joined
        # (an end of 00:00 is 24:00).
        spans = [
            [(day, lo, hi) for day in range(7) for lo, hi in rules.joined_spans(m.slots, day)]
            for m in mediators
        ]
        most = max((len(row) for row in spans), default=0) or 1
        self.slot_day = np.full((len(mediators), most), -1)
        self.slot_lo = np.full((len(mediators), most), float(NOT_A_MINUTE))
        self.slot_hi = np.full((len(mediators), most), -1.0)
        for i, row in enumerate(spans):
            for j, (day, lo, hi) in enumerate(row):
                self.slot_day[i, j] = day
                self.slot_lo[i, j] = _seconds(lo)
                self.slot_hi[i, j] = _seconds(hi)
        # One-off availability (rare): checked per mediator who has any.
        self.dated = [(i, m.dated_slots) for i, m in enumerate(mediators) if m.dated_slots]
        self._cache: dict[tuple, np.ndarray] = {}

    def cached(self, key: tuple, make) -> np.ndarray:  # type: ignore[no-untyped-def]
        if key not in self._cache:
            self._cache[key] = make()
        return self._cache[key]

    def mask(self, r: Request) -> np.ndarray:
        ms = self.mediators
        ok = self.vetted.copy()
        if r.dialect is not None:
            ok &= self.cached(
                ("dialect", r.language, r.dialect),
                lambda: np.array([(r.language, r.dialect) in m.languages for m in ms]),
            )
        if r.with_children:
            ok &= self.police >= r.day.toordinal()
        if r.topic:
            ok &= self.cached(
                ("topic", r.topic), lambda: np.array([r.topic not in m.declined_topics for m in ms])
            )
        if r.gender_preference:
            ok &= self.gender == r.gender_preference
        ok &= self.cached(
            ("week", r.week), lambda: np.array([week_left(m, r.week) for m in ms])
        ) >= (r.duration_minutes)
        ok &= self.cached(
            ("month", r.month), lambda: np.array([month_left(m, r.month) for m in ms])
        ) >= (r.duration_minutes)
        window = r.window
        if window is None:
            return np.zeros(len(ms), dtype=bool)
        lo, hi = (_seconds(t) for t in rules.window_span(window))
        covered = (
            (self.slot_day == window.weekday) & (self.slot_lo <= lo) & (hi <= self.slot_hi)
        ).any(axis=1)
        for i, dated in self.dated:
            if not covered[i]:
                covered[i] = any(
                    _seconds(start) <= lo and hi <= _seconds(end)
                    for start, end in rules.dated_spans(dated, window.day)
                )
        return ok & covered


def _road_km_many(lat: np.ndarray, lon: np.ndarray, lat0: float, lon0: float) -> np.ndarray:
    p0, l0 = np.radians(lat0), np.radians(lon0)
    a = np.sin((lat - p0) / 2) ** 2 + np.cos(p0) * np.cos(lat) * np.sin((lon - l0) / 2) ** 2
    with np.errstate(invalid="ignore"):
        km = 2 * rules.EARTH_RADIUS_KM * np.arcsin(np.minimum(1.0, np.sqrt(a))) * rules.ROAD_FACTOR
    return np.where(np.isnan(km), np.inf, km)


def _special_ok(m: Mediator, r: Request) -> bool:
    if m.only_requests is not None and r.id not in m.only_requests:
        return False  # a helping pool's mediator: only the bookings widened to that pool
    if r.institution_id in m.blocked_institutions:
        return False
    if m.conflicts_with(r.institution_id, r.case_key):
        return False
    if m.self_unavailable_on(r.day):
        return False
    return not rules.absent_during(m.absences, r.starts_at, r.ends_at)


class Index:
    """Every (request, mediator) pair that passes the constraints of the pair alone,
    including the mediator's held bookings."""

    def __init__(self, problem: Problem) -> None:
        self.problem = problem
        self.mediators = {m.id: m for m in problem.mediators}
        by_language: dict[str, list[Mediator]] = defaultdict(list)
        for m in problem.mediators:
            for code in {code for code, _ in m.languages}:
                by_language[code].append(m)
        groups = {code: _Group(ms) for code, ms in by_language.items()}
        held = {
            m.id: HeldIndex([*m.held, *m.standing_by])
            for m in problem.mediators
            if m.held or m.standing_by
        }
        self.candidates: dict[int, list[Candidate]] = {}
        for r in problem.requests:
            group = groups.get(r.language)
            found: list[Candidate] = []
            if group is not None:
                ok = group.mask(r)
                km = np.zeros(len(group.mediators))
                if r.on_site:
                    if r.latitude is None:
                        ok[:] = False
                    else:
                        km = _road_km_many(group.lat, group.lon, r.latitude, r.longitude)  # type: ignore[arg-type]
                        ok &= km <= group.reach + 0.01
                for i in np.nonzero(ok)[0]:
                    m = group.mediators[i]
                    d = float(km[i])
                    if r.on_site and d > m.max_travel_km - 0.01:
                        d = request_km(m, r)  # the exact rule near the limit
                        if d > m.max_travel_km:
                            continue
                    if group.special[i] and not _special_ok(m, r):
                        continue
                    if m.id in held and held[m.id].clashes(r):
                        continue
                    found.append(Candidate(m, d))
            self.candidates[r.id] = found

    def pairs(self) -> int:
        return sum(len(c) for c in self.candidates.values())
