"""The yearly report as PDF (reportlab, charts drawn by reportlab.graphics on the server) and
as XLSX (openpyxl, real numbers, native Excel charts), both laid out from one list of
sections (``report_sections``), in German."""

from __future__ import annotations

import datetime
import html
import io
from dataclasses import dataclass, field
from typing import Any

from django.utils import formats, translation
from django.utils.translation import gettext as _

from core.pdf import pdf_fonts
from core.spreadsheets import safe_cell

from .tables import summary_tables
from .yearly import YearlyReport

__all__ = ["report_sections", "yearly_report_pdf", "yearly_report_xlsx"]

REPORT_LANGUAGE = "de"

# How a column's numbers are written: counts, hours (two decimals), a share, euros, text.
TEXT, COUNT, HOURS, SHARE, EURO = "text", "count", "hours", "share", "euro"
TOTAL_KINDS = {
    "fill_rate": SHARE,
    "time_to_fill_hours": HOURS,
    "hours": HOURS,
    "expenses_eur": EURO,
}


@dataclass
class Chart:
    kind: str  # "bar" or "line"
    x_title: str
    y_title: str
    series: list[int]  # the columns drawn, one series each; column 0 names the categories


@dataclass
class Section:
    name: str  # the XLSX sheet
    title: str
    columns: list[tuple[str, str]]  # (heading, kind)
    rows: list[list[Any]]
    note: str = ""
    chart: Chart | None = None
    # The kind of a row's numbers where it differs by row (the key figures); else by column.
    row_kinds: list[str] = field(default_factory=list)
    signed: list[int] = field(default_factory=list)  # columns of changes: "+3", "−2"

    def kind(self, row: int, column: int) -> str:
        if column == 0:
            return TEXT
        return self.row_kinds[row] if self.row_kinds else self.columns[column][1]


def _change(current: Any, previous: Any) -> Any:
    if current is None or previous is None:
        return None
    return round(current - previous, 4)


def _key_figures(report: YearlyReport) -> Section:
    (current,) = [t for t in summary_tables(report.current) if t.name == "totals"]
    (previous,) = [t for t in summary_tables(report.previous) if t.name == "totals"]
    before = {row["key"]: row["value"] for row in previous.rows}
    rows, kinds = [], []
    for row in current.rows:
        old = before.get(row["key"])
        rows.append([row["label"], row["value"], old, _change(row["value"], old)])
        kinds.append(TOTAL_KINDS.get(row["key"], COUNT))
    return Section(
        name=_("Key figures"),
        title=_("Key figures %(year)s compared with %(previous)s")
        % {"year": report.year, "previous": report.year - 1},
        columns=[
            (_("Figure"), TEXT),
            (str(report.year), COUNT),
            (str(report.year - 1), COUNT),
            (_("Change"), COUNT),
        ],
        rows=rows,
        row_kinds=kinds,
        signed=[3],
    )


def _months(report: YearlyReport) -> Section:
    def by_month(summary: dict) -> dict[int, dict]:
        return {int(row["month"][5:7]): row for row in summary["by_month"]}

    current, previous = by_month(report.current), by_month(report.previous)
    names = [formats.date_format(_first_of(report.year, m), "M") for m in range(1, 13)]
    rows = [
        [
            names[month - 1],
            current.get(month, {}).get("requests", 0),
            current.get(month, {}).get("filled", 0),
            current.get(month, {}).get("unmet", 0),
            previous.get(month, {}).get("requests", 0),
        ]
        for month in range(1, 13)
    ]
    year, before = report.year, report.year - 1
    return Section(
        name=_("Months"),
        title=_("Requests by month"),
        columns=[
            (_("Month"), TEXT),
            (_("Requests %(year)s") % {"year": year}, COUNT),
            (_("Filled %(year)s") % {"year": year}, COUNT),
            (_("Unmet demand %(year)s") % {"year": year}, COUNT),
            (_("Requests %(year)s") % {"year": before}, COUNT),
        ],
        rows=rows,
        chart=Chart("bar", _("Month"), _("Requests"), [1, 2, 4]),
    )


def _unmet_trend(report: YearlyReport) -> Section:
    years = report.years
    rows = [[row["name"], *row["counts"], row["change"]] for row in report.unmet_trend]
    return Section(
        name=_("Unmet demand"),
        title=_("Unmet demand per language, %(first)s to %(last)s")
        % {"first": years[0], "last": years[-1]},
        note=_(
            "Requests for which nobody was found: unfilled, or cancelled after nobody was "
            "found. The change compares %(year)s with %(previous)s."
        )
        % {"year": report.year, "previous": report.year - 1},
        columns=[
            (_("Language"), TEXT),
            *((str(year), COUNT) for year in years),
            (_("Change"), COUNT),
        ],
        rows=rows,
        signed=[len(years) + 1],
        # One line per language (the five with the most unmet demand), over the years.
        chart=Chart("line", _("Year"), _("Unmet requests"), list(range(1, len(years) + 1))),
    )


def _breakdown(report: YearlyReport, key: str, name: str, title: str, heading: str) -> Section:
    before = {row["key"]: row for row in report.previous[key]}
    rows = []
    for row in report.current[key]:
        old = before.pop(row["key"], {})
        rows.append(
            [
                row["label"],
                row["requests"],
                row["filled"],
                row["hours"],
                row["unmet"],
                old.get("requests", 0),
                old.get("unmet", 0),
            ]
        )
    rows += [[old["label"], 0, 0, 0.0, 0, old["requests"], old["unmet"]] for old in before.values()]
    year, previous = report.year, report.year - 1
    return Section(
        name=name,
        title=title,
        columns=[
            (heading, TEXT),
            (_("Requests %(year)s") % {"year": year}, COUNT),
            (_("Filled %(year)s") % {"year": year}, COUNT),
            (_("Hours %(year)s") % {"year": year}, HOURS),
            (_("Unmet demand %(year)s") % {"year": year}, COUNT),
            (_("Requests %(year)s") % {"year": previous}, COUNT),
            (_("Unmet demand %(year)s") % {"year": previous}, COUNT),
        ],
        rows=rows,
    )


def _funding(report: YearlyReport) -> Section:
    before = {row["key"]: row for row in report.previous["by_funding_source"]}
    rows = []
    for row in report.current["by_funding_source"]:
        old = before.pop(row["key"], {})
        rows.append(
            [
                row["label"],
                row["requests"],
                row["hours"],
                row["expenses_eur"],
                old.get("requests", 0),
                old.get("hours", 0.0),
                old.get("expenses_eur", 0.0),
            ]
        )
    rows += [
        [old["label"], 0, 0.0, 0.0, old["requests"], old["hours"], old["expenses_eur"]]
        for old in before.values()
    ]
    year, previous = report.year, report.year - 1
    return Section(
        name=_("Funding sources"),
        title=_("Bookings, hours and expenses by funding source"),
        columns=[
            (_("Funding source"), TEXT),
            (_("Requests %(year)s") % {"year": year}, COUNT),
            (_("Hours %(year)s") % {"year": year}, HOURS),
            (_("Expenses %(year)s") % {"year": year}, EURO),
            (_("Requests %(year)s") % {"year": previous}, COUNT),
            (_("Hours %(year)s") % {"year": previous}, HOURS),
            (_("Expenses %(year)s") % {"year": previous}, EURO),
        ],
        rows=rows,
        chart=Chart("bar", _("Funding source"), _("Hours"), [2, 5]),
    )


def report_sections(report: YearlyReport) -> list[Section]:
    """What the report shows, in order; the PDF and the XLSX lay out the same sections."""
    with translation.override(REPORT_LANGUAGE):
        return [
            _key_figures(report),
            _months(report),
            _unmet_trend(report),
            _breakdown(
                report,
                "by_field",
                _("Fields of action"),
                _("Requests and unmet demand by field of action"),
                _("Field of action"),
            ),
            _breakdown(
                report, "by_town", _("Towns"), _("Requests and unmet demand by town"), _("Town")
            ),
            _breakdown(
                report,
                "by_institution_kind",
                _("Kinds of institution"),
                _("Requests and unmet demand by kind of institution"),
                _("Kind of institution"),
            ),
            _breakdown(
                report,
                "hours_by_language",
                _("Languages"),
                _("Bookings and hours by language"),
                _("Language"),
            ),
            _funding(report),
        ]


def _first_of(year: int, month: int) -> datetime.date:
    return datetime.date(year, month, 1)


# -- Numbers written out (PDF) -------------------------------------------------------------


def _written(kind: str, value: Any, *, signed: bool = False) -> str:
    """German notation: 1.234; 12,50; 62,5 %; 1.234,00 €; "–" for no value."""
    if value is None:
        return "–"
    if kind == TEXT:
        return str(value)
    number = value * 100 if kind == SHARE else value
    places = {COUNT: 0, HOURS: 2, SHARE: 1, EURO: 2}[kind]
    text = formats.number_format(abs(number) if signed else number, places, force_grouping=True)
    if signed and round(number, places):
        text = ("+" if number > 0 else "−") + text
    suffix = {SHARE: " %", EURO: " €"}.get(kind, "")
    if kind == SHARE and signed:
        suffix = " " + _("points")
    return text + suffix


def _title(report: YearlyReport) -> tuple[str, str]:
    title = _("Integration monitoring %(year)s: language mediation") % {"year": report.year}
    made_on = formats.date_format(report.made_on, "SHORT_DATE_FORMAT")
    subtitle = _("%(pool)s · year %(year)s compared with %(previous)s · as of %(day)s") % {
        "pool": report.pool.name,
        "year": report.year,
        "previous": report.year - 1,
        "day": made_on,
    }
    if not report.complete:
        subtitle += " · " + _("the year is not over yet")
    return title, subtitle


# -- PDF -------------------------------------------------------------------------------------

PALETTE = ["#0b4f8a", "#c05600", "#1b6b2f", "#6b2f8a", "#8a1b3c"]
LINES = 5  # languages drawn in the trend chart


def _chart_data(section: Section) -> tuple[list[str], list[str], list[list[float]]]:
    """(categories, series names, values per series) of a section's chart."""
    chart = section.chart
    assert chart is not None  # noqa: S101  # nosec B101  # only called for sections with one
    if chart.kind == "line":  # one series per row: the first few languages over the years
        rows = section.rows[:LINES]
        categories = [section.columns[c][0] for c in chart.series]
        return categories, [r[0] for r in rows], [[r[c] or 0 for c in chart.series] for r in rows]
    categories = [str(row[0]) for row in section.rows]
    names = [section.columns[c][0] for c in chart.series]
    return categories, names, [[row[c] or 0 for row in section.rows] for c in chart.series]


def _step(top: float) -> int:
    """A whole, round tick step giving about five ticks up to ``top``: 1, 2, 5, 10, 20, ..."""
    step = 1
    while step * 5 < top:
        for factor in (2, 2.5, 2):
            step = int(step * factor)
            if step * 5 >= top:
                break
    return step


def _pdf_chart(section: Section, *, width: float, font: str) -> Any:
    from reportlab.graphics.charts.barcharts import VerticalBarChart
    from reportlab.graphics.charts.legends import Legend
    from reportlab.graphics.charts.linecharts import HorizontalLineChart
    from reportlab.graphics.shapes import Drawing, Group, String
    from reportlab.lib import colors

    chart = section.chart
    assert chart is not None  # noqa: S101  # nosec B101
    categories, names, data = _chart_data(section)
    height = 190
    drawing = Drawing(width, height)
    if not any(any(values) for values in data):
        drawing.height = 30
        drawing.add(String(0, 10, _("No data in this period."), fontName=font, fontSize=10))
        return drawing
    plot = VerticalBarChart() if chart.kind == "bar" else HorizontalLineChart()
    plot.x, plot.y, plot.width, plot.height = 45, 65, width - 60, height - 85
    plot.data = [tuple(values) for values in data]
    plot.categoryAxis.categoryNames = categories
    plot.categoryAxis.labels.fontName = font
    plot.categoryAxis.labels.fontSize = 7
    if chart.kind == "bar" and len(categories) > 6:
        plot.categoryAxis.labels.angle = 30
        plot.categoryAxis.labels.boxAnchor = "ne"
    plot.valueAxis.valueMin = 0
    plot.valueAxis.valueStep = _step(max(max(values) for values in data))
    plot.valueAxis.labels.fontName = font
    plot.valueAxis.labels.fontSize = 7
    plot.valueAxis.labelTextFormat = lambda v: formats.number_format(v, 0, force_grouping=True)
    for index in range(len(data)):
        colour = colors.HexColor(PALETTE[index % len(PALETTE)])
        if chart.kind == "bar":
            plot.bars[index].fillColor = colour
            plot.bars[index].strokeColor = None
        else:
            plot.lines[index].strokeColor = colour
            plot.lines[index].strokeWidth = 1.5
    drawing.add(plot)
    drawing.add(
        String(
            plot.x + plot.width / 2,
            2,
            chart.x_title,
            fontName=font,
            fontSize=8,
            textAnchor="middle",
        )
    )
    y_title = String(0, 0, chart.y_title, fontName=font, fontSize=8, textAnchor="middle")
    # Turned upright, beside the value axis.
    drawing.add(Group(y_title, transform=(0, 1, -1, 0, 10, plot.y + plot.height / 2)))
    legend = Legend()
    legend.x, legend.y = plot.x, height - 2
    legend.fontName, legend.fontSize = font, 7
    legend.alignment = "right"
    legend.columnMaximum = 1
    legend.deltax = 110
    legend.colorNamePairs = [
        (colors.HexColor(PALETTE[i % len(PALETTE)]), str(name)) for i, name in enumerate(names)
    ]
    drawing.add(legend)
    return drawing


def yearly_report_pdf(report: YearlyReport) -> bytes:
    """A4 pages: the title, then every section with its table (and chart)."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
    from reportlab.lib.units import mm
    from reportlab.platypus import (
        KeepTogether,
        Paragraph,
        SimpleDocTemplate,
        Spacer,
        Table,
        TableStyle,
    )

    with translation.override(REPORT_LANGUAGE):
        sections = report_sections(report)
        title, subtitle = _title(report)
        regular, bold = pdf_fonts()
        styles = getSampleStyleSheet()
        for style in styles.byName.values():
            style.fontName = regular
        for name in ("Title", "Heading2"):
            styles[name].fontName = bold
        heading_style = ParagraphStyle(
            "ColumnHeading", parent=styles["BodyText"], fontName=bold, fontSize=7, leading=8.5
        )
        buffer = io.BytesIO()
        width = A4[0] - 36 * mm
        document = SimpleDocTemplate(
            buffer,
            pagesize=A4,
            leftMargin=18 * mm,
            rightMargin=18 * mm,
            topMargin=18 * mm,
            bottomMargin=18 * mm,
            title=title,
            author=report.pool.name,
            lang="de-DE",
        )
        story: list[Any] = [
            Paragraph(html.escape(title), styles["Title"]),
            Paragraph(html.escape(subtitle), styles["Normal"]),
            Spacer(1, 4 * mm),
        ]
        for section in sections:
            head = [Paragraph(html.escape(section.title), styles["Heading2"])]
            if section.note:
                head.append(Paragraph(html.escape(section.note), styles["BodyText"]))
            if section.chart is not None:
                head.append(_pdf_chart(section, width=width, font=regular))
            data = [[Paragraph(html.escape(h), heading_style) for h, _k in section.columns]]
            for r, row in enumerate(section.rows):
                data.append(
                    [
                        _written(section.kind(r, c), value, signed=c in section.signed)
                        if c
                        else Paragraph(html.escape(str(value)), styles["BodyText"])
                        for c, value in enumerate(row)
                    ]
                )
            if not section.rows:
                data.append([_("No data in this period.")] + [""] * (len(section.columns) - 1))
            first = width * (0.28 if len(section.columns) > 4 else 0.46)
            rest = (width - first) / (len(section.columns) - 1)
            table = Table(
                data, repeatRows=1, colWidths=[first] + [rest] * (len(section.columns) - 1)
            )
            table.setStyle(
                TableStyle(
                    [
                        ("FONTNAME", (0, 0), (-1, -1), regular),
                        ("FONTSIZE", (0, 0), (-1, -1), 8),
                        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8edf3")),
                        ("LINEBELOW", (0, 0), (-1, 0), 0.5, colors.black),
                        ("ALIGN", (1, 1), (-1, -1), "RIGHT"),
                        ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ]
                )
            )
            story += [KeepTogether([*head, Spacer(1, 2 * mm)]), table, Spacer(1, 6 * mm)]
        document.build(story)
    return buffer.getvalue()


# -- XLSX ------------------------------------------------------------------------------------

NUMBER_FORMATS = {COUNT: "#,##0", HOURS: "#,##0.00", SHARE: "0.0%", EURO: '#,##0.00 "€"'}
FIRST_ROW = 4  # title, note, headings, then the rows


def _xlsx_chart(sheet: Any, section: Section) -> None:
    from openpyxl.chart import BarChart, LineChart, Reference

    chart = section.chart
    assert chart is not None  # noqa: S101  # nosec B101
    last = FIRST_ROW + len(section.rows) - 1
    if not section.rows:
        return
    if chart.kind == "line":
        plot = LineChart()
        rows = min(len(section.rows), LINES)
        first_col, last_col = chart.series[0] + 1, chart.series[-1] + 1
        data = Reference(
            sheet, min_col=1, max_col=last_col, min_row=FIRST_ROW, max_row=FIRST_ROW + rows - 1
        )
        plot.add_data(data, from_rows=True, titles_from_data=True)
        plot.set_categories(
            Reference(sheet, min_col=first_col, max_col=last_col, min_row=FIRST_ROW - 1)
        )
    else:
        plot = BarChart()
        for column in chart.series:
            plot.add_data(
                Reference(sheet, min_col=column + 1, min_row=FIRST_ROW - 1, max_row=last),
                titles_from_data=True,
            )
        plot.set_categories(Reference(sheet, min_col=1, min_row=FIRST_ROW, max_row=last))
    plot.title = section.title
    plot.x_axis.title = chart.x_title
    plot.y_axis.title = chart.y_title
    plot.width, plot.height = 18, 9
    sheet.add_chart(plot, f"{sheet.cell(row=1, column=len(section.columns) + 2).column_letter}3")


def yearly_report_xlsx(report: YearlyReport) -> bytes:
    """One sheet per section: title, note, headings, then the rows as real numbers with a
    number format (Excel shows them in the reader's notation); charts beside the tables."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    with translation.override(REPORT_LANGUAGE):
        sections = report_sections(report)
        title, subtitle = _title(report)
        workbook = Workbook()
        workbook.remove(workbook.active)
        for index, section in enumerate(sections):
            sheet = workbook.create_sheet(title=section.name[:31])
            sheet.append([safe_cell(section.title)])
            sheet["A1"].font = Font(bold=True, size=12)
            sheet.append([safe_cell(section.note or (subtitle if index == 0 else ""))])
            sheet.append([safe_cell(heading) for heading, _kind in section.columns])
            for cell in sheet[3]:
                cell.font = Font(bold=True)
            for r, row in enumerate(section.rows):
                sheet.append([safe_cell(value) for value in row])
                for c in range(1, len(row)):
                    kind = section.kind(r, c)
                    if kind in NUMBER_FORMATS:
                        sheet.cell(row=FIRST_ROW + r, column=c + 1).number_format = NUMBER_FORMATS[
                            kind
                        ]
            sheet.column_dimensions["A"].width = 42
            for c in range(2, len(section.columns) + 1):
                sheet.column_dimensions[sheet.cell(row=3, column=c).column_letter].width = 18
            sheet.freeze_panes = "B4"
            if section.chart is not None:
                _xlsx_chart(sheet, section)
        workbook.properties.title = title
        workbook.properties.creator = report.pool.name
        buffer = io.BytesIO()
        workbook.save(buffer)
    return buffer.getvalue()
