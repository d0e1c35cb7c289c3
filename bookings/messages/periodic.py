"""The booking's periodic messages, written by Celery beat (``bookings.tasks``); each
function is idempotent when it runs twice.

- ``reminders_write``: the reminder a day before (``Pool.reminder_hours_before``), to both
  sides; one per booking, sequence and side, not sent once the appointment has begun;
- ``report_requests_write``: after the appointment, the mediator is asked for the report.
"""

from __future__ import annotations

import datetime

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from core.time import add_duration
from institutions.models import Pool
from notifications.constants import SIDE_INSTITUTION, SIDE_MEDIATOR, MessageKind
from notifications.models import Message
from notifications.services import message_build, messages_write

from ..constants import Status
from ..models import Booking
from .content import BOOKING_RELATIONS
from .hooks import report_request_messages
from .recipients import institution_recipient, mediator_recipient


def reminders_write(*, now: datetime.datetime | None = None) -> int:
    """Write the reminders due now: confirmed bookings that start within their pool's
    ``reminder_hours_before`` and were not confirmed inside that window already."""
    now = now or timezone.now()
    longest = Pool.objects.aggregate(h=Max("reminder_hours_before"))["h"] or 0
    if not longest:
        return 0
    bookings = Booking.objects.filter(
        status=Status.CONFIRMED,
        starts_at__gt=now,
        starts_at__lte=add_duration(now, datetime.timedelta(hours=longest)),
    ).select_related(*BOOKING_RELATIONS, "requested_by__staff")
    rows: list[Message] = []
    for booking in bookings:
        window = datetime.timedelta(hours=booking.pool.reminder_hours_before)
        if not window or booking.starts_at - now > window:
            continue
        if booking.confirmed_at and booking.confirmed_at >= booking.starts_at - window:
            continue  # the confirmation itself came inside the window
        key = f"{MessageKind.REMINDER}:b{booking.pk}:s{booking.sequence}"
        institution = institution_recipient(booking)
        if institution is not None:
            rows.append(
                message_build(
                    kind=MessageKind.REMINDER,
                    key=f"{key}:{SIDE_INSTITUTION}",
                    recipient=institution,
                    booking=booking,
                    context={"side": SIDE_INSTITUTION},
                    not_after=booking.starts_at,
                )
            )
        mediator = mediator_recipient(booking.mediator) if booking.mediator else None
        if mediator is not None:
            rows.append(
                message_build(
                    kind=MessageKind.REMINDER,
                    key=f"{key}:{SIDE_MEDIATOR}{booking.mediator_id}",
                    recipient=mediator,
                    booking=booking,
                    context={"side": SIDE_MEDIATOR, "mediator_id": booking.mediator_id},
                    not_after=booking.starts_at,
                )
            )
    with transaction.atomic():
        return len(messages_write(rows))


def report_requests_write(*, now: datetime.datetime | None = None) -> int:
    """Ask for the report of every appointment that ended in the last week without one."""
    now = now or timezone.now()
    bookings = Booking.objects.filter(
        status__in=[Status.CONFIRMED, Status.COMPLETED],
        mediator__isnull=False,
        report__isnull=True,
        ends_at__lte=now,
        ends_at__gt=now - datetime.timedelta(days=7),
    ).select_related(*BOOKING_RELATIONS)
    rows = [row for booking in bookings for row in report_request_messages(booking=booking)]
    with transaction.atomic():
        return len(messages_write(rows))
