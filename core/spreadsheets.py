"""Cells a spreadsheet program will not run: every export (CSV, XLSX) writes its cells through
``safe_cell``, every CSV through ``csv_text``.

Text that begins with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return can be taken
for a formula by Excel or LibreOffice (CSV injection, OWASP); such a cell gets a leading
apostrophe, which the programs show as text. Numbers, dates and empty cells stay as they
are: only text is ever a formula.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """A value safe for a spreadsheet: text never starts a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def csv_text(rows: Iterable[Iterable[Any]], *, delimiter: str = ",") -> str:
    """The rows as CSV (RFC 4180: CRLF line ends, so a cell holding a line break or a
    carriage return is quoted and stays one cell), every cell through ``safe_cell``.
    ``delimiter=";"`` for German Excel, which reads the comma as the decimal sign."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n", delimiter=delimiter)
    for row in rows:
        writer.writerow([safe_cell(value) for value in row])
    return out.getvalue()


BOM = "\ufeff"


def german_excel_csv(rows: Iterable[Iterable[Any]]) -> str:
    """CSV as German Excel opens it with a double click: ``;`` separated, UTF-8 with a byte
    order mark (prepend it when encoding), CRLF line ends, every cell through ``safe_cell``.
    Amounts go in as text with a decimal comma (``german_decimal``)."""
    return BOM + csv_text(rows, delimiter=";")


def german_decimal(value: Decimal, places: int = 2) -> str:
    """1282,50: a decimal comma and no thousands separator, as German Excel reads a number."""
    return f"{value:.{places}f}".replace(".", ",")
