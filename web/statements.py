"""A mediator's monthly expense statement as CSV and PDF (reportlab), from
``bookings.selectors.statements.mediator_statement``."""

from __future__ import annotations

import html
import io
from decimal import Decimal

from django.utils.translation import gettext as _

from bookings.constants import AllowanceKind
from bookings.selectors.statements import Statement
from core.locale_format import format_clock, format_day, format_decimal, format_money
from core.pdf import pdf_fonts
from core.spreadsheets import csv_text
from core.time import BERLIN
from mediators.models import Mediator


def _escape(text: str) -> str:
    """ReportLab's paragraph markup escaped: &, < and >."""
    return html.escape(text, quote=False)


def _euro(cents: int) -> str:
    return format_money(cents)


def statement_rows(statement: Statement) -> list[dict]:
    kinds = dict(AllowanceKind.choices)
    return [
        {
            "day": row["day"],
            "starts_at": row["starts_at"],
            "time": row["starts_at"].astimezone(BERLIN).strftime("%H:%M")
            if row["starts_at"]
            else "",
            "booking": row["booking_id"],
            "institution": row["institution"],
            "language": row["language"],
            "kind": str(kinds.get(row["kind"], row["kind"])),
            "amount_cents": row["amount_cents"],
        }
        for row in statement.rows
    ]


def statement_filename(mediator: Mediator, statement: Statement, extension: str) -> str:
    return f"statement_{statement.year}-{statement.month:02d}_{mediator.pk}.{extension}"


def _amount(cents: int) -> Decimal:
    """Euros with two places, a number (a negative one stays a number in the CSV)."""
    return Decimal(cents).scaleb(-2)


def statement_csv(mediator: Mediator, statement: Statement) -> str:
    """Every cell cleaned against formula injection (core.spreadsheets)."""
    rows: list[list[object]] = [
        ["day", "time", "booking", "institution", "language", "kind", "amount_eur"]
    ]
    for row in statement_rows(statement):
        rows.append(
            [
                row["day"].isoformat(),
                row["time"],
                row["booking"],
                row["institution"],
                row["language"],
                row["kind"],
                _amount(row["amount_cents"]),
            ]
        )
    rows.append(["total", "", "", "", "", "", _amount(statement.total_cents)])
    return csv_text(rows)


def statement_pdf(mediator: Mediator, statement: Statement) -> bytes:
    """One A4 page (or more) with the month's allowances, the total and the year's tax-free
    status; in German or English (the languages of the pool's accounting)."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    regular, bold = pdf_fonts()
    styles = getSampleStyleSheet()
    for style in styles.byName.values():
        style.fontName = regular
    styles["Title"].fontName = bold
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        topMargin=18 * mm,
        bottomMargin=18 * mm,
        title=_("Expense statement"),
        author=str(mediator.pool),
    )
    story = [
        Paragraph(
            _("Expense statement %(month)02d/%(year)s")
            % {"month": statement.month, "year": statement.year},
            styles["Title"],
        ),
        Paragraph(_escape(f"{mediator} · {mediator.pool}"), styles["Normal"]),
        Spacer(1, 6 * mm),
    ]
    data = [
        [_("Day"), _("Time"), _("Booking"), _("Institution"), _("Language"), _("Kind"), _("Amount")]
    ]
    for row in statement_rows(statement):
        data.append(
            [
                format_day(row["day"]),
                format_clock(row["starts_at"]) if row["starts_at"] else "",
                f"#{row['booking']}",
                Paragraph(_escape(row["institution"]), styles["BodyText"]),
                row["language"],
                Paragraph(_escape(row["kind"]), styles["BodyText"]),
                _euro(row["amount_cents"]),
            ]
        )
    data.append(["", "", "", "", "", _("Total"), _euro(statement.total_cents)])
    table = Table(
        data,
        repeatRows=1,
        colWidths=[22 * mm, 14 * mm, 18 * mm, 50 * mm, 16 * mm, 30 * mm, 24 * mm],
    )
    table.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), regular),
                ("FONTNAME", (0, 0), (-1, 0), bold),
                ("FONTNAME", (0, -1), (-1, -1), bold),
                ("FONTSIZE", (0, 0), (-1, -1), 9),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8edf3")),
                ("LINEBELOW", (0, 0), (-1, 0), 0.5, colors.black),
                ("LINEABOVE", (0, -1), (-1, -1), 0.5, colors.black),
                ("ALIGN", (-1, 0), (-1, -1), "RIGHT"),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    story.append(table)
    if statement.pending:
        story += [
            Spacer(1, 6 * mm),
            Paragraph(_escape(_("Pending confirmation")), styles["Heading2"]),
            Paragraph(
                _escape(
                    _(
                        "Reports sent but not confirmed yet; not in the total above, the "
                        "amounts may still change."
                    )
                ),
                styles["Normal"],
            ),
            Spacer(1, 2 * mm),
        ]
        pending = [[_("Day"), _("Time"), _("Travel time"), _("Km or ticket"), _("Amount")]]
        for row in statement.pending:
            travel = (
                _euro(row["ticket_cents"])
                if row["ticket_cents"]
                else f"{format_decimal(row['travel_km'])} km"
            )
            pending.append(
                [
                    format_day(row["day"]),
                    f"{row['actual_minutes']} min",
                    f"{row['travel_minutes']} min",
                    travel,
                    _euro(row["amount_cents"]) if row["amount_cents"] is not None else "–",
                ]
            )
        pending.append(["", "", "", _("Pending in all"), _euro(statement.pending_cents)])
        pending_table = Table(pending, colWidths=[30 * mm, 28 * mm, 28 * mm, 40 * mm, 30 * mm])
        pending_table.setStyle(
            TableStyle(
                [
                    ("FONTNAME", (0, 0), (-1, -1), regular),
                    ("FONTNAME", (0, 0), (-1, 0), bold),
                    ("FONTSIZE", (0, 0), (-1, -1), 9),
                    ("LINEBELOW", (0, 0), (-1, 0), 0.5, colors.black),
                    ("LINEABOVE", (0, -1), (-1, -1), 0.5, colors.black),
                    ("ALIGN", (-1, 0), (-1, -1), "RIGHT"),
                ]
            )
        )
        story.append(pending_table)
    tax_free = statement.tax_free
    story += [
        Spacer(1, 6 * mm),
        Paragraph(
            _("Allowances in %(year)s so far: %(total)s of the tax-free %(limit)s.")
            % {
                "year": tax_free.year,
                "total": _euro(tax_free.total_cents),
                "limit": _euro(tax_free.limit_cents),
            },
            styles["Normal"],
        ),
    ]
    document.build(story)
    return buffer.getvalue()
