"""The explainable ranking: soft criteria weighted by the pool's settings.

Each criterion gives a value between 0 and 1 and a reason a coordinator can read; the score
is the weighted mean times 100. Declining offers never lowers a score: fair spread looks at
the hours served and at how long ago someone last served, reliability only at late
cancellations and no-shows.
"""

from __future__ import annotations

import datetime
from collections import Counter
from dataclasses import dataclass
from typing import Any

from django.core.cache import cache
from django.db.models import Sum
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from institutions.models import Pool
from mediators.models import Mediator

from ..constants import HOLDING_STATUSES, Field
from ..models import Booking, BookingEvent
from . import rules
from .eligibility import (
    FAIRNESS_DAYS,
    RELIABILITY_DAYS,
    MediatorRow,
    Request,
    pools_served_by_mediators_of,
)

RECENCY_CAP_DAYS = 60
# Made once: each ngettext_lazy call builds a new lazy class (about 0.1 ms a candidate).
LAST_INTERPRETED = ngettext_lazy(
    "Last interpreted %(days)d day ago", "Last interpreted %(days)d days ago", "days"
)
UNRELIABLE = _("%(late)d late cancellation(s) and %(no_shows)d no-show(s) in the last 180 days")


@dataclass(frozen=True, slots=True)
class Reason:
    """One human-readable reason, rendered in the language active when it is shown."""

    code: str
    message: Promise
    params: tuple[tuple[str, Any], ...] = ()

    def __str__(self) -> str:
        params = {k: (str(v) if isinstance(v, Promise) else v) for k, v in self.params}
        return str(self.message % params) if params else str(self.message)


def reason(code: str, message: Promise, **params: Any) -> Reason:
    return Reason(code=code, message=message, params=tuple(sorted(params.items())))


@dataclass(slots=True)
class Explanation:
    """The figures behind a score, turned into reasons only when someone reads them."""

    on_site: bool
    km: float | None
    minutes: int
    continuity: str  # "follow_up", "same_case" or ""
    hours: float
    mean_hours: float
    days_since: int | None
    prefers_town: bool
    field_label: str
    late: int
    no_shows: int
    same_series: bool = False

    def reasons(self) -> list[Reason]:
        found: list[Reason] = []
        if self.same_series:
            found.append(reason("series", _("Serves other dates of this series: asked first")))
        if self.continuity == "follow_up":
            found.append(reason("continuity", _("Interpreted the appointment this one follows up")))
        elif self.continuity == "same_case":
            found.append(
                reason("continuity", _("Knows this case: interpreted for it at this institution"))
            )
        if self.on_site:
            found.append(
                reason("travel", _("%(km).1f km from home, about %(minutes)d min travel"),
                       km=self.km, minutes=self.minutes)
            )  # fmt: skip
        else:
            found.append(reason("travel", _("Phone or video: no travel")))
        found.append(
            reason("fairness", _("%(hours).1f h in the last 30 days (pool average %(mean).1f h)"),
                   hours=self.hours, mean=self.mean_hours)
        )  # fmt: skip
        if self.days_since is None:
            found.append(reason("recency", _("Has not interpreted yet")))
        else:
            found.append(reason("recency", LAST_INTERPRETED, days=self.days_since))
        if self.prefers_town:
            found.append(reason("preference_town", _("Prefers appointments in this town")))
        if self.field_label:
            found.append(
                reason("preference_field", _("Prefers the field %(field)s"), field=self.field_label)
            )
        if not self.late and not self.no_shows:
            found.append(reason("reliability", _("No late cancellations or no-shows recently")))
        else:
            found.append(
                reason(
                    "reliability",
                    UNRELIABLE,
                    late=self.late,
                    no_shows=self.no_shows,
                )
            )
        return found


@dataclass(slots=True)
class Candidate:
    """An eligible mediator with a score (0–100) and the reasons for it."""

    row: MediatorRow
    score: float
    components: dict[str, float]
    explanation: Explanation
    loaded: Mediator | None = None

    @property
    def mediator_id(self) -> int:
        return self.row.pk

    @property
    def name(self) -> str:
        return self.row.name

    @property
    def travel_km(self) -> float | None:
        return round(self.explanation.km, 1) if self.explanation.km is not None else None

    @property
    def travel_minutes(self) -> int:
        return self.explanation.minutes

    @property
    def mediator(self) -> Mediator:
        """The model instance (loaded on first use; ``load_mediators`` loads many at once)."""
        if self.loaded is None:
            self.loaded = Mediator.objects.select_related("user").get(pk=self.row.pk)
        return self.loaded

    @property
    def reasons(self) -> list[Reason]:
        return self.explanation.reasons()

    @property
    def reason_texts(self) -> list[str]:
        return [str(r) for r in self.reasons]


def load_mediators(candidates: list[Candidate]) -> list[Candidate]:
    """Load the mediators of the given candidates in one query."""
    missing = [c.row.pk for c in candidates if c.loaded is None]
    if missing:
        found = Mediator.objects.select_related("user").in_bulk(missing)
        for c in candidates:
            if c.loaded is None:
                c.loaded = found[c.row.pk]
    return candidates


@dataclass(frozen=True, slots=True)
class PoolFigures:
    """What the fair-spread criterion compares against, and recent late cancellations."""

    mean_recent_minutes: float
    late_cancellations: Counter[int]


POOL_MEAN_CACHE_SECONDS = 600


def pool_mean_recent_minutes(pool_id: int, *, now: datetime.datetime) -> float:
    """Held minutes of the pool's bookings in the last 30 days over its active mediators.

    It moves slowly and costs a scan of a month of bookings, so it is cached for ten
    minutes (per pool and ten-minute slice of ``now``)."""
    bucket = int(now.timestamp()) // POOL_MEAN_CACHE_SECONDS
    key = f"matching:pool-mean:{pool_id}:{bucket}"
    cached = cache.get(key)
    if cached is not None:
        return float(cached)
    since = now - datetime.timedelta(days=FAIRNESS_DAYS)
    served = pools_served_by_mediators_of(pool_id)
    mediators = Mediator.objects.filter(served, active=True).count()
    minutes = Booking.objects.filter(
        served,  # the pools' bookings: Booking.pool_id like Mediator.pool_id
        status__in=HOLDING_STATUSES,
        starts_at__gte=since,
        starts_at__lt=now,
    ).aggregate(m=Sum("duration_minutes"))["m"]
    mean = (minutes or 0) / mediators if mediators else 0.0
    cache.set(key, mean, POOL_MEAN_CACHE_SECONDS)
    return mean


def pool_figures(booking: Booking, *, now: datetime.datetime) -> PoolFigures:
    """At most three small queries, whatever the size of the pool."""
    mean = pool_mean_recent_minutes(booking.pool_id, now=now)
    late_ids = BookingEvent.objects.filter(
        booking__pool_id=booking.pool_id,
        created_at__gte=now - datetime.timedelta(days=RELIABILITY_DAYS),
        data__mediator_cancelled=True,
        data__late=True,
    ).values_list("data__mediator_id", flat=True)
    return PoolFigures(
        mean_recent_minutes=mean, late_cancellations=Counter(int(i) for i in late_ids if i)
    )


def rank(
    booking: Booking,
    request: Request,
    mediators: list[MediatorRow],
    *,
    pool: Pool,
    figures: PoolFigures,
    now: datetime.datetime,
) -> list[Candidate]:
    """Score and order eligible mediators: best first; ties by travel, then id. For a date
    of a series, the mediators who hold other dates of it come first whatever their score
    (a series prefers one mediator), best of them first."""
    weights = {
        "travel": max(0.0, pool.weight_travel),
        "continuity": max(0.0, pool.weight_continuity),
        "fairness": max(0.0, pool.weight_fairness),
        "preferences": max(0.0, pool.weight_preferences),
        "reliability": max(0.0, pool.weight_reliability),
    }
    total_weight = sum(weights.values()) or 1.0
    appointment = request.appointment
    mean_hours = figures.mean_recent_minutes / 60
    field_label = Field(booking.field).label if booking.field in Field.values else booking.field
    ranked: list[Candidate] = []
    for m in mediators:
        km: float | None = None
        minutes = 0
        travel = 1.0
        if appointment.on_site:
            km = rules.road_km(m.home_lat, m.home_lon, appointment.latitude, appointment.longitude)  # type: ignore[arg-type]
            minutes = rules.travel_minutes(km)
            travel = 1.0 / (1.0 + km / 10.0)
        continuity_kind = "follow_up" if m.follow_up else ("same_case" if m.same_case else "")
        hours = m.recent_minutes / 60
        hours_part = min(1.0, max(0.0, 0.5 + 0.5 * (mean_hours - hours) / max(mean_hours, 1.0)))
        days = None if m.last_served_at is None else max(0, (now - m.last_served_at).days)
        recency = 1.0 if days is None else min(days, RECENCY_CAP_DAYS) / RECENCY_CAP_DAYS
        prefers_field = bool(booking.field and booking.field in (m.preferred_fields or []))
        late = figures.late_cancellations.get(m.pk, 0)
        components = {
            "travel": travel,
            "continuity": 1.0 if continuity_kind else 0.0,
            "fairness": 0.5 * hours_part + 0.5 * recency,
            "preferences": 0.5 * m.prefers_town + 0.5 * prefers_field,
            "reliability": 1.0 / (1.0 + late + 2 * m.no_shows),
        }
        score = 100 * sum(weights[k] * v for k, v in components.items()) / total_weight
        explanation = Explanation(
            on_site=appointment.on_site, km=km, minutes=minutes, continuity=continuity_kind,
            hours=hours, mean_hours=mean_hours, days_since=days, prefers_town=m.prefers_town,
            field_label=str(field_label) if prefers_field else "", late=late,
            no_shows=m.no_shows, same_series=m.same_series,
        )  # fmt: skip
        ranked.append(Candidate(m, round(score, 1), components, explanation))
    ranked.sort(key=lambda c: (not c.row.same_series, -c.score, c.explanation.km or 0.0, c.row.pk))
    return ranked
