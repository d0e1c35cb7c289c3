"""The monthly payout list for the district's accounting office, as CSV for German Excel
(``;`` separated, decimal comma, UTF-8 with a byte order mark) and as XLSX (amounts as real
numbers), from ``bookings.selectors.payouts.payout_for``. Every text cell goes through
``core.spreadsheets.safe_cell``; the column names are in the reader's language."""

from __future__ import annotations

import io
from decimal import Decimal

from django.utils.translation import gettext as _

from bookings.selectors.payouts import Payout
from core.spreadsheets import german_decimal, german_excel_csv, safe_cell
from institutions.models import Pool


def _headings() -> list[str]:
    return [_("Last name"), _("First name"), _("IBAN"), _("Bookings"), _("Amount (EUR)")]


def _euros(cents: int) -> Decimal:
    return Decimal(cents).scaleb(-2)


def _german_amount(cents: int) -> str:
    return german_decimal(_euros(cents))


def _bookings(ids: list[int]) -> str:
    return ", ".join(str(pk) for pk in ids)


def payout_filename(pool: Pool, payout: Payout, extension: str) -> str:
    return f"payouts_{payout.year}-{payout.month:02d}_pool{pool.pk}.{extension}"


def payout_csv(payout: Payout) -> str:
    """One line per mediator, then the total; amounts with a decimal comma."""
    rows: list[list[object]] = [_headings()]
    for line in payout.lines:
        rows.append(
            [
                line.last_name,
                line.first_name,
                line.iban,
                _bookings(line.booking_ids),
                _german_amount(line.total_cents),
            ]
        )
    rows.append([_("Total"), "", "", "", _german_amount(payout.total_cents)])
    return german_excel_csv(rows)


def payout_xlsx(payout: Payout) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = f"{payout.year}-{payout.month:02d}"
    sheet.append(_headings())
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for line in payout.lines:
        sheet.append(
            [
                safe_cell(line.last_name),
                safe_cell(line.first_name),
                safe_cell(line.iban),
                safe_cell(_bookings(line.booking_ids)),
                _euros(line.total_cents),
            ]
        )
    sheet.append([_("Total"), "", "", "", _euros(payout.total_cents)])
    sheet.cell(row=sheet.max_row, column=1).font = Font(bold=True)
    for row in sheet.iter_rows(min_row=2, min_col=5, max_col=5):
        row[0].number_format = "#,##0.00"
    for letter, width in zip("ABCDE", (20, 16, 28, 30, 14), strict=True):
        sheet.column_dimensions[letter].width = width
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
