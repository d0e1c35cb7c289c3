"""One pass over the period's bookings for every breakdown of the dashboard.

Each breakdown (month, language, field of action, town, kind of institution, mediator, who
cancelled, and the grand total) is a GROUP BY over the same rows. Ten separate ORM queries
would scan the bookings (and join the reports) ten times; instead the ORM builds the per-row
query once (``_rows``: flags and keys, all expressions written with Django's functions so the
SQL is right for PostgreSQL and SQLite) and a common table expression groups it by each key
in a single statement (``UNION ALL`` of one ``GROUP BY`` per key). Django has no API for
several GROUP BYs over one scan, hence the small SQL wrapper.
"""

from __future__ import annotations

import datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.db import connection, transaction
from django.db.models import (
    Case,
    DurationField,
    ExpressionWrapper,
    F,
    IntegerField,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.functions import Coalesce, TruncMonth

from ..constants import HOLDING_STATUSES, Status
from ..models import Booking

BERLIN = ZoneInfo("Europe/Berlin")

FILLED = Q(status__in=[*HOLDING_STATUSES, Status.NO_SHOW]) | Q(
    status=Status.CANCELLED, mediator__isnull=False
)
HELD = Q(status__in=HOLDING_STATUSES)
CANCELLED = Q(status=Status.CANCELLED)
TIMED = FILLED & Q(confirmed_at__isnull=False)

SUMS = ("filled", "minutes", "unfilled", "cancelled", "late", "no_show", "fill_time", "timed")
BREAKDOWN = ("filled", "minutes")

# Breakdown name → (the per-row key column it groups by, the figures it adds up). Each adds
# up only what the dashboard shows for it: every sum is one more pass over the rows.
DIMENSIONS: dict[str, tuple[str | None, tuple[str, ...]]] = {
    "total": (None, SUMS),
    "month": ("k_month", (*BREAKDOWN, "fill_time", "timed")),
    "language": ("k_language", (*BREAKDOWN, "unfilled")),
    "field": ("k_field", BREAKDOWN),
    "town": ("k_town", BREAKDOWN),
    "institution_kind": ("k_kind", BREAKDOWN),
    "mediator": ("k_mediator", ("minutes",)),
    "cancelled_by": ("k_cancelled_by", ("late",)),
}


def _flag(condition: Q) -> Case:
    return Case(When(condition, then=Value(1)), default=Value(0), output_field=IntegerField())


def _rows(bookings: QuerySet[Booking]) -> QuerySet:
    """One row per booking: the keys of every breakdown and the figures to add up."""
    return bookings.annotate(
        k_month=TruncMonth("starts_at", tzinfo=BERLIN),
        k_language=F("language_id"),
        k_field=F("field"),
        k_town=F("institution__town_id"),
        k_kind=F("institution__kind"),
        k_mediator=Case(When(HELD, then=F("mediator_id")), default=None),
        k_cancelled_by=Case(When(CANCELLED, then=F("cancelled_by_role")), default=None),
        filled=_flag(FILLED),
        minutes=Case(
            When(HELD, then=Coalesce("report__actual_minutes", "duration_minutes")),
            default=Value(0),
            output_field=IntegerField(),
        ),
        unfilled=_flag(Q(status=Status.UNFILLED)),
        cancelled=_flag(CANCELLED),
        late=_flag(CANCELLED & Q(late_cancellation=True)),
        no_show=_flag(Q(status=Status.NO_SHOW)),
        fill_time=Case(
            When(
                TIMED,
                then=ExpressionWrapper(
                    F("confirmed_at") - F("created_at"), output_field=DurationField()
                ),
            ),
            default=None,
            output_field=DurationField(),
        ),
        timed=_flag(TIMED),
    ).values(*[column for column, _sums in DIMENSIONS.values() if column], *SUMS)


def _seconds(value: Any) -> float:
    """SUM of durations: an interval on PostgreSQL, microseconds on SQLite."""
    if value is None:
        return 0.0
    if isinstance(value, datetime.timedelta):
        return value.total_seconds()
    return float(value) / 1_000_000


def _month_key(value: str) -> str:
    return value[:7]  # "2026-03-01 00:00:00" (either database, cast to text) → "2026-03"


def breakdowns(bookings: QuerySet[Booking]) -> dict[str, list[dict[str, Any]]]:
    """Every breakdown in one statement: ``{"month": [{"key": "2026-03", "requests": ...}]}``.

    Rows whose key is NULL (e.g. the mediator of a booking nobody holds) are left out, except
    for the grand total.
    """
    sql, params = _rows(bookings).query.sql_with_params()
    parts = []
    for name, (column, sums) in DIMENSIONS.items():
        key = f"CAST({column} AS TEXT)" if column else "NULL"
        # Every part has the same columns (UNION ALL): figures it does not add up are NULL.
        figures = ", ".join(f"SUM({s}) AS {s}" if s in sums else f"NULL AS {s}" for s in SUMS)
        where = f" WHERE {column} IS NOT NULL GROUP BY {column}" if column else ""
        parts.append(
            f"SELECT '{name}' AS dim, {key} AS k, COUNT(*) AS requests, {figures} FROM rows{where}"  # noqa: S608 - constant names only
        )
    statement = f"WITH rows AS ({sql}) " + " UNION ALL ".join(parts)  # noqa: S608 - no user input
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # The planner's cost estimate for this statement is high enough to switch on JIT
            # compilation, which costs far more (~1 s) than the query itself (~0.1 s).
            cursor.execute("SET LOCAL jit = off")
        cursor.execute(statement, params)
        columns = [c[0] for c in cursor.description]
        fetched = cursor.fetchall()
    result: dict[str, list[dict[str, Any]]] = {name: [] for name in DIMENSIONS}
    for values in fetched:
        row = dict(zip(columns, values, strict=True))
        if row["dim"] == "total" and not row["requests"]:
            row["k"] = None
        entry = {"key": row["k"], "requests": int(row["requests"] or 0)}
        for name in SUMS:
            entry[name] = int(row[name] or 0) if name != "fill_time" else _seconds(row[name])
        if row["dim"] == "month":
            entry["key"] = _month_key(entry["key"])
        result[row["dim"]].append(entry)
    return result
