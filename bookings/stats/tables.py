"""The summary laid out as tables: one source for the CSV and XLSX exports and the page."""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from core.spreadsheets import csv_text, safe_cell


@dataclass
class Table:
    name: str  # stable machine name (CSV section, XLSX sheet)
    title: str
    columns: list[tuple[str, str]]  # (key, heading)
    rows: list[dict[str, Any]]


def _breakdown(name: str, title: str, rows: list[dict], key_heading: str) -> Table:
    return Table(
        name=name,
        title=title,
        columns=[
            ("key", key_heading),
            ("label", _("Name")),
            ("requests", _("Requests")),
            ("filled", _("Filled")),
            ("fill_rate", _("Fill rate")),
            ("hours", _("Hours")),
            ("unmet", _("Unmet demand")),
        ],
        rows=rows,
    )


def summary_tables(summary: dict[str, Any]) -> list[Table]:
    totals = [
        {"key": key, "label": label, "value": summary[key]}
        for key, label in (
            ("requests", _("Requests")),
            ("filled", _("Filled")),
            ("fill_rate", _("Fill rate")),
            ("time_to_fill_hours", _("Mean time to fill (hours)")),
            ("unmet", _("Unmet demand")),
            ("hours", _("Hours")),
            ("cancelled", _("Cancellations")),
            ("late_cancellations", _("Late cancellations")),
            ("no_shows", _("No-shows")),
        )
    ]
    totals.append(
        {
            "key": "expenses_eur",
            "label": _("Expenses (EUR)"),
            "value": summary["expenses"]["total_cents"] / 100,
        }
    )
    activity = summary["mediator_activity"]
    totals += [
        {
            "key": "active_mediators",
            "label": _("Active mediators"),
            "value": activity["active_mediators"],
        },
        {
            "key": "mediators_with_assignments",
            "label": _("Mediators with assignments"),
            "value": activity["with_assignments"],
        },
    ]
    return [
        Table(
            "totals",
            _("Totals"),
            [("key", _("Figure")), ("label", _("Name")), ("value", _("Value"))],
            totals,
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
        ),
        Table(
            "unmet_by_language",
            _("Unmet demand by language"),
            [("language", _("Code")), ("name", _("Language")), ("count", _("Unmet requests"))],
            summary["unmet_by_language"],
        ),
        _breakdown(
            "by_language",
            _("Bookings and hours by language"),
            summary["hours_by_language"],
            _("Code"),
        ),
        _breakdown("by_field", _("By field of action"), summary["by_field"], _("Code")),
        _breakdown("by_town", _("By town"), summary["by_town"], _("Town")),
        _breakdown(
            "by_institution_kind",
            _("By kind of institution"),
            summary["by_institution_kind"],
            _("Code"),
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
        ),
    ]


def summary_csv(summary: dict[str, Any]) -> str:
    """Long format, one figure per line: section, key, label, metric, value (every cell
    cleaned against formula injection, core.spreadsheets)."""
    rows: list[list[Any]] = [
        ["section", "key", "label", "metric", "value"],
        ["period", "from", _("From"), "date", summary["from"]],
        ["period", "to", _("To"), "date", summary["to"]],
    ]
    for table in summary_tables(summary):
        key_col, label_col = table.columns[0][0], table.columns[1][0]
        for row in table.rows:
            for column, _heading in table.columns[2:]:
                rows.append(
                    [table.name, row.get(key_col), row.get(label_col), column, row.get(column)]
                )
    return csv_text(rows)


def summary_xlsx(summary: dict[str, Any]) -> bytes:
    """One sheet per table, headings in the reader's language, a period line on top."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    workbook.remove(workbook.active)
    for table in summary_tables(summary):
        sheet = workbook.create_sheet(title=table.name[:31])
        sheet.append([table.title, f"{summary['from']} – {summary['to']}"])
        sheet["A1"].font = Font(bold=True)
        sheet.append([heading for _key, heading in table.columns])
        for cell in sheet[2]:
            cell.font = Font(bold=True)
        for row in table.rows:
            sheet.append([safe_cell(row.get(key)) for key, _heading in table.columns])
        for index, (_key, heading) in enumerate(table.columns, start=1):
            sheet.column_dimensions[sheet.cell(row=2, column=index).column_letter].width = max(
                12, len(str(heading)) + 2
            )
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
