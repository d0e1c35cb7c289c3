"""A recipient of a message - address, name, the language to write in - and how that
language is chosen. Who hears about what, the app that writes the messages decides
(``bookings.messages.recipients``)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from django.conf import settings


@dataclass(frozen=True)
class Recipient:
    email: str
    name: str = ""
    language: str = "de"
    user_id: int | None = None


LOCALE_DIR = Path(__file__).resolve().parent / "locale"
SOURCE_LANGUAGE = "en"


def message_language(code: str | None, *, staff: bool = False) -> str:
    """The language to write to a recipient in: their own where the site has it and the
    e-mails have a catalogue (``notifications/locale/<code>``; English is the source), German
    otherwise. Staff of institutions and coordinators read their pages in
    ``settings.STAFF_LANGUAGES`` only, and so their e-mails."""
    if staff:
        available = set(settings.STAFF_LANGUAGES)
    else:
        available = {lang for lang, _label in settings.LANGUAGES}
    short = (code or "").split("-")[0].lower()
    if short in available and (short == SOURCE_LANGUAGE or _has_catalogue(short)):
        return short
    return "de"


@lru_cache(maxsize=32)
def _has_catalogue(code: str) -> bool:
    return (LOCALE_DIR / code / "LC_MESSAGES" / "django.po").exists()
