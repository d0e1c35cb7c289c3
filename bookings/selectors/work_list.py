"""The coordinator's work list: what waits for someone of the pool to act on it.

One query per section, whatever the number of rows: bookings come through ``booking_list``
(the coordinator's reach, with what a row shows), mediators through ``mediators_kept_by``,
the undelivered messages through ``notifications.selectors.failed_messages_for``. The three
sections of requests still open (unfilled, due soon, awaiting approval) share one query, and
the two of reports (disputed, call-back wished) another, each section taking its rows by the
same condition in Python: a query of these joins costs more to plan (2-3 ms) than to run.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from core.heartbeat import BEAT, WORKER, stale_of
from core.time import local_date
from mediators.applications.selectors import applications_open_for
from mediators.selectors import mediators_kept_by
from notifications.selectors import failed_messages_for

from ..constants import ReportStatus, Status
from ..models import Alert, Booking
from .bookings import booking_list

if TYPE_CHECKING:
    from institutions.models import Coordinator
    from mediators.models import Mediator, MediatorApplication
    from notifications.models import Message

# Requests still open this many days before their start are shown as due soon.
SOON_DAYS = 7
# Police certificates that expire within this many days (or have expired) are shown.
CERTIFICATE_WARNING_DAYS = 60
# The longest lists of messages and alerts shown at once.
LATEST = 50


@dataclass(frozen=True)
class WorkList:
    today: datetime.date
    unfilled: list[Booking]  # nobody found, the appointment still ahead
    soon: list[Booking]  # requested or offered, starting within SOON_DAYS
    awaiting_approval: list[Booking]
    disputed: list[Booking]  # reports the institution disputes
    failed_messages: list[Message]
    expiring: list[Mediator]  # active mediators whose police certificate runs out
    alerts: list[Alert]  # open alerts, the latest LATEST
    # "beat" / "worker" when its heartbeat is stale (core/heartbeat.py): offers, reminders and
    # e-mails wait until the IT department starts it again. Empty without background processes.
    background_down: list[str]
    # Applications to become a mediator, waiting to be accepted or declined.
    applications: list[MediatorApplication]
    # Mediators who asked, with their report, to be called back (until marked done).
    call_backs: list[Booking] = field(default_factory=list)


def background_down(now: datetime.datetime) -> list[str]:
    """The background processes whose heartbeat is stale (none when tasks run in process)."""
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return []
    return stale_of((BEAT, WORKER), now=now)


def work_list_for(coordinator: Coordinator, *, now: datetime.datetime | None = None) -> WorkList:
    """The work list of the coordinator's pool at ``now``."""
    now = now or timezone.now()
    today = local_date(now)
    bookings = booking_list(coordinator.user)
    expiring = (
        mediators_kept_by(coordinator.user)
        .filter(
            active=True,
            police_certificate_valid_until__lt=today
            + datetime.timedelta(days=CERTIFICATE_WARNING_DAYS),
        )
        .select_related("user")
        .order_by("police_certificate_valid_until")
    )
    alerts = Alert.objects.filter(pool_id=coordinator.pool_id, resolved_at__isnull=True)
    soon_end = now + datetime.timedelta(days=SOON_DAYS)
    due_soon = (Status.REQUESTED, Status.OFFERED)
    # Each section's condition, once for the query and once (the same) for taking its rows.
    waiting = list(
        bookings.filter(
            Q(status=Status.UNFILLED, starts_at__gte=now)
            | Q(status__in=due_soon, starts_at__gte=now, starts_at__lt=soon_end)
            | Q(status=Status.AWAITING_APPROVAL)
        )
    )
    reported = list(
        bookings.filter(
            Q(report__status=ReportStatus.DISPUTED)
            | Q(report__call_back=True, report__call_back_done_at__isnull=True)
        ).select_related("report")
    )
    return WorkList(
        today=today,
        unfilled=[b for b in waiting if b.status == Status.UNFILLED and b.starts_at >= now],
        soon=[b for b in waiting if b.status in due_soon and now <= b.starts_at < soon_end],
        awaiting_approval=[b for b in waiting if b.status == Status.AWAITING_APPROVAL],
        disputed=[b for b in reported if b.report.status == ReportStatus.DISPUTED],
        failed_messages=list(failed_messages_for(coordinator.pool_id)[:LATEST]),
        expiring=list(expiring),
        alerts=list(alerts.select_related("booking")[:LATEST]),
        background_down=background_down(now),
        applications=list(applications_open_for(coordinator.user)),
        call_backs=sorted(
            (b for b in reported if b.report.call_back and b.report.call_back_done_at is None),
            key=lambda b: (b.report.reported_at, b.pk),
        ),
    )
