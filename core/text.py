"""Normalised forms of text that rules compare: one function, stored where the database
compares it, so that SQLite (whose ``iexact`` folds ASCII only), PostgreSQL and the Python
rules agree."""

from __future__ import annotations

import unicodedata


def case_reference_key(value: str | None) -> str:
    """The form in which case references are compared: NFKC, case-folded (``casefold``:
    "STRASSE" and "straße" are one), runs of white space as one space, trimmed."""
    text = unicodedata.normalize("NFKC", value or "")
    text = unicodedata.normalize("NFKC", text.casefold())
    return " ".join(text.split())
