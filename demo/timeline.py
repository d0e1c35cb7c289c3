"""The demo's clock: the services write their rows "now"; the story then dates them to the
moment each step happened (events, and the report, feedback, allowance and alert rows), so
that the history and figures such as the time to fill look real."""

from __future__ import annotations

import datetime

from django.db.models import Max, Model

from bookings.models import BookingEvent


class Timeline:
    """Dates every event written since the previous step to the moment of this step."""

    def __init__(self) -> None:
        self.dated_up_to = BookingEvent.objects.aggregate(last=Max("pk"))["last"] or 0

    def step(self, moment: datetime.datetime) -> None:
        events = BookingEvent.objects.filter(pk__gt=self.dated_up_to)
        last = events.aggregate(last=Max("pk"))["last"]
        if last is not None:
            events.update(created_at=moment)
            self.dated_up_to = last

    @staticmethod
    def date(row: Model, moment: datetime.datetime, *, field: str = "created_at") -> None:
        """Date one row written by a service (``auto_now_add`` fields cannot be given)."""
        type(row)._default_manager.filter(pk=row.pk).update(**{field: moment})
        setattr(row, field, moment)
