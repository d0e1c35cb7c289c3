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
        """Date the events written since the last step to ``moment``. An event a step wrote
        for another booking than the story's own (a confirmation withdraws the mediator's
        clashing offers elsewhere and offers those bookings on) is never dated before that
        booking's previous event: each booking's history stays in order."""
        events = list(
            BookingEvent.objects.filter(pk__gt=self.dated_up_to).order_by("pk").only("booking")
        )
        if not events:
            return
        booking_ids = {e.booking_id for e in events}
        latest = dict(
            BookingEvent.objects.filter(booking_id__in=booking_ids, pk__lte=self.dated_up_to)
            .values("booking_id")
            .annotate(last=Max("created_at"))
            .values_list("booking_id", "last")
        )
        for event in events:
            at = max(moment, latest.get(event.booking_id) or moment)
            BookingEvent.objects.filter(pk=event.pk).update(created_at=at)
            latest[event.booking_id] = at
        self.dated_up_to = events[-1].pk

    @staticmethod
    def date(row: Model, moment: datetime.datetime, *, field: str = "created_at") -> None:
        """Date one row written by a service (``auto_now_add`` fields cannot be given)."""
        type(row)._default_manager.filter(pk=row.pk).update(**{field: moment})
        setattr(row, field, moment)
