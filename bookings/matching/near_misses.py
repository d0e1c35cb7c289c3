"""The near misses of a booking nobody can take: the mediators who speak its language, each
with the hard rules that exclude them, in plain words with the figures a coordinator needs
("absent until 18.12.2026", "outside the 20 km range (27 km)").

The rules are named by ``checks.hard_violations`` over snapshots (as ``facts.broken_rules``
does for one mediator), loaded for every speaker of the language at once: a fixed number of
queries, whatever the pool's size (``load_facts``). ``available_times`` reuses the same
snapshots to find other times at which someone meets every rule.
"""

from __future__ import annotations

import dataclasses
import datetime
from dataclasses import dataclass
from typing import Any

from django.db.models import Exists, OuterRef
from django.utils import formats
from django.utils.translation import gettext as _

from core.i18n import reader_language
from core.text import case_reference_key
from core.time import BERLIN, add_duration, local_date, time_label
from mediators.constants import USABLE_LEVEL, Gender
from mediators.models import (
    Absence,
    AvailabilityDate,
    AvailabilitySlot,
    ConflictOfInterest,
    InstitutionBlock,
    Mediator,
    MediatorLanguage,
)

from ..constants import HOLDING_STATUSES, STANDBY_HOLDING_STATUSES, Mode
from ..models import Booking, Standby, overlapping
from . import rules
from .checks import CHECKS, MediatorFacts, RequestFacts, hard_violations
from .eligibility import MAX_TRAVEL_GAP, _home_coordinates, pools_serving
from .facts import request_facts
from .hard_rules import CONSENT_WAIVABLE, HardRule

# A near miss shows this many of the rules that exclude them (the rest is counted).
SHOWN_REASONS = 2
NEAR_MISS_LIMIT = 10


@dataclass(frozen=True, slots=True)
class Reason:
    """One hard rule a mediator breaks, in the reader's language, with its figures."""

    rule: str
    text: str

    @property
    def waivable(self) -> bool:
        return self.rule in CONSENT_WAIVABLE


@dataclass(frozen=True, slots=True)
class NearMiss:
    mediator_id: int
    name: str
    pool_id: int
    km: float | None
    reasons: tuple[Reason, ...]

    @property
    def shown(self) -> tuple[Reason, ...]:
        return self.reasons[:SHOWN_REASONS]

    @property
    def more(self) -> int:
        return max(0, len(self.reasons) - SHOWN_REASONS)

    @property
    def rules(self) -> tuple[str, ...]:
        return tuple(r.rule for r in self.reasons)

    @property
    def may_be_asked(self) -> bool:
        """Every rule they break is one their consent may waive."""
        return bool(self.reasons) and all(r.waivable for r in self.reasons)


@dataclass(frozen=True, slots=True)
class Speaker:
    """A mediator who speaks the language, with their snapshot for the rules."""

    mediator: Mediator
    facts: MediatorFacts


def _day(value: datetime.date) -> str:
    return formats.date_format(value, "SHORT_DATE_FORMAT")


def _clock(value: datetime.datetime) -> str:
    return formats.time_format(value.astimezone(BERLIN), "TIME_FORMAT")


def _hours(minutes: int) -> str:
    return formats.number_format(minutes / 60, 1 if minutes % 60 else 0)


def load_facts(
    booking: Booking, *, between: tuple[datetime.datetime, datetime.datetime] | None = None
) -> list[Speaker]:
    """Every mediator of the pools serving the booking who speaks its language (at any level
    or dialect), with what the rules need of them around ``between`` (the booking's own time
    when not given): nine queries of plain rows, whatever the pool's size."""
    lo, hi = between or (booking.starts_at, booking.ends_at)
    lo = min(rules.iso_week_bounds(lo)[0], rules.month_bounds(lo)[0], lo - MAX_TRAVEL_GAP)
    hi = max(rules.iso_week_bounds(hi)[1], rules.month_bounds(hi)[1], hi + MAX_TRAVEL_GAP)
    first_day, last_day = local_date(lo), local_date(hi)
    key = case_reference_key(booking.case_reference)
    home_lat, home_lon = _home_coordinates()
    speaks = MediatorLanguage.objects.filter(
        mediator_id=OuterRef("pk"), language_id=booking.language_id
    )
    mediators = list(
        Mediator.objects.filter(pools_serving(booking))
        .filter(Exists(speaks), erased_at__isnull=True)
        .annotate(home_lat=home_lat, home_lon=home_lon)
        .select_related("user")
        .order_by("pk")
    )
    ids = [m.pk for m in mediators]
    rows: dict[str, dict[int, list[Any]]] = {
        name: {pk: [] for pk in ids}
        for name in (
            "languages",
            "slots",
            "dated",
            "absences",
            "blocks",
            "conflicts",
            "held",
            "standing",
        )  # fmt: skip
    }

    def collect(name: str, values: Any) -> None:
        for *value, mediator_id in values:
            rows[name][mediator_id].append(tuple(value))

    mine = {"mediator_id__in": ids}
    collect(
        "languages",
        MediatorLanguage.objects.filter(language_id=booking.language_id, **mine).values_list(
            "language_id", "dialect_id", "level", "mediator_id"
        ),
    )
    collect(
        "slots",
        AvailabilitySlot.objects.filter(**mine).values_list(
            "weekday", "start_time", "end_time", "mediator_id"
        ),
    )
    collect(
        "dated",
        AvailabilityDate.objects.filter(day__gte=first_day, day__lte=last_day, **mine).values_list(
            "day", "start_time", "end_time", "mediator_id"
        ),
    )
    collect(
        "absences",
        Absence.objects.filter(starts_on__lte=last_day, ends_on__gte=first_day, **mine).values_list(
            "starts_on", "ends_on", "mediator_id"
        ),
    )
    collect(
        "blocks",
        InstitutionBlock.objects.filter(institution_id=booking.institution_id, **mine).values_list(
            "institution_id", "mediator_id"
        ),
    )
    if key:
        collect(
            "conflicts",
            ConflictOfInterest.objects.active()
            .filter(reference_key=key, **mine)
            .values_list("institution_id", "case_reference", "mediator_id"),
        )
    collect(
        "held",
        Booking.objects.filter(overlapping(lo, hi), status__in=HOLDING_STATUSES, **mine)
        .exclude(pk=booking.pk)
        .values_list(*_APPOINTMENT_FIELDS, "mediator_id"),
    )
    collect(
        "standing",
        Standby.objects.filter(
            overlapping(lo, hi, via="booking__"),
            released_at__isnull=True,
            booking__status__in=STANDBY_HOLDING_STATUSES,
            **mine,
        )
        .exclude(booking_id=booking.pk)
        .values_list(*(f"booking__{f}" for f in _APPOINTMENT_FIELDS), "mediator_id"),
    )
    return [
        Speaker(mediator=m, facts=_facts(m, booking, {name: rows[name][m.pk] for name in rows}))
        for m in mediators
    ]


_APPOINTMENT_FIELDS = (
    "pk", "starts_at", "ends_at", "mode", "location__latitude", "location__longitude",
)  # fmt: skip


def _appointment(values: tuple[Any, ...]) -> rules.Appointment:
    pk, starts_at, ends_at, mode, lat, lon = values[:6]
    on_site = mode == Mode.ON_SITE
    return rules.Appointment(
        starts_at, ends_at, mode, lat if on_site else None, lon if on_site else None, booking_id=pk
    )


def _facts(m: Any, booking: Booking, rows: dict[str, list[Any]]) -> MediatorFacts:
    home = (m.home_lat, m.home_lon) if m.home_lat is not None and m.home_lon is not None else None
    return MediatorFacts(
        mediator_id=m.pk,
        pool_id=m.pool_id,
        active=m.active,
        vetted=m.is_vetted,
        gender=m.gender,
        languages=frozenset(rows["languages"]),
        home=home,
        max_travel_km=m.max_travel_km,
        max_hours_per_week=m.max_hours_per_week,
        max_hours_per_month=m.max_hours_per_month,
        police_certificate_valid_until=m.police_certificate_valid_until,
        declined_topics=frozenset(m.declined_topics or ()),
        slots=tuple(rules.Slot(*row) for row in rows["slots"]),
        dated_slots=tuple(rules.DateSlot(*row) for row in rows["dated"]),
        absences=tuple(rules.Absence(*row) for row in rows["absences"]),
        blocked_institution_ids=frozenset(row[0] for row in rows["blocks"]),
        conflict_case_references=frozenset(rows["conflicts"]),
        self_unavailable=m.self_unavailable,
        self_unavailable_until=m.self_unavailable_until,
        held=tuple(_appointment(row) for row in rows["held"]),
        standing_by=tuple(_appointment(row) for row in rows["standing"]),
        # Loaded from the pools serving the booking: the booking's pool is served.
        serves_pool_ids=frozenset({m.pool_id, booking.pool_id}),
    )


# -- the reasons, in plain words ---------------------------------------------------------------


def _language(m: Mediator, f: MediatorFacts, r: RequestFacts, booking: Booking) -> str:
    dialects = [d for lang, d, level in f.languages if level >= USABLE_LEVEL]
    if r.dialect_id is not None and dialects and booking.dialect is not None:
        return _("does not speak the dialect %(dialect)s") % {
            "dialect": booking.dialect.name_for(reader_language())
        }
    return _("speaks the language only at a basic level")


def _self_unavailable(m: Mediator, f: MediatorFacts, r: RequestFacts, booking: Booking) -> str:
    if f.self_unavailable_until is not None:
        return _("unavailable until %(date)s (own choice)") % {
            "date": _day(f.self_unavailable_until)
        }
    return _("unavailable for now (own choice)")


def _not_vetted(m: Mediator, f: MediatorFacts, r: RequestFacts, booking: Booking) -> str:
    if m.training_completed_on is None and m.pledge_signed_on is None:
        return _("training not completed, confidentiality pledge not signed")
    if m.training_completed_on is None:
        return _("training not completed")
    return _("confidentiality pledge not signed")


def _certificate(m: Mediator, f: MediatorFacts, r: RequestFacts, booking: Booking) -> str:
    valid_until = f.police_certificate_valid_until
    if valid_until is None:
        return _("no police certificate (needed with children)")
    return _("police certificate expired %(date)s") % {"date": _day(valid_until)}


def _availability(m: Mediator, f: MediatorFacts, r: RequestFacts, booking: Booking) -> str:
    window = rules.required_slot_window(r.appointment.starts_at, r.appointment.ends_at)
    if window is None:
        return _("the appointment runs over midnight")
    weekday = formats.date_format(r.appointment.starts_at.astimezone(BERLIN), "l")
    spans = rules.joined_spans(f.slots, window.weekday)
    dated = rules.dated_spans(f.dated_slots, window.day)
    if not spans and not dated:
        return _("not available on %(weekday)s") % {"weekday": weekday}
    if not spans:
        return _("available on %(date)s only %(hours)s") % {
            "date": _day(window.day),  # type: ignore[arg-type]
            "hours": _spans_label(dated),
        }
    reason = _("available on %(weekday)s only %(hours)s") % {
        "weekday": weekday,
        "hours": _spans_label(spans),
    }
    if dated:
        reason += "; " + _("on %(date)s also %(hours)s") % {
            "date": _day(window.day),  # type: ignore[arg-type]
            "hours": _spans_label(dated),
        }
    return reason


def _spans_label(spans: list[rules.Span]) -> str:
    return ", ".join(f"{_span_label(start)}–{_span_label(end, end=True)}" for start, end in spans)


def _span_label(value: datetime.timedelta, *, end: bool = False) -> str:
    minutes = int(value.total_seconds() // 60)
    if minutes >= 24 * 60:
        return "24:00"
    return time_label(datetime.time(minutes // 60, minutes % 60), end=end)


def _absence(m: Mediator, f: MediatorFacts, r: RequestFacts, booking: Booking) -> str:
    a = r.appointment
    days = rules.local_days(a.starts_at, a.ends_at)
    touching = [x for x in f.absences if x.starts_on <= days[-1] and days[0] <= x.ends_on]
    until = max(x.ends_on for x in touching)
    return _("absent until %(date)s") % {"date": _day(until)}


def _overlap(m: Mediator, f: MediatorFacts, r: RequestFacts, booking: Booking) -> str:
    a = r.appointment
    for standby, other in [(False, o) for o in f.held] + [(True, o) for o in f.standing_by]:
        if not rules.clashes(a, other) or other.booking_id == a.booking_id:
            continue
        travel = rules.travel_gap_minutes(a, other)
        figures = {
            "start": _clock(other.starts_at),
            "end": _clock(other.ends_at),
            "travel": travel,
        }
        if standby:
            return _("stands by for another appointment %(start)s–%(end)s") % figures
        if other.ends_at <= a.starts_at:
            figures["gap"] = int((a.starts_at - other.ends_at).total_seconds() // 60)
            return (
                _("another appointment ends %(gap)s minutes before; %(travel)s minutes travel")
                % figures
            )
        if a.ends_at <= other.starts_at:
            figures["gap"] = int((other.starts_at - a.ends_at).total_seconds() // 60)
            return (
                _("another appointment starts %(gap)s minutes after; %(travel)s minutes travel")
                % figures
            )
        return _("another appointment at the same time (%(start)s–%(end)s)") % figures
    return _("another appointment at the same time")


def _travel_range(m: Mediator, f: MediatorFacts, r: RequestFacts, booking: Booking) -> str:
    a = r.appointment
    if f.home is None:
        return _("home address unknown, the distance cannot be judged")
    if a.latitude is None or a.longitude is None:
        return _("the place has no coordinates, the distance cannot be judged")
    km = rules.road_km(f.home[0], f.home[1], a.latitude, a.longitude)
    return _("outside the %(range)s km range (%(km)s km)") % {
        "range": f.max_travel_km,
        "km": formats.number_format(round(km), 0),
    }


def _hour_limit(m: Mediator, f: MediatorFacts, r: RequestFacts, booking: Booking) -> str:
    a = r.appointment
    week = rules.minutes_in(f.held, rules.iso_week_bounds(a.starts_at)) + a.minutes
    if week > f.max_hours_per_week * 60:
        return _("weekly limit of %(limit)s h exceeded (%(hours)s h with this one)") % {
            "limit": f.max_hours_per_week,
            "hours": _hours(week),
        }
    month = rules.minutes_in(f.held, rules.month_bounds(a.starts_at)) + a.minutes
    return _("monthly limit of %(limit)s h exceeded (%(hours)s h with this one)") % {
        "limit": f.max_hours_per_month,
        "hours": _hours(month),
    }


def _gender(m: Mediator, f: MediatorFacts, r: RequestFacts, booking: Booking) -> str:
    wanted = Gender(r.gender_preference).label if r.gender_preference in Gender.values else ""
    return _("the institution asks for: %(gender)s") % {"gender": wanted}


def _topic(m: Mediator, f: MediatorFacts, r: RequestFacts, booking: Booking) -> str:
    return _("declines the topic %(topic)s") % {"topic": r.topic}


def _paused(m: Mediator, f: MediatorFacts, r: RequestFacts, booking: Booking) -> str:
    if m.paused_reason:
        return _("paused by the coordination office (%(reason)s)") % {"reason": m.paused_reason}
    return _("paused by the coordination office")


EXPLAIN = {
    HardRule.POOL: lambda m, f, r, b: _("not in a pool serving this booking"),
    HardRule.LANGUAGE: _language,
    HardRule.INACTIVE: _paused,
    HardRule.SELF_UNAVAILABLE: _self_unavailable,
    HardRule.NOT_VETTED: _not_vetted,
    HardRule.POLICE_CERTIFICATE: _certificate,
    HardRule.TOPIC_DECLINED: _topic,
    HardRule.GENDER: _gender,
    HardRule.BLOCKED: lambda m, f, r, b: _("blocked for this institution"),
    HardRule.CONFLICT_OF_INTEREST: lambda m, f, r, b: _("conflict of interest in this case"),
    HardRule.AVAILABILITY: _availability,
    HardRule.ABSENCE: _absence,
    HardRule.OVERLAP: _overlap,
    HardRule.TRAVEL_RANGE: _travel_range,
    HardRule.HOUR_LIMIT: _hour_limit,
}


def explain(
    rule: str, mediator: Mediator, facts: MediatorFacts, request: RequestFacts, booking: Booking
) -> Reason:
    """One broken rule in plain words with its figures, in the active language."""
    return Reason(rule=rule, text=str(EXPLAIN[HardRule(rule)](mediator, facts, request, booking)))


def _km(facts: MediatorFacts, request: RequestFacts) -> float | None:
    a = request.appointment
    if not a.on_site or facts.home is None or a.latitude is None or a.longitude is None:
        return None
    return rules.road_km(facts.home[0], facts.home[1], a.latitude, a.longitude)


def near_misses(booking: Booking, *, limit: int = NEAR_MISS_LIMIT) -> list[NearMiss]:
    """The mediators who speak the booking's language but break a hard rule for it, those
    who break the fewest first (those whose consent may waive them before the others), then
    the nearest; at most ``limit``. Each with every broken rule in plain words. Those who
    break none (eligible) are not near misses. A fixed number of queries."""
    request = request_facts(booking)
    misses: list[tuple[tuple[Any, ...], NearMiss]] = []
    for speaker in load_facts(booking):
        broken = hard_violations(speaker.facts, request)
        if not broken:
            continue
        km = _km(speaker.facts, request)
        reasons = tuple(
            explain(rule, speaker.mediator, speaker.facts, request, booking) for rule in broken
        )
        miss = NearMiss(
            mediator_id=speaker.mediator.pk,
            name=str(speaker.mediator),
            pool_id=speaker.mediator.pool_id,
            km=km,
            reasons=reasons,
        )
        order = (len(broken), not miss.may_be_asked, km if km is not None else 1e9, miss.name)
        misses.append((order, miss))
    misses.sort(key=lambda pair: pair[0])
    return [miss for _order, miss in misses[:limit]]


# -- other times -------------------------------------------------------------------------------

# Other times are searched on the booking's day and the following days, on working hours
# (local time), every half hour.
SEARCH_DAYS = 7
DAY_STARTS = datetime.time(8)
DAY_ENDS = datetime.time(18)
STEP_MINUTES = 30
SUGGESTIONS = 5
PER_DAY = 2


# The hard rules that do not depend on the appointment's time, and those that do (the
# weekly availability is checked apart, from the joined slots of the weekday).
TIMELESS_RULES = frozenset(
    {
        HardRule.POOL, HardRule.LANGUAGE, HardRule.INACTIVE, HardRule.NOT_VETTED,
        HardRule.TOPIC_DECLINED, HardRule.GENDER, HardRule.BLOCKED,
        HardRule.CONFLICT_OF_INTEREST, HardRule.TRAVEL_RANGE,
    }
)  # fmt: skip
TIMED_RULES = frozenset(HardRule) - TIMELESS_RULES - {HardRule.AVAILABILITY}


@dataclass(frozen=True, slots=True)
class OtherTime:
    starts_at: datetime.datetime
    available: int  # how many mediators meet every rule then


def available_times(
    booking: Booking,
    *,
    now: datetime.datetime,
    days: int = SEARCH_DAYS,
    limit: int = SUGGESTIONS,
) -> list[OtherTime]:
    """Other start times (same duration, place and mode) at which at least one mediator
    meets every hard rule: on the booking's local day and the ``days - 1`` following ones,
    between 08:00 and 18:00 local, every half hour, not before ``now``; the nearest to the
    booking's own time first, at most ``PER_DAY`` a day and ``limit`` in all. Ten queries."""
    first = local_date(booking.starts_at)
    duration = datetime.timedelta(minutes=booking.duration_minutes)
    starts: list[datetime.datetime] = []
    for offset in range(days):
        day = first + datetime.timedelta(days=offset)
        moment = datetime.datetime.combine(day, DAY_STARTS, tzinfo=BERLIN)
        last = datetime.datetime.combine(day, DAY_ENDS, tzinfo=BERLIN)
        while add_duration(moment, duration) <= last:
            if moment > now and moment != booking.starts_at:
                starts.append(moment)
            moment += datetime.timedelta(minutes=STEP_MINUTES)
    if not starts:
        return []
    own = booking.starts_at
    starts.sort(key=lambda s: (abs((s - own).total_seconds()), s))
    base = request_facts(booking)
    # The rules that do not depend on the time are checked once; those who break one of
    # them can take no other time either.
    timeless = [holds for rule, holds in CHECKS if rule in TIMELESS_RULES]
    timed = [holds for rule, holds in CHECKS if rule in TIMED_RULES]
    speakers = [
        s
        for s in load_facts(booking, between=(min(starts), max(starts) + duration))
        if all(holds(s.facts, base) for holds in timeless)
    ]
    spans: dict[tuple[int, datetime.date | None], list[rules.Span]] = {}
    found: list[OtherTime] = []
    per_day: dict[datetime.date, int] = {}
    for moment in starts if speakers else ():
        day = local_date(moment)
        if per_day.get(day, 0) >= PER_DAY:
            continue
        a = base.appointment
        shifted = rules.Appointment(
            moment, add_duration(moment, duration), a.mode, a.latitude, a.longitude,
            booking_id=a.booking_id,
        )  # fmt: skip
        window = rules.required_slot_window(shifted.starts_at, shifted.ends_at)
        if window is None:
            continue
        lo, hi = rules.window_span(window)
        request = dataclasses.replace(base, appointment=shifted)
        count = 0
        for i, s in enumerate(speakers):
            key = (i, window.day)
            if key not in spans:
                spans[key] = [
                    *rules.joined_spans(s.facts.slots, window.weekday),
                    *rules.dated_spans(s.facts.dated_slots, window.day),
                ]
            covered = any(start <= lo and hi <= end for start, end in spans[key])
            if covered and all(holds(s.facts, request) for holds in timed):
                count += 1
        if count:
            found.append(OtherTime(starts_at=moment.astimezone(datetime.UTC), available=count))
            per_day[day] = per_day.get(day, 0) + 1
            if len(found) >= limit:
                break
    return sorted(found, key=lambda t: t.starts_at)


__all__ = ["NearMiss", "OtherTime", "Reason", "available_times", "load_facts", "near_misses"]
