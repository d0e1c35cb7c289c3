"""The language of whoever reads what is being rendered."""

from __future__ import annotations

from django.utils import translation


def reader_language() -> str:
    """The active language without its region (``en-gb`` -> ``en``): the page's for a request,
    the recipient's inside ``translation.override`` for an e-mail; German when none is active."""
    return (translation.get_language() or "de").split("-")[0]
