"""What happens next with a request, in plain words for the institution's booking page.

The typical time until a mediator accepts is the pool's own: the median time from request
to confirmation of its last ``SAMPLE`` confirmed bookings of the past year, in whole days
rounded up (at least one). With fewer than ``MIN_SAMPLE`` such bookings the page says
``DEFAULT_DAYS`` days.
"""

from __future__ import annotations

import datetime
import math
import statistics
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from institutions.models import Pool

from ..constants import Mode, ReportStatus, Status
from ..models import Booking

DEFAULT_DAYS = 2
MIN_SAMPLE = 10
SAMPLE = 200


def typical_days_to_confirm(pool: Pool, *, now: datetime.datetime) -> int:
    """The pool's median days from request to confirmation (rounded up), or the default."""
    rows = list(
        Booking.objects.filter(
            pool=pool,
            confirmed_at__isnull=False,
            confirmed_at__gte=now - datetime.timedelta(days=365),
            confirmed_at__lte=now,
        )
        .order_by("-confirmed_at")
        .values_list("created_at", "confirmed_at")[:SAMPLE]
    )
    waits = [
        (confirmed - created).total_seconds()
        for created, confirmed in rows
        if confirmed is not None and confirmed >= created
    ]
    if len(waits) < MIN_SAMPLE:
        return DEFAULT_DAYS
    return max(1, math.ceil(statistics.median(waits) / 86400))


@dataclass(frozen=True)
class NextSteps:
    title: str
    paragraphs: tuple[str, ...]


def _within(days: int) -> str:
    return ngettext("usually within %(days)s day", "usually within %(days)s days", days) % {
        "days": days
    }


def next_steps_for(booking: Booking, *, now: datetime.datetime | None = None) -> NextSteps:
    """What happens next and what the institution may do, by the booking's status."""
    now = now or timezone.now()
    status = booking.status
    if status == Status.AWAITING_APPROVAL:
        lines = [
            _(
                "The integration centre looks at your request first, for example because of "
                "the budget. You will get an e-mail when it is approved, or if it cannot be "
                "served."
            )
        ]
    elif status in (Status.REQUESTED, Status.OFFERED):
        lines = [
            _(
                "We are asking suitable mediators now. You will get an e-mail when one has "
                "accepted, %(within)s."
            )
            % {"within": _within(typical_days_to_confirm(booking.pool, now=now))}
        ]
    elif status == Status.CONFIRMED:
        lines = [
            _(
                "A mediator has accepted and will take part. You have received the calendar "
                "invitation by e-mail."
            ),
            {
                str(Mode.ON_SITE): _(
                    "Please tell your reception, and plan a few minutes before the start to "
                    "tell the mediator what the conversation is about."
                ),
                str(Mode.VIDEO): _(
                    "The mediator joins with the meeting link you gave. Plan a few minutes "
                    "before the start to tell them what the conversation is about."
                ),
                str(Mode.PHONE): _(
                    "The mediator dials in with the number you gave. Plan a few minutes "
                    "before the start to tell them what the conversation is about."
                ),
            }[booking.mode],
            _("If the appointment is no longer needed, please cancel it as early as possible."),
        ]
    elif status == Status.UNFILLED:
        lines = [
            _(
                "No mediator has accepted in time. The coordinators of the integration centre "
                "are now looking for someone themselves and will contact you. A different "
                "time may help: you can change it below."
            )
        ]
    elif status == Status.COMPLETED:
        report = getattr(booking, "report", None)
        if report is not None and report.status == ReportStatus.SUBMITTED:
            lines = [_("The appointment took place. Please check the mediator's report below.")]
        else:
            lines = [_("The appointment took place. The mediator reports it afterwards.")]
    elif status == Status.CANCELLED:
        lines = [
            _(
                "The appointment is cancelled; nobody will come. If you still need a mediator, "
                "please make a new request."
            )
        ]
    elif status == Status.NO_SHOW:
        lines = [_("The appointment was recorded as missed. The coordinators will contact you.")]
    else:
        lines = [_("Everything is done. There is nothing more to do.")]
    if (
        status in (Status.AWAITING_APPROVAL, Status.REQUESTED, Status.OFFERED, Status.UNFILLED,
                   Status.CONFIRMED)
        and booking.starts_at > now
    ):  # fmt: skip
        if booking.mode == Mode.VIDEO and not booking.meeting_url:
            lines.append(
                _(
                    "The meeting link is still missing. Add it with “Change time or place” so "
                    "that the mediator can join."
                )
            )
        elif booking.mode == Mode.PHONE and not booking.dial_in_number:
            lines.append(
                _(
                    "The dial-in number is still missing. Add it with “Change time or place” "
                    "so that the mediator can dial in."
                )
            )
    return NextSteps(title=_("What happens next"), paragraphs=tuple(lines))
