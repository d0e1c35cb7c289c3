"""The statistics page's sections: each table of ``bookings.stats.tables`` shown in the
reader's locale without machine codes, with its chart (web.charts)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils import formats
from django.utils.translation import gettext as _

from bookings.stats.tables import Kind, Table, month_day
from core.locale_format import format_day, format_money, format_month

from .charts import Series, chart_spec

NUMERIC = {Kind.INT, Kind.DECIMAL, Kind.PERCENT, Kind.MONEY}


@dataclass(frozen=True)
class Cell:
    text: str
    label: str = ""  # the column's heading (a stacked card on a phone names each value)
    numeric: bool = False
    note: str = ""  # shown next to the value, e.g. "over budget" (never colour alone)


def page_value(value: Any, kind: str) -> str:
    """A value in the reader's locale: 1.234,5 · 50,0 % · 1.234,50 € · März 2026 · 2026."""
    if value is None or value == "":
        return "–"
    if kind == Kind.PERCENT:
        # Django's number_format cuts off the further places; round first.
        return f"{formats.number_format(round(float(value) * 100, 1), 1)} %"
    if kind == Kind.MONEY:
        return format_money(Decimal(str(value)).scaleb(2).quantize(Decimal(1)))
    if kind == Kind.DECIMAL or (kind == Kind.INT and isinstance(value, float)):
        places = 0 if float(value) % 1 == 0 else 1 if round(value, 1) == value else 2
        return formats.number_format(round(value, places), places, force_grouping=True)
    if kind == Kind.INT:
        return formats.number_format(value, 0, force_grouping=True)
    if kind == Kind.MONTH:
        return format_month(month_day(value))
    if isinstance(value, datetime.date):
        return format_day(value)
    return str(value)


def month_label(value: str) -> str:
    return page_value(value, Kind.MONTH)


def _cell(table: Table, key: str, heading: str, row: dict[str, Any]) -> Cell:
    kind = table.kind(key, row)
    note = ""
    if kind == Kind.PERCENT and key == "use_rate" and (row.get(key) or 0) > 1:
        note = _("over budget")
    return Cell(page_value(row.get(key), kind), heading, numeric=kind in NUMERIC, note=note)


def page_table(table: Table) -> dict[str, Any]:
    """Headings and rows as the page shows them: no machine-code column, a money column
    headed without "(EUR)" where the cells carry the sign."""
    columns = [(key, heading) for key, heading in table.columns if table.kind(key) != Kind.CODE]
    return {
        "name": table.name,
        "title": table.title,
        "headings": [(heading, table.kind(key) in NUMERIC) for key, heading in columns],
        "rows": [
            [_cell(table, key, heading, row) for key, heading in columns] for row in table.rows
        ],
    }


def chart_specs(summary: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Each table's chart by the table's name; the same numbers are in the table."""

    def counts_and_hours(name: str, rows: list[dict], x_title: str, label_key: str = "label"):
        return chart_spec(
            name,
            rows,
            label=lambda row: row[label_key],
            series=[
                Series("requests", _("Requests")),
                Series("unmet", _("Unmet demand")),
                Series("hours", _("Hours"), "y1"),
            ],
            x_title=x_title,
            y_title=_("Number of requests"),
            y1_title=_("Hours"),
        )

    expenses = [
        {**row, "amount_eur": row["amount_cents"] / 100} for row in summary["expenses"]["by_month"]
    ]
    return {
        "by_month": chart_spec(
            "by_month",
            summary["by_month"],
            label=lambda row: month_label(row["month"]),
            series=[
                Series("requests", _("Requests")),
                Series("filled", _("Filled")),
                Series("time_to_fill_hours", _("Mean time to fill (hours)"), "y1"),
            ],
            x_title=_("Month"),
            y_title=_("Number of requests"),
            y1_title=_("Hours until filled"),
        ),
        "unmet_by_language": chart_spec(
            "unmet_by_language",
            summary["unmet_by_language"],
            label=lambda row: row["name"],
            series=[Series("count", _("Unmet requests"))],
            x_title=_("Language"),
            y_title=_("Number of requests"),
        ),
        "by_language": counts_and_hours(
            "by_language", summary["hours_by_language"], _("Language"), "name"
        ),
        "by_field": counts_and_hours("by_field", summary["by_field"], _("Field of action")),
        "by_town": counts_and_hours("by_town", summary["by_town"], _("Town")),
        "by_institution_kind": counts_and_hours(
            "by_institution_kind", summary["by_institution_kind"], _("Kind of institution")
        ),
        "by_funding_source": counts_and_hours(
            "by_funding_source", summary["by_funding_source"], _("Funding source")
        ),
        "cancellations": chart_spec(
            "cancellations",
            summary["cancellations"],
            label=lambda row: row["label"],
            series=[
                Series("count", _("Cancellations")),
                Series("late", _("Late cancellations")),
            ],
            x_title=_("Cancelled by"),
            y_title=_("Number of cancellations"),
        ),
        "expenses": chart_spec(
            "expenses",
            expenses,
            label=lambda row: month_label(row["month"]),
            series=[Series("amount_eur", _("Amount (EUR)"))],
            x_title=_("Month"),
            y_title=_("Euros"),
            y_counts=False,
        ),
        "mediator_activity": chart_spec(
            "mediator_activity",
            summary["mediator_activity"]["mediators"][:20],
            label=lambda row: row["name"],
            series=[Series("hours", _("Hours"))],
            x_title=_("Mediator"),
            y_title=_("Hours"),
            y_counts=False,
        ),
    }


def stats_sections(summary: dict[str, Any], tables: list[Table]) -> list[dict[str, Any]]:
    """The page's sections in order: each table with its chart (the totals and the budgets
    have none)."""
    charts = chart_specs(summary)
    return [{"table": page_table(table), "chart": charts.get(table.name)} for table in tables]
