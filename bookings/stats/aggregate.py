"""One pass over the period's bookings for every breakdown of the dashboard.

Each breakdown (month, language, field of action, town, kind of institution, funding source,
mediator, who cancelled, and the grand total) adds up the same rows by another key. The
statement does it in two levels:

1. The ORM builds the per-row query once (``_rows``: the keys and a small *outcome* number
   per booking, which says whether it was filled, held, cancelled late, given up, ...). Its
   rows are grouped in **one pass** by four key combinations: (outcome, language, month,
   field, who cancelled), (outcome, institution), (outcome, funding source) and (outcome,
   held mediator). On PostgreSQL that is one ``GROUP BY GROUPING SETS`` (four hash tables
   filled by a single scan); SQLite has no grouping sets and groups a materialised CTE
   three times instead. Each group carries
   only four sums (count, minutes, time to fill, confirmations), whatever the outcome.
2. Those few thousand groups are added up per breakdown, each figure over the outcomes it
   counts (``filled`` over held, no-show and cancelled-after-confirmation, ...). Town and kind
   of institution come from the institution groups joined to the institutions (sixty rows,
   not one join per booking).

Months are numbered against the local month starts computed in Python (a binary search,
``width_bucket``, on PostgreSQL), not by converting every row's time to Berlin time.
Django has no API for grouping sets, hence the small SQL wrapper; every name in it is a
constant of this module.
"""

from __future__ import annotations

import contextlib
import datetime
from collections.abc import Iterator, Sequence
from typing import Any

from django.db import connection, transaction
from django.db.models import (
    Case,
    DateTimeField,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    Func,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.db.models.lookups import LessThan

from core.time import local_datetime
from institutions.models import Institution

from ..constants import HOLDING_STATUSES, Status
from ..models import Booking, BookingEvent, Report

HELD = Q(status__in=HOLDING_STATUSES)
CANCELLED = Q(status=Status.CANCELLED)

# The outcome of a booking, one small number per row.
OPEN = 0  # awaiting approval, requested, offered
HOLDING = 1  # confirmed, completed, closed: a mediator holds (held) its time
NO_SHOW = 2
UNFILLED = 3  # nobody was found
CANCELLED_FILLED = 4  # cancelled after a mediator had confirmed
CANCELLED_GAVE_UP = 5  # cancelled without a mediator after having been unfilled
CANCELLED_WITHDRAWN = 6  # cancelled before anyone took it
LATE = 8  # added to a cancelled outcome when it was a late cancellation

CANCELLED_OUTCOMES = tuple(
    outcome + late
    for outcome in (CANCELLED_FILLED, CANCELLED_GAVE_UP, CANCELLED_WITHDRAWN)
    for late in (0, LATE)
)
FILLED_OUTCOMES = (HOLDING, NO_SHOW, CANCELLED_FILLED, CANCELLED_FILLED + LATE)

# Figure → (the outcomes it counts, the level-1 sum it adds up).
FIGURES: dict[str, tuple[tuple[int, ...] | None, str]] = {
    "requests": (None, "n"),
    "filled": (FILLED_OUTCOMES, "n"),
    "minutes": ((HOLDING,), "minutes"),
    "unfilled": ((UNFILLED,), "n"),
    "gave_up": ((CANCELLED_GAVE_UP, CANCELLED_GAVE_UP + LATE), "n"),
    "cancelled": (CANCELLED_OUTCOMES, "n"),
    "late": (tuple(o for o in CANCELLED_OUTCOMES if o >= LATE), "n"),
    "no_show": ((NO_SHOW,), "n"),
    "fill_time": (FILLED_OUTCOMES, "fill_time"),  # an interval (PostgreSQL), µs (SQLite)
    "timed": (FILLED_OUTCOMES, "timed"),  # filled bookings with a confirmation time
}

# Level 1: the key combinations grouped in the one pass.
# Institution and funding source apart: (outcome, institution, funding source) made 54,000
# groups for a state's year, scanned three times in level 2; apart they are 27,000 and 1,300.
PARTS: dict[str, tuple[str, ...]] = {
    "booking": ("k_language", "k_month", "k_field", "k_cancelled_by"),
    "institution": ("k_institution",),
    "funding": ("k_funding",),
    "mediator": ("k_mediator",),
}
KEYS = tuple(key for keys in PARTS.values() for key in keys)

# Level 2: breakdown → (level-1 part, key expression, outcomes it is limited to).
INSTITUTION = Institution._meta.db_table
DIMENSIONS: dict[str, tuple[str, str | None, tuple[int, ...] | None]] = {
    # The grand total from the smallest part (a few thousand groups, not one per
    # institution, funding source and outcome: 54,000 for a state's year).
    "total": ("mediator", None, None),
    "month": ("booking", "k_month", None),
    "language": ("booking", "k_language", None),
    "field": ("booking", "k_field", None),
    "town": ("institution", "i.town_id", None),
    "institution_kind": ("institution", "i.kind", None),
    "funding_source": ("funding", "k_funding", None),
    "mediator": ("mediator", "k_mediator", (HOLDING,)),
    "cancelled_by": ("booking", "k_cancelled_by", CANCELLED_OUTCOMES),
}


class MonthNumber(Func):
    """1 for a time in the first of the months starting at ``starts`` (ascending, aware), 2 in
    the second, ...: ``width_bucket`` (a binary search) on PostgreSQL, a CASE ladder
    elsewhere."""

    output_field = IntegerField()

    def __init__(self, expression: Any, *, starts: Sequence[datetime.datetime]) -> None:
        super().__init__(expression)
        self.starts = list(starts)

    def as_sql(self, compiler, connection, function=None, template=None, arg_joiner=None, **extra):
        (time,) = self.get_source_expressions()
        ladder = Case(
            *(
                When(LessThan(time, Value(start, output_field=DateTimeField())), then=Value(n))
                for n, start in enumerate(self.starts[1:], start=1)
            ),
            default=Value(len(self.starts)),
            output_field=IntegerField(),
        )
        return compiler.compile(ladder)

    def as_postgresql(self, compiler, connection, **extra):
        sql, params = compiler.compile(self.get_source_expressions()[0])
        return f"width_bucket({sql}, %s::timestamptz[])", (*params, self.starts)


def month_starts(first: datetime.date, last: datetime.date) -> list[datetime.date]:
    """The first day of every month from ``first``'s to ``last``'s."""
    months, day = [], first.replace(day=1)
    while day <= last:
        months.append(day)
        day = (day + datetime.timedelta(days=32)).replace(day=1)
    return months


def _outcome() -> Any:
    gave_up = Exists(BookingEvent.objects.filter(booking=OuterRef("pk"), to_status=Status.UNFILLED))
    outcome = Case(
        When(HELD, then=Value(HOLDING)),
        When(status=Status.NO_SHOW, then=Value(NO_SHOW)),
        When(status=Status.UNFILLED, then=Value(UNFILLED)),
        When(CANCELLED & Q(mediator__isnull=False), then=Value(CANCELLED_FILLED)),
        When(CANCELLED & Q(gave_up), then=Value(CANCELLED_GAVE_UP)),
        When(CANCELLED, then=Value(CANCELLED_WITHDRAWN)),
        default=Value(OPEN),
        output_field=IntegerField(),
    )
    late = Case(
        When(CANCELLED & Q(late_cancellation=True), then=Value(LATE)),
        default=Value(0),
        output_field=IntegerField(),
    )
    return outcome + late


def _reported_minutes() -> Subquery:
    """The report's actual duration, looked up per booking (its unique index): a LEFT JOIN
    made PostgreSQL read and hash every report of the state (160,000 rows, 13 of a pool's
    year's 42 ms) to attach the pool's few thousand; a scalar subquery cannot be planned as
    that join."""
    return Subquery(Report.objects.filter(booking=OuterRef("pk")).values("actual_minutes")[:1])


def _rows(bookings: QuerySet[Booking], months: Sequence[datetime.date]) -> QuerySet:
    """One row per booking: its outcome, the keys of every breakdown and what to add up."""
    starts = [local_datetime(day) for day in months]
    return bookings.annotate(
        outcome=_outcome(),
        k_language=F("language_id"),
        k_month=MonthNumber("starts_at", starts=starts),
        k_field=F("field"),
        k_cancelled_by=F("cancelled_by_role"),
        k_institution=F("institution_id"),
        # 0 for a booking without a funding source: a row of its own, not left out.
        k_funding=Coalesce("funding_source_id", Value(0)),
        k_mediator=Case(When(HELD, then=F("mediator_id")), default=None),
        minutes=Coalesce(_reported_minutes(), "duration_minutes"),
        fill=ExpressionWrapper(F("confirmed_at") - F("created_at"), output_field=DurationField()),
    ).values("outcome", *KEYS, "minutes", "fill")


# For this transaction only (see ``breakdowns``). random_page_cost as PostgreSQL's manual
# advises for SSDs and a cached working set: with the default 4 one pool's year (4,000 of a
# state's million bookings) joined its reports by reading all 550,000 of them (seq scan and
# hash, 210 of 720 ms) instead of 4,000 index look-ups (340 ms in all, load average 14).
# Even with 1.1 it still did so for a pool's 9,600 of 200,000 bookings: the reports are now
# looked up by a subquery (``_reported_minutes``), which no setting can turn into that scan.
PLANNER_SETTINGS = (
    "SET LOCAL work_mem = '128MB'; SET LOCAL jit = off; SET LOCAL random_page_cost = 1.1"
)


# Set on the connection while a statistics transaction is open: a nested one (``breakdowns``
# inside ``stats_summary``) keeps it, without a savepoint and the settings again (three
# statements).
_IN_STATISTICS = "_statistics_transaction_open"


@contextlib.contextmanager
def statistics_transaction() -> Iterator[None]:
    """One transaction with the statistics' planner settings (PostgreSQL), around every
    query of a summary; inside one already, it is that one."""
    if getattr(connection, _IN_STATISTICS, False) and connection.in_atomic_block:
        yield
        return
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(PLANNER_SETTINGS)
        setattr(connection, _IN_STATISTICS, True)
        try:
            yield
        finally:
            setattr(connection, _IN_STATISTICS, False)


SUMS = "COUNT(*) AS n, SUM(minutes) AS minutes, SUM(fill) AS fill_time, COUNT(fill) AS timed"


def _groups_postgresql(rows: str) -> str:
    """One scan, one hash table per part; ``part`` names the part from GROUPING()."""
    # GROUPING(a, b, c) has a bit set (4, 2, 1) for each of a, b, c the part does *not*
    # group by.
    part = (
        "CASE GROUPING(k_institution, k_funding, k_mediator) "
        "WHEN 7 THEN 'booking' WHEN 3 THEN 'institution' WHEN 5 THEN 'funding' "
        "ELSE 'mediator' END"
    )
    sets = ", ".join(f"(outcome, {', '.join(keys)})" for keys in PARTS.values())
    return (
        f"SELECT {part} AS part, outcome, {', '.join(KEYS)}, {SUMS} "  # noqa: S608  # constants  # nosec B608
        f"FROM ({rows}) AS r GROUP BY GROUPING SETS ({sets})"
    )


def _groups_portable(rows: str) -> tuple[str, str]:
    """The same groups from a materialised CTE grouped once per part (SQLite)."""
    parts = []
    for name, keys in PARTS.items():
        columns = ", ".join(key if key in keys else f"NULL AS {key}" for key in KEYS)
        parts.append(
            f"SELECT '{name}' AS part, outcome, {columns}, {SUMS} "  # noqa: S608  # constants  # nosec B608
            f"FROM rows GROUP BY outcome, {', '.join(keys)}"
        )
    return f"rows AS ({rows}), ", " UNION ALL ".join(parts)


def _figures() -> str:
    columns = []
    for name, (outcomes, source) in FIGURES.items():
        if outcomes is None:
            columns.append(f"SUM({source}) AS {name}")
        else:
            listed = ", ".join(str(o) for o in outcomes)
            columns.append(f"SUM(CASE WHEN outcome IN ({listed}) THEN {source} END) AS {name}")
    return ", ".join(columns)


def _statement(rows: str) -> str:
    if connection.vendor == "postgresql":
        prefix, groups = "", _groups_postgresql(rows)
    else:
        prefix, groups = _groups_portable(rows)
    figures = _figures()
    parts = []
    for name, (part, key, outcomes) in DIMENSIONS.items():
        source = "groups"
        if key is not None and key.startswith("i."):
            source = f"groups JOIN {INSTITUTION} i ON i.id = groups.k_institution"
        where = f"part = '{part}'"
        if outcomes is not None:
            where += f" AND outcome IN ({', '.join(str(o) for o in outcomes)})"
        key_sql = f"CAST({key} AS TEXT)" if key else "NULL"
        group_by = f" GROUP BY {key}" if key else ""
        parts.append(
            f"SELECT '{name}' AS dim, {key_sql} AS k, {figures} "  # noqa: S608  # constants  # nosec B608
            f"FROM {source} WHERE {where}{group_by}"
        )
    return f"WITH {prefix}groups AS ({groups}) " + " UNION ALL ".join(parts)


def _seconds(value: Any) -> float:
    """SUM of durations: an interval on PostgreSQL, microseconds on SQLite."""
    if value is None:
        return 0.0
    if isinstance(value, datetime.timedelta):
        return value.total_seconds()
    return float(value) / 1_000_000


def breakdowns(
    bookings: QuerySet[Booking], *, months: Sequence[datetime.date]
) -> dict[str, list[dict[str, Any]]]:
    """Every breakdown in one statement: ``{"month": [{"key": "2026-03", "requests": ...}]}``.

    ``months`` are the first days of the local months the bookings start in. Keys are text
    (language, town and mediator ids as digits); rows whose key is NULL are left out, except
    for the grand total.
    """
    sql, params = _rows(bookings, months).query.sql_with_params()
    statement = _statement(sql)
    # The planner's estimate of the groups (it cannot know that the outcome has eight
    # values) is far too high: with the default 4 MB it groups by sorting, spilled to disk,
    # instead of three small hash tables (~10 MB). The estimated cost would also switch on
    # JIT compilation, which costs more than the query.
    with statistics_transaction(), connection.cursor() as cursor:
        cursor.execute(statement, params)
        columns = [c[0] for c in cursor.description]
        fetched = cursor.fetchall()
    result: dict[str, list[dict[str, Any]]] = {name: [] for name in DIMENSIONS}
    for values in fetched:
        row = dict(zip(columns, values, strict=True))
        if row["dim"] != "total" and row["k"] is None:
            continue
        entry: dict[str, Any] = {"key": row["k"]}
        for name in FIGURES:
            entry[name] = int(row[name] or 0) if name != "fill_time" else _seconds(row[name])
        if row["dim"] == "month":
            entry["key"] = f"{months[int(row['k']) - 1]:%Y-%m}"
        result[row["dim"]].append(entry)
    return result
