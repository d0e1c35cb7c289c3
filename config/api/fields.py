"""Serializer fields with the product's rules for time: Europe/Berlin at the edges."""

from __future__ import annotations

import datetime

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.dates import (
    AMBIGUOUS,
    FIRST_YEAR,
    LAST_YEAR,
    NONEXISTENT,
    OUT_OF_RANGE,
    RANGE_TEXT,
    day_in_range,
    instant_in_range,
    wall_time_exists,
    wall_time_is_ambiguous,
    year_in_range,
)
from core.time import BERLIN

UTC = datetime.UTC


def _format_offset(offset: datetime.timedelta | None) -> str:
    seconds = int((offset or datetime.timedelta()).total_seconds())
    sign = "+" if seconds >= 0 else "-"
    hours, minutes = divmod(abs(seconds) // 60, 60)
    return f"{sign}{hours:02d}:{minutes:02d}"


@extend_schema_field(
    {
        "type": "string",
        "format": "date-time",
        "description": "ISO 8601 in Europe/Berlin. Answers carry Berlin's offset; a value sent "
        "may be UTC (Z, +00:00), carry Berlin's offset at that instant, or be a Berlin wall "
        "time without offset (not in the spring gap, not in the autumn hour that occurs "
        "twice). " + RANGE_TEXT,
    }
)
class BerlinDateTimeField(serializers.DateTimeField):
    """An ISO 8601 date and time, read and shown in Europe/Berlin.

    - UTC (``Z`` or ``+00:00``) is always accepted.
    - Any other offset must be Berlin's offset at that instant (``+01:00`` in winter,
      ``+02:00`` in summer); a contradicting offset names a wall time that Berlin does not
      have at that moment and is refused.
    - A time without offset is Berlin wall-clock time; it is refused if it falls into the
      spring gap (does not exist) or the autumn hour that occurs twice (ambiguous).
    - Its local day lies within the product's range (``core.dates``).
    """

    default_error_messages = {
        "out_of_range": OUT_OF_RANGE,
        "nonexistent": NONEXISTENT,
        "ambiguous": AMBIGUOUS,
        "offset": _(
            "The offset {offset} does not match Europe/Berlin at that moment ({expected}): "
            "this wall time does not exist in Berlin. Give the local time with offset "
            "{expected}, or the time in UTC (Z)."
        ),
    }

    def __init__(self, **kwargs):
        kwargs.setdefault("default_timezone", BERLIN)
        super().__init__(**kwargs)

    def to_internal_value(self, value):
        if isinstance(value, str) and ":" not in value:
            # A date alone would silently mean midnight; a start needs its time.
            self.fail("invalid", format="YYYY-MM-DDThh:mm[:ss][+HH:MM|Z]")
        return super().to_internal_value(value)

    def enforce_timezone(self, value: datetime.datetime) -> datetime.datetime:
        # The year first: converting year 1 or 9999 to another offset could overflow.
        if not year_in_range(value.year):
            self.fail("out_of_range")
        if timezone.is_aware(value):
            offset = value.utcoffset()
            if offset:
                expected = value.astimezone(BERLIN).utcoffset()
                if expected != offset:
                    self.fail(
                        "offset",
                        offset=_format_offset(offset),
                        expected=_format_offset(expected),
                    )
            local = value.astimezone(BERLIN)
        else:
            if not wall_time_exists(value):
                self.fail("nonexistent")
            if wall_time_is_ambiguous(value):
                self.fail("ambiguous")
            local = value.replace(tzinfo=BERLIN)
        if not instant_in_range(local):
            self.fail("out_of_range")
        return local


@extend_schema_field({"type": "string", "format": "date", "description": RANGE_TEXT})
class DayField(serializers.DateField):
    """A calendar day (ISO 8601, ``YYYY-MM-DD``) within the product's range (``core.dates``):
    400 outside it, so no date arithmetic after it can overflow."""

    default_error_messages = {"out_of_range": OUT_OF_RANGE}

    def to_internal_value(self, value):
        day = super().to_internal_value(value)
        if not day_in_range(day):
            self.fail("out_of_range")
        return day


def year_field(**kwargs) -> serializers.IntegerField:
    """A calendar year within the product's range."""
    kwargs.setdefault("help_text", f"A year from {FIRST_YEAR} to {LAST_YEAR}.")
    return serializers.IntegerField(min_value=FIRST_YEAR, max_value=LAST_YEAR, **kwargs)


LOCAL_TIME_PATTERN = r"^[0-9]{1,2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,6})?)?$"


@extend_schema_field(
    {
        "type": "string",
        "pattern": LOCAL_TIME_PATTERN,
        "example": "09:00",
        "description": "Local wall time in Europe/Berlin, no offset: hh:mm or hh:mm:ss.",
    }
)
class LocalTimeField(serializers.TimeField):
    """A wall-clock time of day in Europe/Berlin without a date and without an offset
    (``09:00`` or ``09:00:00``): an offset (``09:00:00-22:05``, ``09:00Z``) would be dropped
    silently by a plain ``TimeField``, so it is refused."""

    default_error_messages = {
        "offset": _("Give the local time without an offset, as hh:mm or hh:mm:ss."),
    }

    def to_internal_value(self, value):
        if isinstance(value, str):
            try:
                parsed = datetime.time.fromisoformat(value.strip())
            except ValueError:
                parsed = None  # not ISO 8601: the TimeField says what is wrong
            if parsed is not None and parsed.tzinfo is not None:
                self.fail("offset")
        return super().to_internal_value(value)


class ScopedPrimaryKeyRelatedField(serializers.PrimaryKeyRelatedField):
    """An id looked up only among the objects within the caller's reach.

    ``scope(user)`` returns the queryset (a selector); an id outside it is "unknown" (400),
    exactly like an id that does not exist, so nothing about other pools leaks.
    """

    def __init__(self, *, scope, **kwargs):
        self.scope = scope
        super().__init__(**kwargs)

    def get_queryset(self):
        request = self.context.get("request")
        return self.scope(request.user if request else None)
