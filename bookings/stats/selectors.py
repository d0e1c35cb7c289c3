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
- ``expenses``: allowances on mediators' statements whose day lies in the period; per
  funding source, by the funding source of the allowance's booking.

Every breakdown row (month, language, field of action, town, kind of institution, funding
source) carries ``requests``, ``filled``, ``fill_rate``, ``hours`` and ``unmet``.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db.models import (
    Case,
    Count,
    DateTimeField,
    OuterRef,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import TruncMonth
from django.utils import translation
from django.utils.translation import gettext as _

from core.constants import ActorRole
from core.dates import require_day_in_range
from core.exceptions import DomainError
from core.time import local_datetime
from institutions.constants import InstitutionKind
from institutions.models import Budget, FundingSource, Pool, Town
from institutions.selectors import coordinator_of
from mediators.models import Language, Mediator

from ..constants import Field
from ..models import Allowance, Booking
from ..selectors.budgets import COUNTED_STATUSES
from .aggregate import breakdowns, month_starts, statistics_transaction

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

__all__ = ["StatsPeriod", "stats_pools_visible_to", "stats_scope", "stats_summary"]


@dataclass(frozen=True)
class StatsPeriod:
    """Local calendar days, both inclusive."""

    start: datetime.date
    end: datetime.date

    @property
    def starts_at(self) -> datetime.datetime:
        return local_datetime(self.start)

    @property
    def ends_before(self) -> datetime.datetime:
        day_after = self.end + datetime.timedelta(days=1)
        return local_datetime(day_after)

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
    if (coordinator := coordinator_of(user)) is not None:
        return Pool.objects.filter(pk=coordinator.pool_id)
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
    if start is not None:
        require_day_in_range(start, field="from")
    if end is not None:
        require_day_in_range(end, field="to")
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


def _rate(part: float, whole: float) -> float:
    return round(part / whole, 4) if whole else 0.0


def _breakdown_row(row: dict[str, Any], label: str) -> dict[str, Any]:
    return {
        "key": row["key"],
        "label": label,
        "requests": row["requests"],
        "filled": row["filled"],
        "fill_rate": _rate(row["filled"], row["requests"]),
        "hours": _hours(row["minutes"]),
        "unmet": row["unfilled"] + row["gave_up"],
    }


def _mean_hours(row: dict[str, Any]) -> float | None:
    return round(row["fill_time"] / row["timed"] / 3600, 1) if row["timed"] else None


def _bookings(pool_ids: list[int], period: StatsPeriod) -> QuerySet[Booking]:
    return Booking.objects.filter(
        pool_id__in=pool_ids,
        starts_at__gte=period.starts_at,
        starts_at__lt=period.ends_before,
    ).order_by()


def stats_totals(total: dict[str, Any]) -> dict[str, Any]:
    return {
        "requests": total["requests"],
        "filled": total["filled"],
        "fill_rate": _rate(total["filled"], total["requests"]),
        "unmet": total["unfilled"] + total["gave_up"],
        "cancelled": total["cancelled"],
        "late_cancellations": total["late"],
        "no_shows": total["no_show"],
        "hours": _hours(total["minutes"]),
        "time_to_fill_hours": _mean_hours(total),
    }


def stats_by_month(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {
            **_breakdown_row(row, f"{row['key'][5:7]}/{row['key'][:4]}"),
            "month": row["key"],
            "time_to_fill_hours": _mean_hours(row),
        }
        for row in sorted(rows, key=lambda r: r["key"])
    ]


def stats_by_language(rows: list[dict[str, Any]], *, language_code: str) -> dict[str, list]:
    """Bookings and hours per language, and the unmet demand: unfilled, or cancelled without a
    mediator after having been unfilled (a coordinator gave up on them)."""
    languages = {
        str(language.pk): language
        for language in Language.objects.filter(pk__in=[int(row["key"]) for row in rows])
    }
    by_language, unmet = [], []
    for row in rows:
        language = languages[row["key"]]
        code, name = language.code, language.name_for(language_code)
        by_language.append({"language": code, "name": name, **_breakdown_row(row, name)})
        by_language[-1]["key"] = code
        count = row["unfilled"] + row["gave_up"]
        if count:
            unmet.append({"language": code, "name": name, "count": count})
    by_language.sort(key=lambda r: (-r["hours"], -r["requests"], r["language"]))
    unmet.sort(key=lambda r: (-r["count"], r["language"]))
    return {"by_language": by_language, "unmet_by_language": unmet}


def stats_by_town(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """By the town of the institution."""
    names = dict(
        Town.objects.filter(pk__in=[int(row["key"]) for row in rows]).values_list("pk", "name")
    )
    result = [
        {**_breakdown_row(row, names[int(row["key"])]), "key": names[int(row["key"])]}
        for row in rows
    ]
    result.sort(key=lambda r: (-r["requests"], r["label"]))
    return result


def stats_by_choice(rows: list[dict[str, Any]], *, choices: Any) -> list[dict[str, Any]]:
    labels = dict(choices.choices) if choices is not None else {}
    result = [_breakdown_row(row, str(labels.get(row["key"], row["key"]))) for row in rows]
    result.sort(key=lambda r: (-r["requests"], r["label"]))
    return result


def stats_cancellations(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    labels = dict(ActorRole.choices)
    return sorted(
        (
            {
                "role": row["key"],
                "label": str(labels.get(row["key"], row["key"] or "–")),
                "count": row["requests"],
                "late": row["late"],
            }
            for row in rows
        ),
        key=lambda r: r["role"],
    )


def stats_expenses(pool_ids: list[int], period: StatsPeriod) -> dict[str, Any]:
    """The allowances of the period by month and by the funding source of their booking
    (``0``: none), from one grouped query."""
    # An allowance's day is its booking's local day (``allowance_write``): the bookings'
    # range names the same allowances and lets PostgreSQL start from the period's bookings
    # (pool, starts_at index) instead of joining every booking of the pools (a state's
    # year: 200,000 instead of 1,000,000 rows).
    allowances = Allowance.objects.filter(
        booking__pool_id__in=pool_ids,
        booking__starts_at__gte=period.starts_at,
        booking__starts_at__lt=period.ends_before,
        day__gte=period.start,
        day__lte=period.end,
    ).order_by()
    rows = (
        allowances.annotate(month=TruncMonth("day"))
        .values("month", "booking__funding_source_id")
        .annotate(amount=Sum("amount_cents"), count=Count("id"))
        .order_by("month")
    )
    months: dict[str, dict[str, Any]] = {}
    by_funding: dict[int, dict[str, int]] = {}
    for row in rows:
        month = months.setdefault(
            f"{row['month']:%Y-%m}",
            {"month": f"{row['month']:%Y-%m}", "amount_cents": 0, "count": 0},
        )
        funding = by_funding.setdefault(
            row["booking__funding_source_id"] or 0, {"amount_cents": 0, "count": 0}
        )
        for target in (month, funding):
            target["amount_cents"] += row["amount"]
            target["count"] += row["count"]
    by_month = list(months.values())
    return {
        "total_cents": sum(row["amount_cents"] for row in by_month),
        "by_month": by_month,
        "by_funding_source": by_funding,
    }


def stats_by_funding_source(
    rows: list[dict[str, Any]], expenses: dict[int, dict[str, int]]
) -> list[dict[str, Any]]:
    """Bookings, hours, unmet demand and expenses per funding source; ``key`` 0 and the label
    "No funding source" for bookings without one."""
    keys = {int(row["key"]) for row in rows} | set(expenses)
    names = dict(FundingSource.objects.filter(pk__in=keys).values_list("pk", "name"))
    names[0] = _("No funding source")
    empty = {name: 0 for name in ("requests", "filled", "minutes", "unfilled", "gave_up")}
    by_key = {int(row["key"]): row for row in rows}
    result = []
    for key in keys:
        row = _breakdown_row({**empty, **by_key.get(key, {}), "key": key}, names[key])
        spent = expenses.get(key, {"amount_cents": 0, "count": 0})
        row["expenses_cents"] = spent["amount_cents"]
        row["expenses_eur"] = spent["amount_cents"] / 100
        row["allowances"] = spent["count"]
        result.append(row)
    result.sort(key=lambda r: (r["key"] == 0, -r["requests"], r["label"]))
    return result


def _mediator_names(mediators: QuerySet[Mediator]) -> dict[int, str]:
    return {
        pk: " ".join(filter(None, [first, last]))
        for pk, first, last in mediators.order_by().values_list(
            "pk", "user__first_name", "user__last_name"
        )
    }


def stats_mediator_activity(pool_ids: list[int], rows: list[dict[str, Any]]) -> dict[str, Any]:
    ids = [int(row["key"]) for row in rows]
    # The pools' own mediators by pool (a join, not a list of thousands of ids to plan: 60 ms
    # for a state's 5,000), then those of other pools who served (sharing, widening).
    names = _mediator_names(Mediator.objects.filter(pool_id__in=pool_ids))
    missing = [pk for pk in ids if pk not in names]
    if missing:
        names.update(_mediator_names(Mediator.objects.filter(pk__in=missing)))
    mediators = sorted(
        (
            {
                "id": int(row["key"]),
                "name": names.get(int(row["key"]), ""),
                "bookings": row["requests"],
                "hours": _hours(row["minutes"]),
            }
            for row in rows
        ),
        key=lambda r: (-r["hours"], r["id"]),
    )
    active = Mediator.objects.filter(pool_id__in=pool_ids, active=True).count()
    return {"active_mediators": active, "with_assignments": len(mediators), "mediators": mediators}


def stats_budgets(pool_ids: list[int], period: StatsPeriod) -> list[dict[str, Any]]:
    """Each budget of the period's years against the hours requested from it (one query)."""
    years = range(period.start.year, period.end.year + 1)

    def local_new_year(offset: int) -> Case:
        """Each budget's year as its local start (offset 0) or end (1), so that the
        subquery reads one year's range of the budget index, not every year's bookings."""
        return Case(
            *(
                When(year=year, then=Value(local_datetime(datetime.date(year + offset, 1, 1))))
                for year in years
            ),
            output_field=DateTimeField(),
        )

    used = (
        Booking.objects.filter(
            institution_id=OuterRef("institution_id"),
            funding_source_id=OuterRef("funding_source_id"),
            starts_at__gte=OuterRef("year_starts"),
            starts_at__lt=OuterRef("year_ends"),
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
        .annotate(year_starts=local_new_year(0), year_ends=local_new_year(1))
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
    with translation.override(language_code), statistics_transaction():
        return _summary(pools=pools, period=period, language_code=language_code)


def _summary(*, pools: QuerySet[Pool], period: StatsPeriod, language_code: str) -> dict[str, Any]:
    pool_ids = list(pools.values_list("pk", flat=True))
    bookings = _bookings(pool_ids, period)
    groups = breakdowns(bookings, months=month_starts(period.start, period.end))
    total = groups["total"][0]
    languages = stats_by_language(groups["language"], language_code=language_code)
    expenses = stats_expenses(pool_ids, period)
    return {
        "from": period.start.isoformat(),
        "to": period.end.isoformat(),
        "pools": pool_ids,
        **stats_totals(total),
        "unmet_by_language": languages["unmet_by_language"],
        "hours_by_language": languages["by_language"],
        "by_field": stats_by_choice(groups["field"], choices=Field),
        "by_town": stats_by_town(groups["town"]),
        "by_institution_kind": stats_by_choice(groups["institution_kind"], choices=InstitutionKind),
        "by_month": stats_by_month(groups["month"]),
        "cancellations": stats_cancellations(groups["cancelled_by"]),
        "by_funding_source": stats_by_funding_source(
            groups["funding_source"], expenses.pop("by_funding_source")
        ),
        "expenses": expenses,
        "mediator_activity": stats_mediator_activity(pool_ids, groups["mediator"]),
        "budgets": stats_budgets(pool_ids, period),
    }
