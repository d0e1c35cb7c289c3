"""Statistics selectors: every figure comes from a database aggregation.

Definitions (the dashboard, the API and the exports share them):

- a booking counts in the period when its appointment starts in it (local days, inclusive);
- ``requests``: every booking of the period, whatever became of it;
- ``filled``: a mediator took it (confirmed, completed, closed, no-show, or cancelled after
  a mediator had confirmed); ``fill_rate`` = filled / requests;
- ``time to fill``: hours from the request to the confirmation, averaged over filled bookings;
- ``unmet`` demand: nobody was found (status ``unfilled``, or cancelled without a mediator
  after having been unfilled): the recruiting signal per language;
- ``hours``: hours held by mediators (confirmed, completed, closed), using the reported
  actual duration where there is one, else the booked duration;
- ``expenses``: allowances on mediators' statements whose day lies in the period.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from django.db.models import (
    Count,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
)
from django.db.models.functions import Coalesce, TruncMonth
from django.utils import translation
from django.utils.translation import gettext as _

from institutions.constants import InstitutionKind
from institutions.models import Budget, Pool
from institutions.selectors import actor_role_of
from mediators.models import Mediator

from ..constants import HOLDING_STATUSES, ActorRole, Field, Status
from ..exceptions import DomainError
from ..models import Allowance, Booking, BookingEvent

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

BERLIN = ZoneInfo("Europe/Berlin")

FILLED = Q(status__in=[*HOLDING_STATUSES, Status.NO_SHOW]) | Q(
    status=Status.CANCELLED, mediator__isnull=False
)
HELD = Q(status__in=HOLDING_STATUSES)
CANCELLED = Q(status=Status.CANCELLED)
LATE = Q(status=Status.CANCELLED, late_cancellation=True)
NO_SHOW = Q(status=Status.NO_SHOW)


@dataclass(frozen=True)
class StatsPeriod:
    """Local calendar days, both inclusive."""

    start: datetime.date
    end: datetime.date

    @property
    def starts_at(self) -> datetime.datetime:
        return datetime.datetime.combine(self.start, datetime.time(), tzinfo=BERLIN)

    @property
    def ends_before(self) -> datetime.datetime:
        day_after = self.end + datetime.timedelta(days=1)
        return datetime.datetime.combine(day_after, datetime.time(), tzinfo=BERLIN)

    @classmethod
    def default(cls, *, today: datetime.date) -> StatsPeriod:
        """The last twelve months up to today, starting on the first of a month."""
        month = today.month - 11
        year = today.year + (month - 1) // 12
        month = (month - 1) % 12 + 1
        return cls(start=datetime.date(year, month, 1), end=today)


def stats_pools_visible_to(user: AbstractBaseUser | AnonymousUser) -> QuerySet[Pool]:
    """Coordinators see their own pool's figures; superusers every pool; others none."""
    if getattr(user, "is_superuser", False):
        return Pool.objects.all()
    if actor_role_of(user) == ActorRole.COORDINATOR:
        return Pool.objects.filter(pk=user.coordinator.pool_id)  # type: ignore[union-attr]
    return Pool.objects.none()


MAX_PERIOD_DAYS = 366 * 10


def stats_scope(
    *,
    user: AbstractBaseUser | AnonymousUser,
    start: datetime.date | None,
    end: datetime.date | None,
    pool_id: int | None,
    today: datetime.date,
) -> tuple[StatsPeriod, QuerySet[Pool]]:
    """The period (default: the last twelve months) and the pools within the user's reach;
    ``DomainError`` (400) for an impossible period or a pool outside the user's reach."""
    default = StatsPeriod.default(today=today)
    start = start or default.start
    end = end or max(default.end, start)
    if start > end:
        raise DomainError(_("The end lies before the start."), field="to")
    if (end - start).days > MAX_PERIOD_DAYS:
        raise DomainError(_("Choose a period of at most ten years."), field="to")
    pools = stats_pools_visible_to(user)
    if pool_id is not None:
        pools = pools.filter(pk=pool_id)
        if not pools.exists():
            raise DomainError(_("Unknown pool."), field="pool")
    return StatsPeriod(start=start, end=end), pools


def _hours(minutes: int | float | None) -> float:
    return round((minutes or 0) / 60, 2)


def _rate(part: int, whole: int) -> float:
    return round(part / whole, 4) if whole else 0.0


def _minutes_expr() -> Coalesce:
    return Coalesce("report__actual_minutes", "duration_minutes")


def _counts() -> dict[str, Any]:
    """Aggregates shared by every breakdown."""
    return {
        "requests": Count("id"),
        "filled": Count("id", filter=FILLED),
        "minutes": Sum(_minutes_expr(), filter=HELD),
    }


def _breakdown_row(row: dict[str, Any], key: Any, label: str) -> dict[str, Any]:
    return {
        "key": key,
        "label": label,
        "requests": row["requests"],
        "filled": row["filled"],
        "fill_rate": _rate(row["filled"], row["requests"]),
        "hours": _hours(row["minutes"]),
    }


def _bookings(pool_ids: list[int], period: StatsPeriod) -> QuerySet[Booking]:
    return Booking.objects.filter(
        pool_id__in=pool_ids,
        starts_at__gte=period.starts_at,
        starts_at__lt=period.ends_before,
    ).order_by()


def _unmet() -> Q:
    was_unfilled = Exists(
        BookingEvent.objects.filter(booking_id=OuterRef("pk"), to_status=Status.UNFILLED)
    )
    return Q(status=Status.UNFILLED) | (Q(CANCELLED, mediator__isnull=True) & Q(was_unfilled))


def stats_totals(bookings: QuerySet[Booking]) -> dict[str, Any]:
    time_to_fill = ExpressionWrapper(
        F("confirmed_at") - F("created_at"), output_field=DurationField()
    )
    row = bookings.aggregate(
        **_counts(),
        unmet=Count("id", filter=_unmet()),
        cancelled=Count("id", filter=CANCELLED),
        late_cancellations=Count("id", filter=LATE),
        no_shows=Count("id", filter=NO_SHOW),
        fill_time=Sum(time_to_fill, filter=FILLED & Q(confirmed_at__isnull=False)),
        timed=Count("id", filter=FILLED & Q(confirmed_at__isnull=False)),
    )
    mean = row["fill_time"] / row["timed"] if row["timed"] and row["fill_time"] else None
    return {
        "requests": row["requests"],
        "filled": row["filled"],
        "fill_rate": _rate(row["filled"], row["requests"]),
        "unmet": row["unmet"],
        "cancelled": row["cancelled"],
        "late_cancellations": row["late_cancellations"],
        "no_shows": row["no_shows"],
        "hours": _hours(row["minutes"]),
        "time_to_fill_hours": round(mean.total_seconds() / 3600, 1) if mean else None,
    }


def stats_by_month(bookings: QuerySet[Booking]) -> list[dict[str, Any]]:
    time_to_fill = ExpressionWrapper(
        F("confirmed_at") - F("created_at"), output_field=DurationField()
    )
    rows = (
        bookings.annotate(month=TruncMonth("starts_at", tzinfo=BERLIN))
        .values("month")
        .annotate(
            **_counts(),
            fill_time=Sum(time_to_fill, filter=FILLED & Q(confirmed_at__isnull=False)),
            timed=Count("id", filter=FILLED & Q(confirmed_at__isnull=False)),
        )
        .order_by("month")
    )
    result = []
    for row in rows:
        mean = row["fill_time"] / row["timed"] if row["timed"] and row["fill_time"] else None
        month = row["month"].astimezone(BERLIN) if row["month"].tzinfo else row["month"]
        result.append(
            {
                **_breakdown_row(row, f"{month:%Y-%m}", f"{month:%m/%Y}"),
                "month": f"{month:%Y-%m}",
                "time_to_fill_hours": round(mean.total_seconds() / 3600, 1) if mean else None,
            }
        )
    return result


def stats_by_language(bookings: QuerySet[Booking], *, language_code: str) -> dict[str, list]:
    rows = (
        bookings.values("language__code", "language__name_de", "language__name_en")
        .annotate(**_counts(), unmet=Count("id", filter=_unmet()))
        .order_by("language__code")
    )
    by_language, unmet = [], []
    for row in rows:
        code = row["language__code"]
        name = (
            row["language__name_de"] if language_code.startswith("de") else row["language__name_en"]
        )
        entry = _breakdown_row(row, code, name)
        by_language.append({"language": code, "name": name, **entry})
        if row["unmet"]:
            unmet.append({"language": code, "name": name, "count": row["unmet"]})
    by_language.sort(key=lambda r: (-r["hours"], -r["requests"], r["language"]))
    unmet.sort(key=lambda r: (-r["count"], r["language"]))
    return {"by_language": by_language, "unmet_by_language": unmet}


def stats_by_choice(bookings: QuerySet[Booking], *, field: str, choices: Any) -> list[dict]:
    labels = dict(choices.choices)
    rows = bookings.values(field).annotate(**_counts()).order_by(field)
    result = [
        _breakdown_row(row, row[field], str(labels.get(row[field], row[field]))) for row in rows
    ]
    result.sort(key=lambda r: (-r["requests"], r["label"]))
    return result


def stats_by_town(bookings: QuerySet[Booking]) -> list[dict[str, Any]]:
    """The town of the place (on site), else of the institution."""
    rows = (
        bookings.annotate(town=Coalesce("location__town__name", "institution__town__name"))
        .values("town")
        .annotate(**_counts())
        .order_by("town")
    )
    result = [_breakdown_row(row, row["town"], row["town"]) for row in rows]
    result.sort(key=lambda r: (-r["requests"], r["label"]))
    return result


def stats_cancellations(bookings: QuerySet[Booking]) -> list[dict[str, Any]]:
    labels = dict(ActorRole.choices)
    rows = (
        bookings.filter(CANCELLED)
        .values("cancelled_by_role")
        .annotate(count=Count("id"), late=Count("id", filter=LATE))
        .order_by("cancelled_by_role")
    )
    return [
        {
            "role": row["cancelled_by_role"],
            "label": str(labels.get(row["cancelled_by_role"], row["cancelled_by_role"] or "–")),
            "count": row["count"],
            "late": row["late"],
        }
        for row in rows
    ]


def stats_expenses(pool_ids: list[int], period: StatsPeriod) -> dict[str, Any]:
    allowances = Allowance.objects.filter(
        booking__pool_id__in=pool_ids, day__gte=period.start, day__lte=period.end
    ).order_by()
    rows = (
        allowances.annotate(month=TruncMonth("day"))
        .values("month")
        .annotate(amount=Sum("amount_cents"), count=Count("id"))
        .order_by("month")
    )
    by_month = [
        {"month": f"{row['month']:%Y-%m}", "amount_cents": row["amount"], "count": row["count"]}
        for row in rows
    ]
    return {
        "total_cents": sum(row["amount_cents"] for row in by_month),
        "by_month": by_month,
    }


def stats_mediator_activity(pool_ids: list[int], bookings: QuerySet[Booking]) -> dict[str, Any]:
    held = bookings.filter(HELD, mediator__isnull=False)
    rows = (
        held.values("mediator_id", "mediator__user__first_name", "mediator__user__last_name")
        .annotate(bookings=Count("id"), minutes=Sum(_minutes_expr()))
        .order_by("-minutes", "mediator_id")
    )
    mediators = [
        {
            "id": row["mediator_id"],
            "name": " ".join(
                filter(None, [row["mediator__user__first_name"], row["mediator__user__last_name"]])
            ),
            "bookings": row["bookings"],
            "hours": _hours(row["minutes"]),
        }
        for row in rows
    ]
    active = Mediator.objects.filter(pool_id__in=pool_ids, active=True).count()
    return {
        "active_mediators": active,
        "with_assignments": len(mediators),
        "mediators": mediators,
    }


def stats_budgets(pool_ids: list[int], period: StatsPeriod) -> list[dict[str, Any]]:
    """Each budget of the period's years against the hours requested from it (one query)."""
    from ..services.budgets import COUNTED_STATUSES

    used = (
        Booking.objects.filter(
            institution_id=OuterRef("institution_id"),
            funding_source_id=OuterRef("funding_source_id"),
            starts_at__year=OuterRef("year"),
            status__in=COUNTED_STATUSES,
        )
        .order_by()
        .values("funding_source_id")
        .annotate(minutes=Sum("duration_minutes"))
        .values("minutes")
    )
    rows = (
        Budget.objects.filter(
            institution__pool_id__in=pool_ids,
            year__gte=period.start.year,
            year__lte=period.end.year,
        )
        .annotate(used_minutes=Subquery(used))
        .values("year", "hours", "used_minutes", "institution__name", "funding_source__name")
        .order_by("year", "institution__name", "funding_source__name")
    )
    return [
        {
            "institution": row["institution__name"],
            "funding_source": row["funding_source__name"],
            "year": row["year"],
            "hours": float(row["hours"]),
            "used_hours": _hours(row["used_minutes"]),
            "use_rate": _rate(_hours(row["used_minutes"]), float(row["hours"])),
        }
        for row in rows
    ]


def stats_summary(
    *, pools: QuerySet[Pool], period: StatsPeriod, language_code: str = "de"
) -> dict[str, Any]:
    """Every figure of the dashboard for the given pools and period; names and labels in
    ``language_code``."""
    with translation.override(language_code):
        return _summary(pools=pools, period=period, language_code=language_code)


def _summary(*, pools: QuerySet[Pool], period: StatsPeriod, language_code: str) -> dict[str, Any]:
    pool_ids = list(pools.values_list("pk", flat=True))
    bookings = _bookings(pool_ids, period)
    totals = stats_totals(bookings)
    languages = stats_by_language(bookings, language_code=language_code)
    return {
        "from": period.start.isoformat(),
        "to": period.end.isoformat(),
        "pools": pool_ids,
        **totals,
        "unmet_by_language": languages["unmet_by_language"],
        "hours_by_language": languages["by_language"],
        "by_field": stats_by_choice(bookings, field="field", choices=Field),
        "by_town": stats_by_town(bookings),
        "by_institution_kind": stats_by_choice(
            bookings, field="institution__kind", choices=InstitutionKind
        ),
        "by_month": stats_by_month(bookings),
        "cancellations": stats_cancellations(bookings),
        "expenses": stats_expenses(pool_ids, period),
        "mediator_activity": stats_mediator_activity(pool_ids, bookings),
        "budgets": stats_budgets(pool_ids, period),
    }
