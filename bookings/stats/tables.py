"""The summary laid out as tables: one source for the page, the CSV and the XLSX exports.

Each column says what kind of value it holds (``Kind``), so that every output shows it the
same way: the page in the reader's locale (machine codes left out), the CSV for German
Excel (``;``, decimal comma, dd.mm.yyyy, UTF-8 with BOM, one section per table) and the XLSX
with real numbers and dates under a number format.
"""

from __future__ import annotations

import datetime
import io
from dataclasses import dataclass, field
from typing import Any

from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.spreadsheets import csv_text, safe_cell


class Kind:
    """What a column holds."""

    CODE = "code"  # a machine key (language code, field of action): exports only
    TEXT = "text"
    INT = "int"
    DECIMAL = "decimal"  # hours, one or two decimals
    PERCENT = "percent"  # a share, 0.5 = 50 %
    MONEY = "money"  # euros
    MONTH = "month"  # "2026-03"
    YEAR = "year"  # 2026, never "2.026"
    ROW = "row"  # the row's own "kind" (the totals mix counts, shares and money)


@dataclass
class Table:
    name: str  # stable machine name (CSV section, XLSX sheet)
    title: str
    columns: list[tuple[str, str]]  # (key, heading)
    rows: list[dict[str, Any]]
    kinds: dict[str, str] = field(default_factory=dict)  # column key -> Kind; default TEXT

    def kind(self, key: str, row: dict[str, Any] | None = None) -> str:
        kind = self.kinds.get(key, Kind.TEXT)
        if kind == Kind.ROW:
            return (row or {}).get("kind", Kind.INT)
        return kind


BREAKDOWN_KINDS = {
    "key": Kind.CODE,
    "requests": Kind.INT,
    "filled": Kind.INT,
    "fill_rate": Kind.PERCENT,
    "hours": Kind.DECIMAL,
    "unmet": Kind.INT,
}


def _breakdown(
    name: str, title: str, rows: list[dict], key_heading: str, label_heading: str = ""
) -> Table:
    return Table(
        name=name,
        title=title,
        columns=[
            ("key", key_heading),
            ("label", label_heading or _("Name")),
            ("requests", _("Requests")),
            ("filled", _("Filled")),
            ("fill_rate", _("Fill rate")),
            ("hours", _("Hours")),
            ("unmet", _("Unmet demand")),
        ],
        rows=rows,
        kinds=BREAKDOWN_KINDS,
    )


TOTALS = (
    ("requests", gettext_lazy("Requests"), Kind.INT),
    ("filled", gettext_lazy("Filled"), Kind.INT),
    ("fill_rate", gettext_lazy("Fill rate"), Kind.PERCENT),
    ("time_to_fill_hours", gettext_lazy("Mean time to fill (hours)"), Kind.DECIMAL),
    ("unmet", gettext_lazy("Unmet demand"), Kind.INT),
    ("hours", gettext_lazy("Hours"), Kind.DECIMAL),
    ("cancelled", gettext_lazy("Cancellations"), Kind.INT),
    ("late_cancellations", gettext_lazy("Late cancellations"), Kind.INT),
    ("no_shows", gettext_lazy("No-shows"), Kind.INT),
)


def _totals(summary: dict[str, Any]) -> list[dict[str, Any]]:
    activity = summary["mediator_activity"]
    totals = [
        {"key": key, "label": str(label), "value": summary[key], "kind": kind}
        for key, label, kind in TOTALS
    ]
    totals += [
        {
            "key": "expenses_eur",
            "label": _("Expenses (EUR)"),
            "value": summary["expenses"]["total_cents"] / 100,
            "kind": Kind.MONEY,
        },
        {
            "key": "active_mediators",
            "label": _("Active mediators"),
            "value": activity["active_mediators"],
            "kind": Kind.INT,
        },
        {
            "key": "mediators_with_assignments",
            "label": _("Mediators with assignments"),
            "value": activity["with_assignments"],
            "kind": Kind.INT,
        },
    ]
    return totals


def summary_tables(summary: dict[str, Any]) -> list[Table]:
    activity = summary["mediator_activity"]
    return [
        Table(
            "totals",
            _("Totals"),
            [("key", _("Figure")), ("label", _("Name")), ("value", _("Value"))],
            _totals(summary),
            {"key": Kind.CODE, "value": Kind.ROW},
        ),
        Table(
            "by_month",
            _("Fill rate and time to fill by month"),
            [
                ("month", _("Month")),
                ("requests", _("Requests")),
                ("filled", _("Filled")),
                ("fill_rate", _("Fill rate")),
                ("time_to_fill_hours", _("Mean time to fill (hours)")),
                ("hours", _("Hours")),
            ],
            summary["by_month"],
            {**BREAKDOWN_KINDS, "month": Kind.MONTH, "time_to_fill_hours": Kind.DECIMAL},
        ),
        Table(
            "unmet_by_language",
            _("Unmet demand by language"),
            [("language", _("Code")), ("name", _("Language")), ("count", _("Unmet requests"))],
            summary["unmet_by_language"],
            {"language": Kind.CODE, "count": Kind.INT},
        ),
        _breakdown(
            "by_language",
            _("Bookings and hours by language"),
            summary["hours_by_language"],
            _("Code"),
            _("Language"),
        ),
        _breakdown(
            "by_field",
            _("By field of action"),
            summary["by_field"],
            _("Code"),
            _("Field of action"),
        ),
        # The town's name is its key; the page shows it once.
        _breakdown("by_town", _("By town"), summary["by_town"], _("Town")),
        _breakdown(
            "by_institution_kind",
            _("By kind of institution"),
            summary["by_institution_kind"],
            _("Code"),
            _("Kind of institution"),
        ),
        Table(
            "by_funding_source",
            _("Bookings, hours and expenses by funding source"),
            [
                ("key", _("Number")),
                ("label", _("Funding source")),
                ("requests", _("Requests")),
                ("filled", _("Filled")),
                ("hours", _("Hours")),
                ("unmet", _("Unmet demand")),
                ("allowances", _("Allowances")),
                ("expenses_eur", _("Expenses (EUR)")),
            ],
            summary["by_funding_source"],
            {
                **BREAKDOWN_KINDS,
                "allowances": Kind.INT,
                "expenses_eur": Kind.MONEY,
            },
        ),
        Table(
            "cancellations",
            _("Cancellations by who cancelled"),
            [
                ("role", _("Code")),
                ("label", _("Cancelled by")),
                ("count", _("Cancellations")),
                ("late", _("Late cancellations")),
            ],
            summary["cancellations"],
            {"role": Kind.CODE, "count": Kind.INT, "late": Kind.INT},
        ),
        Table(
            "expenses",
            _("Expenses by month"),
            [
                ("month", _("Month")),
                ("count", _("Allowances")),
                ("amount_eur", _("Amount (EUR)")),
            ],
            [
                {**row, "amount_eur": row["amount_cents"] / 100}
                for row in summary["expenses"]["by_month"]
            ],
            {"month": Kind.MONTH, "count": Kind.INT, "amount_eur": Kind.MONEY},
        ),
        Table(
            "mediator_activity",
            _("Mediator activity"),
            [
                ("id", _("Mediator number")),
                ("name", _("Name")),
                ("bookings", _("Bookings")),
                ("hours", _("Hours")),
            ],
            activity["mediators"],
            {"id": Kind.CODE, "bookings": Kind.INT, "hours": Kind.DECIMAL},
        ),
        Table(
            "budgets",
            _("Use of budgets"),
            [
                ("year", _("Year")),
                ("institution", _("Institution")),
                ("funding_source", _("Funding source")),
                ("hours", _("Budget (hours)")),
                ("used_hours", _("Used (hours)")),
                ("use_rate", _("Share used")),
            ],
            summary["budgets"],
            {
                "year": Kind.YEAR,
                "hours": Kind.DECIMAL,
                "used_hours": Kind.DECIMAL,
                "use_rate": Kind.PERCENT,
            },
        ),
    ]


def month_day(value: str) -> datetime.date:
    """ "2026-03" -> 1 March 2026."""
    return datetime.date(int(value[:4]), int(value[5:7]), 1)


# German Excel: what it reads as a number or a date when it opens a CSV file.
def _german_decimal(value: float, places: int) -> str:
    return f"{value:.{places}f}".replace(".", ",")


def german_cell(value: Any, kind: str) -> Any:
    """A value as German Excel reads it from a CSV file: decimal comma, no grouping, dates
    dd.mm.yyyy, shares as "50,0 %", months by name ("März 2026": text, never misread)."""
    if value is None or value == "":
        return ""
    if kind == Kind.PERCENT:
        return f"{_german_decimal(float(value) * 100, 1)} %"
    if kind == Kind.MONEY:
        return _german_decimal(float(value), 2)
    if kind in (Kind.DECIMAL, Kind.INT) and isinstance(value, float):
        return _german_decimal(value, 2).rstrip("0").rstrip(",")
    if kind == Kind.MONTH:
        return formats.date_format(month_day(value), "YEAR_MONTH_FORMAT")
    if isinstance(value, datetime.date):
        return f"{value:%d.%m.%Y}"
    return value


CSV_BOM = "\ufeff"


def summary_csv(summary: dict[str, Any]) -> str:
    """For German Excel: ``;``-separated, decimal comma, UTF-8 with a byte-order mark (the
    caller encodes). First the period, then one section per table: its title on a line of
    its own, the headings, the rows, an empty line. Every cell cleaned against formula
    injection (core.spreadsheets)."""
    rows: list[list[Any]] = [
        [_("Statistics"), _("From"), german_cell(datetime.date.fromisoformat(summary["from"]), "")],
        ["", _("To"), german_cell(datetime.date.fromisoformat(summary["to"]), "")],
        [],
    ]
    for table in summary_tables(summary):
        rows.append([table.title])
        rows.append([heading for _key, heading in table.columns])
        for row in table.rows:
            rows.append(
                [german_cell(row.get(key), table.kind(key, row)) for key, _h in table.columns]
            )
        rows.append([])
    return CSV_BOM + csv_text(rows, delimiter=";")


XLSX_FORMATS = {
    Kind.PERCENT: "0.0%",
    Kind.MONEY: "#,##0.00",
    Kind.DECIMAL: "#,##0.0#",
    Kind.INT: "#,##0",
    Kind.MONTH: "mmmm yyyy",
    Kind.YEAR: "0",
}


def summary_xlsx(summary: dict[str, Any]) -> bytes:
    """One sheet per table, headings in the reader's language, a period line on top; numbers
    stay numbers (shown with a number format), months are dates."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    workbook.remove(workbook.active)
    start, end = (datetime.date.fromisoformat(summary[key]) for key in ("from", "to"))
    for table in summary_tables(summary):
        sheet = workbook.create_sheet(title=table.name[:31])
        sheet.append([table.title, start, end])
        sheet["A1"].font = Font(bold=True)
        sheet["B1"].number_format = sheet["C1"].number_format = "dd.mm.yyyy"
        sheet.append([heading for _key, heading in table.columns])
        for cell in sheet[2]:
            cell.font = Font(bold=True)
        for row in table.rows:
            values = []
            for key, _heading in table.columns:
                value = row.get(key)
                if table.kind(key, row) == Kind.MONTH and value:
                    value = month_day(value)
                values.append(safe_cell(value))
            sheet.append(values)
            for cell, (key, _heading) in zip(sheet[sheet.max_row], table.columns, strict=True):
                if number_format := XLSX_FORMATS.get(table.kind(key, row)):
                    cell.number_format = number_format
        for index, (_key, heading) in enumerate(table.columns, start=1):
            sheet.column_dimensions[sheet.cell(row=2, column=index).column_letter].width = max(
                12, len(str(heading)) + 2
            )
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
