"""Dates and times as the reader's locale writes them (CLDR, through Babel), in the pool's
time zone (``core.time.BERLIN``). One layer for every screen and e-mail a person reads: the
pages' template filters (``web_tags``: ``local``, ``day``, ``clock``, ``month``), the
statistics page, the expense statement and the bookings' e-mails all call these, so the same
thing has the same format everywhere.

The formats: a day in CLDR's *medium* date (de ``16.12.2026``, ar ``16/12/2026`` with
right-to-left marks, fa ``16 دسامبر 2026``, uk ``16 груд. 2026 р.``, tr ``16 Ara 2026``); a
time of day in the *short* time (``11:45``, ar ``11:45 ص``); a moment as both joined by the
locale's own *medium* date-time pattern (de ``16.12.2026, 11:45``); a month as the
stand-alone month name and the year (``Dezember 2026``).

Money likewise: ``format_money`` writes an amount of euro cents with CLDR's currency pattern
of the reader's locale (de ``12,50 €``, en ``€12.50``, ar ``12.50 €`` after a right-to-left
mark, fa ``€ 12.50`` after a left-to-right mark). The template filter ``euro``, the expense
statement (page and PDF), the payouts and the statistics page use it. Digits stay Latin in
every locale, as in the dates.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Final

from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_time, get_datetime_format
from babel.numbers import format_currency
from babel.numbers import format_decimal as babel_decimal

from .i18n import reader_language
from .time import BERLIN

DAY: Final = "medium"
TIME: Final = "short"
MONTH = "LLLL y"
WEEKDAY = "EEEE"
CURRENCY: Final = "EUR"


def babel_locale(language: str | None = None) -> Locale:
    """The Babel locale of ``language`` (the active one by default); German if unknown."""
    code = (language or reader_language()).replace("-", "_")
    try:
        return Locale.parse(code)
    except (ValueError, UnknownLocaleError):
        return Locale.parse("de")


def _in_berlin(value: datetime.datetime) -> datetime.datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("an instant shown to a reader must be aware")
    return value.astimezone(BERLIN)


def format_day(value: datetime.date, language: str | None = None) -> str:
    """A calendar day; an aware datetime by its local day in Berlin."""
    if isinstance(value, datetime.datetime):
        value = _in_berlin(value).date()
    return format_date(value, DAY, locale=babel_locale(language))


def format_clock(value: datetime.datetime | datetime.time, language: str | None = None) -> str:
    """A time of day: a wall-clock ``time`` as it is, an aware datetime in Berlin."""
    if isinstance(value, datetime.datetime):
        value = _in_berlin(value).time()
    return format_time(value, TIME, locale=babel_locale(language))


def format_moment(value: datetime.datetime, language: str | None = None) -> str:
    """An instant as local day and time in Berlin, joined by the locale's pattern."""
    locale = babel_locale(language)
    local = _in_berlin(value)
    pattern = str(get_datetime_format(DAY, locale=locale))
    return pattern.replace("{1}", format_day(local.date(), str(locale))).replace(
        "{0}", format_clock(local.time(), str(locale))
    )


def format_month(value: datetime.date, language: str | None = None) -> str:
    """A month (the day is ignored): "Dezember 2026"."""
    return format_date(value, MONTH, locale=babel_locale(language))


def format_weekday(value: datetime.date, language: str | None = None) -> str:
    if isinstance(value, datetime.datetime):
        value = _in_berlin(value).date()
    return format_date(value, WEEKDAY, locale=babel_locale(language))


def format_money(cents: int | Decimal, language: str | None = None) -> str:
    """An amount of euro cents in the locale's currency format: "1.234,50 €" in German."""
    amount = Decimal(cents).scaleb(-2)
    return format_currency(amount, CURRENCY, locale=babel_locale(language))


def format_decimal(value: int | Decimal, language: str | None = None) -> str:
    """A number as the locale writes it: "12,5" in German."""
    return babel_decimal(value, locale=babel_locale(language))
