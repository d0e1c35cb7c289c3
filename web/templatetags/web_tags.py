"""Small presentation helpers for the pages."""

from __future__ import annotations

from django import template
from django.http import QueryDict
from django.utils import formats

from bookings.constants import Status
from core.i18n import reader_language
from core.locale_format import (
    format_clock,
    format_day,
    format_moment,
    format_money,
    format_month,
)
from core.time import MIDNIGHT
from mediators.applications.services import APPLIED_LEVEL
from mediators.constants import LanguageLevel

register = template.Library()

PERCENT_COLUMNS = {"fill_rate", "use_rate"}
MONEY_COLUMNS = {"amount_eur"}


@register.filter
def cell(row: dict, key: str) -> str:
    """A table cell: shares as percentages, money with two decimals, numbers localised."""
    value = row.get(key) if isinstance(row, dict) else None
    if value is None:
        return "–"
    if key in PERCENT_COLUMNS or (key == "value" and row.get("key") == "fill_rate"):
        return f"{formats.number_format(round(float(value) * 100, 1), 1)} %"
    if key in MONEY_COLUMNS or (key == "value" and row.get("key") == "expenses_eur"):
        return formats.number_format(value, 2, force_grouping=True)
    if isinstance(value, float):
        places = 2 if value % 1 else 0
        return formats.number_format(round(value, places), places, force_grouping=True)
    if isinstance(value, int):
        return formats.number_format(value, 0, force_grouping=True)
    return str(value)


@register.filter
def is_number(row: dict, key: str) -> bool:
    value = row.get(key) if isinstance(row, dict) else None
    return isinstance(value, int | float) and not isinstance(value, bool)


@register.filter
def local(value, fmt: str = "DATETIME"):
    """An aware datetime in Europe/Berlin, in the reader's locale (core.locale_format):
    the day and time, or only the ``DATE`` or the ``TIME``."""
    if value is None:
        return ""
    if fmt == "DATE":
        return format_day(value)
    if fmt == "TIME":
        return format_clock(value)
    return format_moment(value)


@register.filter
def day(value) -> str:
    """A calendar day in the reader's locale."""
    return format_day(value) if value else ""


@register.filter
def clock(value, end: bool = False) -> str:
    """A wall-clock time in the reader's locale; with ``end``, 00:00 is the end of the day."""
    if value is None:
        return ""
    if end and value == MIDNIGHT:
        return "24:00"
    return format_clock(value)


@register.filter
def month(value) -> str:
    """A month and year in the reader's locale ("Dezember 2026")."""
    return format_month(value) if value else ""


@register.filter
def euro(cents) -> str:
    """Euro cents in the reader's locale (Babel, CLDR): de "12,50 €", en "€12.50"."""
    if cents is None or cents == "":
        return "–"
    return format_money(cents)


@register.simple_tag
def language_levels() -> list[tuple[int, str]]:
    """The levels of a language (basic … native), as mediators have them."""
    return list(LanguageLevel.choices)


@register.simple_tag
def applied_level() -> int:
    """The level recorded for a language applied for without one."""
    return int(APPLIED_LEVEL)


@register.filter
def level_label(level) -> str:
    """A level's name ("fluent"), or "" for none."""
    return str(LanguageLevel(level).label) if level in LanguageLevel.values else ""


@register.simple_tag
def language_name(language) -> str:
    return language.name_for(reader_language()) if language else ""


@register.simple_tag
def dialect_name(dialect) -> str:
    return dialect.name_for(reader_language()) if dialect else ""


@register.simple_tag
def status_label(status: str) -> str:
    return str(Status(status).label) if status in Status.values else status


@register.simple_tag(takes_context=True)
def page_url(context, number) -> str:
    """The address of another page of the same list: the current query string (filters,
    sorting) with only ``page`` replaced, e.g. ``?status=open&page=2``. Used for every
    "Previous page"/"Next page" link, so that paging never drops a filter."""
    request = context.get("request")
    query = request.GET.copy() if request is not None else QueryDict(mutable=True)
    query["page"] = str(number)
    return "?" + query.urlencode()
