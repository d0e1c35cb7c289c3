"""The explainable ranking: soft criteria weighted by the pool's settings.

Each criterion gives a value between 0 and 1 and a reason a coordinator can read; the score
is the weighted mean times 100. Declining offers never lowers a score: fair spread looks at
the hours served and at how long ago someone last served, reliability only at late
cancellations and no-shows.
"""

from __future__ import annotations

import datetime
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q, Sum
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from institutions.models import Pool
from mediators.models import Mediator

from ..constants import HOLDING_STATUSES, Field
from ..models import Booking, BookingEvent
from . import rules
from .eligibility import FAIRNESS_DAYS, RELIABILITY_DAYS, Request, pools_served_by_mediators_of

RECENCY_CAP_DAYS = 60


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
class Candidate:
    mediator: Mediator
    score: float
    reasons: list[Reason]
    components: dict[str, float] = field(default_factory=dict)
    travel_km: float | None = None
    travel_minutes: int = 0

    @property
    def reason_texts(self) -> list[str]:
        return [str(r) for r in self.reasons]


@dataclass(frozen=True, slots=True)
class PoolFigures:
    """What the fair-spread criterion compares against, and recent late cancellations."""

    mean_recent_minutes: float
    late_cancellations: Counter[int]


def pool_figures(booking: Booking, *, now: datetime.datetime) -> PoolFigures:
    """Two queries, whatever the size of the pool."""
    since = now - datetime.timedelta(days=FAIRNESS_DAYS)
    served = pools_served_by_mediators_of(booking.pool_id)
    figures = Mediator.objects.filter(served, active=True).aggregate(
        n=Count("pk", distinct=True),
        minutes=Sum(
            "bookings__duration_minutes",
            filter=Q(
                bookings__status__in=HOLDING_STATUSES,
                bookings__starts_at__gte=since,
                bookings__starts_at__lt=now,
            ),
        ),
    )
    mean = (figures["minutes"] or 0) / figures["n"] if figures["n"] else 0.0
    late_ids = BookingEvent.objects.filter(
        booking__pool_id=booking.pool_id,
        created_at__gte=now - datetime.timedelta(days=RELIABILITY_DAYS),
        data__mediator_cancelled=True,
        data__late=True,
    ).values_list("data__mediator_id", flat=True)
    return PoolFigures(
        mean_recent_minutes=mean, late_cancellations=Counter(int(i) for i in late_ids if i)
    )


def _travel(request: Request, m: Mediator) -> tuple[float, Reason, float | None, int]:
    appointment = request.appointment
    if not appointment.on_site:
        return 1.0, reason("travel", _("Phone or video: no travel")), None, 0
    km = rules.road_km(m.home_lat, m.home_lon, appointment.latitude, appointment.longitude)  # type: ignore[arg-type]
    minutes = rules.travel_minutes(km)
    return (
        1.0 / (1.0 + km / 10.0),
        reason(
            "travel",
            _("%(km).1f km from home, about %(minutes)d min travel"),
            km=km,
            minutes=minutes,
        ),
        km,
        minutes,
    )


def _continuity(m: Mediator) -> tuple[float, Reason | None]:
    if getattr(m, "follow_up", False):
        return 1.0, reason("continuity", _("Interpreted the appointment this one follows up"))
    if getattr(m, "same_case", False):
        return 1.0, reason(
            "continuity", _("Knows this case: interpreted for it at this institution")
        )
    return 0.0, None


def _fairness(
    m: Mediator, figures: PoolFigures, now: datetime.datetime
) -> tuple[float, list[Reason]]:
    hours = m.recent_minutes / 60
    mean = figures.mean_recent_minutes / 60
    hours_part = min(1.0, max(0.0, 0.5 + 0.5 * (mean - hours) / max(mean, 1.0)))
    reasons = [
        reason(
            "fairness",
            _("%(hours).1f h in the last 30 days (pool average %(mean).1f h)"),
            hours=hours,
            mean=mean,
        )
    ]
    if m.last_served_at is None:
        recency = 1.0
        reasons.append(reason("recency", _("Has not interpreted yet")))
    else:
        days = max(0, (now - m.last_served_at).days)
        recency = min(days, RECENCY_CAP_DAYS) / RECENCY_CAP_DAYS
        reasons.append(
            reason(
                "recency",
                ngettext_lazy(
                    "Last interpreted %(days)d day ago",
                    "Last interpreted %(days)d days ago",
                    "days",
                ),
                days=days,
            )
        )
    return 0.5 * hours_part + 0.5 * recency, reasons


def _preferences(booking: Booking, m: Mediator) -> tuple[float, list[Reason]]:
    value, reasons = 0.0, []
    if m.prefers_town:
        value += 0.5
        reasons.append(reason("preference_town", _("Prefers appointments in this town")))
    if booking.field and booking.field in (m.preferred_fields or []):
        value += 0.5
        label = Field(booking.field).label if booking.field in Field.values else booking.field
        reasons.append(reason("preference_field", _("Prefers the field %(field)s"), field=label))
    return value, reasons


def _reliability(m: Mediator, figures: PoolFigures) -> tuple[float, Reason]:
    late = figures.late_cancellations.get(m.pk, 0)
    no_shows = m.no_shows
    if not late and not no_shows:
        return 1.0, reason("reliability", _("No late cancellations or no-shows recently"))
    return 1.0 / (1.0 + late + 2 * no_shows), reason(
        "reliability",
        _("%(late)d late cancellation(s) and %(no_shows)d no-show(s) in the last 180 days"),
        late=late,
        no_shows=no_shows,
    )


def rank(
    booking: Booking,
    request: Request,
    mediators: list[Mediator],
    *,
    pool: Pool,
    figures: PoolFigures,
    now: datetime.datetime,
) -> list[Candidate]:
    """Score and order eligible mediators: best first; ties by travel, then id."""
    weights = {
        "travel": pool.weight_travel,
        "continuity": pool.weight_continuity,
        "fairness": pool.weight_fairness,
        "preferences": pool.weight_preferences,
        "reliability": pool.weight_reliability,
    }
    total_weight = sum(max(0.0, w) for w in weights.values()) or 1.0
    ranked: list[Candidate] = []
    for m in mediators:
        travel, travel_reason, km, minutes = _travel(request, m)
        continuity, continuity_reason = _continuity(m)
        fairness, fairness_reasons = _fairness(m, figures, now)
        preferences, preference_reasons = _preferences(booking, m)
        reliability, reliability_reason = _reliability(m, figures)
        components = {
            "travel": travel,
            "continuity": continuity,
            "fairness": fairness,
            "preferences": preferences,
            "reliability": reliability,
        }
        score = 100 * sum(max(0.0, weights[k]) * v for k, v in components.items()) / total_weight
        reasons = [r for r in (continuity_reason, travel_reason) if r]
        reasons += fairness_reasons + preference_reasons + [reliability_reason]
        ranked.append(
            Candidate(
                mediator=m,
                score=round(score, 1),
                reasons=reasons,
                components=components,
                travel_km=round(km, 1) if km is not None else None,
                travel_minutes=minutes,
            )
        )
    ranked.sort(
        key=lambda c: (
            -c.score,
            c.travel_km if c.travel_km is not None else 0.0,
            c.mediator.pk,
        )
    )
    return ranked
