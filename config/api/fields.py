"""Serializer fields with the product's rules for time: Europe/Berlin at the edges."""

from __future__ import annotations

import datetime

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from core.time import BERLIN

UTC = datetime.UTC


def _wall_time_exists(value: datetime.datetime) -> bool:
    """A naive wall time exists in Berlin if it survives a round trip through UTC."""
    aware = value.replace(tzinfo=BERLIN)
    return aware.astimezone(UTC).astimezone(BERLIN).replace(tzinfo=None) == value


def _wall_time_is_ambiguous(value: datetime.datetime) -> bool:
    return (
        value.replace(tzinfo=BERLIN, fold=0).utcoffset()
        != value.replace(tzinfo=BERLIN, fold=1).utcoffset()
    )


def _format_offset(offset: datetime.timedelta | None) -> str:
    seconds = int((offset or datetime.timedelta()).total_seconds())
    sign = "+" if seconds >= 0 else "-"
    hours, minutes = divmod(abs(seconds) // 60, 60)
    return f"{sign}{hours:02d}:{minutes:02d}"


class BerlinDateTimeField(serializers.DateTimeField):
    """An ISO 8601 date and time, read and shown in Europe/Berlin.

    - UTC (``Z`` or ``+00:00``) is always accepted.
    - Any other offset must be Berlin's offset at that instant (``+01:00`` in winter,
      ``+02:00`` in summer); a contradicting offset names a wall time that Berlin does not
      have at that moment and is refused.
    - A time without offset is Berlin wall-clock time; it is refused if it falls into the
      spring gap (does not exist) or the autumn hour that occurs twice (ambiguous).
    """

    default_error_messages = {
        "out_of_range": _("Give a date between the years {min_year} and {max_year}."),
        "nonexistent": _(
            "This local time does not exist in Europe/Berlin (the clocks jump forward at the "
            "change to summer time). Choose another time."
        ),
        "ambiguous": _(
            "This local time occurs twice in Europe/Berlin (the clocks go back at the change "
            "to winter time). Give it with an offset: +02:00 for the first, +01:00 for the "
            "second time."
        ),
        "offset": _(
            "The offset {offset} does not match Europe/Berlin at that moment ({expected}): "
            "this wall time does not exist in Berlin. Give the local time with offset "
            "{expected}, or the time in UTC (Z)."
        ),
    }

    # Far enough for every appointment, near enough that date arithmetic never overflows.
    min_year = 1900
    max_year = 2100

    def __init__(self, **kwargs):
        kwargs.setdefault("default_timezone", BERLIN)
        super().__init__(**kwargs)

    def to_internal_value(self, value):
        if isinstance(value, str) and ":" not in value:
            # A date alone would silently mean midnight; a start needs its time.
            self.fail("invalid", format="YYYY-MM-DDThh:mm[:ss][+HH:MM|Z]")
        return super().to_internal_value(value)

    def enforce_timezone(self, value: datetime.datetime) -> datetime.datetime:
        if not self.min_year <= value.year <= self.max_year:
            self.fail("out_of_range", min_year=self.min_year, max_year=self.max_year)
        try:
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
                return value.astimezone(BERLIN)
            if not _wall_time_exists(value):
                self.fail("nonexistent")
            if _wall_time_is_ambiguous(value):
                self.fail("ambiguous")
            return value.replace(tzinfo=BERLIN)
        except OverflowError:
            self.fail("overflow")


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
