"""The yearly report (the district's integration monitoring): one pool's calendar year, the
year before for comparison and the unmet demand per language over the last years.

Built from the dashboard's selectors (``stats_summary`` for both years, the same definition of
unmet demand); ``yearly_files`` writes it as PDF and XLSX.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q
from django.utils import translation
from django.utils.translation import gettext as _

from core.exceptions import DomainError
from core.time import local_datetime
from institutions.models import Pool
from mediators.models import Language

from ..constants import Status
from ..models import Booking, BookingEvent
from .aggregate import MonthNumber
from .selectors import StatsPeriod, stats_summary

__all__ = ["TREND_YEARS", "YearlyReport", "stats_unmet_trend", "yearly_report", "report_years"]

# The trend of the unmet demand covers the report's year and the four before it.
TREND_YEARS = 5
FIRST_YEAR = 2000


@dataclass(frozen=True)
class YearlyReport:
    pool: Pool
    year: int
    made_on: datetime.date
    current: dict[str, Any]  # stats_summary of the year
    previous: dict[str, Any]  # ... of the year before
    years: list[int]  # the trend's years, oldest first, ending with ``year``
    unmet_trend: list[dict[str, Any]]  # per language: code, name, counts (per year), change

    @property
    def complete(self) -> bool:
        """False while the year is not over on the day the report is made."""
        return self.made_on.year > self.year


def report_years(*, today: datetime.date) -> list[int]:
    """The years a report can be asked for, newest first: this one and the nine before."""
    return list(range(today.year, today.year - 10, -1))


def _year(year: int) -> StatsPeriod:
    return StatsPeriod(start=datetime.date(year, 1, 1), end=datetime.date(year, 12, 31))


def stats_unmet_trend(
    *, pool_ids: list[int], years: list[int], language_code: str = "de"
) -> list[dict[str, Any]]:
    """Unmet demand per language and calendar year (local time), one grouped query over the
    unmet bookings only: unfilled, or cancelled without a mediator after having been unfilled
    (the dashboard's definition). Sorted by the last year's count, then the total."""
    first, last = years[0], years[-1]
    starts = [local_datetime(datetime.date(year, 1, 1)) for year in years]
    gave_up = Exists(BookingEvent.objects.filter(booking=OuterRef("pk"), to_status=Status.UNFILLED))
    rows = (
        Booking.objects.filter(
            pool_id__in=pool_ids,
            starts_at__gte=local_datetime(datetime.date(first, 1, 1)),
            starts_at__lt=local_datetime(datetime.date(last + 1, 1, 1)),
        )
        .filter(
            Q(status=Status.UNFILLED) | Q(status=Status.CANCELLED, mediator__isnull=True) & gave_up
        )
        .annotate(n_year=MonthNumber("starts_at", starts=starts))
        .order_by()
        .values("language_id", "n_year")
        .annotate(count=Count("id"))
    )
    counts: dict[int, list[int]] = {}
    for row in rows:
        counts.setdefault(row["language_id"], [0] * len(years))[row["n_year"] - 1] = row["count"]
    languages = Language.objects.in_bulk(list(counts))
    trend = [
        {
            "language": languages[pk].code,
            "name": languages[pk].name_for(language_code),
            "counts": per_year,
            "total": sum(per_year),
            "change": per_year[-1] - per_year[-2] if len(per_year) > 1 else None,
        }
        for pk, per_year in counts.items()
    ]
    trend.sort(key=lambda r: (-r["counts"][-1], -r["total"], r["language"]))
    return trend


def yearly_report(
    *, pool: Pool, year: int, today: datetime.date, language_code: str = "de"
) -> YearlyReport:
    """The figures of ``pool``'s ``year`` (``DomainError`` for a year not yet begun or before
    2000); names and labels in ``language_code`` (German for the published report)."""
    if not FIRST_YEAR <= year <= today.year:
        raise DomainError(_("Choose a year from 2000 to this year."), field="year")
    pools = Pool.objects.filter(pk=pool.pk)
    years = list(range(year - TREND_YEARS + 1, year + 1))
    with translation.override(language_code):
        return YearlyReport(
            pool=pool,
            year=year,
            made_on=today,
            current=stats_summary(pools=pools, period=_year(year), language_code=language_code),
            previous=stats_summary(
                pools=pools, period=_year(year - 1), language_code=language_code
            ),
            years=years,
            unmet_trend=stats_unmet_trend(
                pool_ids=[pool.pk], years=years, language_code=language_code
            ),
        )
