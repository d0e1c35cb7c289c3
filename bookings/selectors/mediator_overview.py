"""What a coordinator's page about one mediator shows beyond the profile: the assignments
ahead and behind, the year's hours and allowances against the tax-free yearly amount, the
conflicts of interest, and who read or changed the person's data (the access log)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.db.models import Sum
from django.db.models.functions import Coalesce

from core.time import local_date
from mediators.models import (
    Absence,
    AvailabilityDate,
    AvailabilitySlot,
    ConflictOfInterest,
    Mediator,
)
from mediators.selectors import (
    absences_of,
    availability_dates_of,
    availability_of,
    conflict_history_of,
)

from ..constants import HOLDING_STATUSES, Status
from ..models import AccessLog, Booking
from ..privacy.selectors import access_log_visible_to
from .bookings import booking_list, bookings_visible_to
from .statements import TaxFreeStatus, mediator_tax_free_status

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

# How many rows of each list the page shows (the newest or next ones).
ASSIGNMENTS_SHOWN = 10
ACCESS_LOG_SHOWN = 20
# Bookings that count as hours worked in the year.
WORKED_STATUSES = (Status.COMPLETED, Status.CLOSED)


@dataclass(frozen=True)
class MediatorOverview:
    availability: list[AvailabilitySlot]
    absences: list[Absence]
    upcoming: list[Booking]
    past: list[Booking]
    year: int
    minutes_this_year: int
    tax_free: TaxFreeStatus
    conflicts: list[ConflictOfInterest]
    access_log: list[AccessLog]
    # One-off availability ahead (dates with hours).
    dates: list[AvailabilityDate] = field(default_factory=list)

    @property
    def hours_this_year(self) -> float:
        return self.minutes_this_year / 60


def mediator_overview(
    *,
    viewer: AbstractBaseUser | AnonymousUser,
    mediator: Mediator,
    now: datetime.datetime,
) -> MediatorOverview:
    """The overview of ``mediator`` as ``viewer`` (a coordinator) may see it: only bookings
    of the viewer's pool, only the access log of that pool. Hours are the reported minutes
    (else the booked ones) of the year's completed and closed appointments; allowances are
    the mediator's whole year, as the tax-free amount is the person's."""
    today = local_date(now)
    year = today.year
    assigned = booking_list(viewer).filter(mediator=mediator)
    upcoming = list(
        assigned.filter(starts_at__gte=now, status__in=HOLDING_STATUSES)[:ASSIGNMENTS_SHOWN]
    )
    past = list(
        assigned.filter(starts_at__lt=now).order_by("-starts_at", "-pk")[:ASSIGNMENTS_SHOWN]
    )
    first, following = datetime.date(year, 1, 1), datetime.date(year + 1, 1, 1)
    minutes = (
        bookings_visible_to(viewer)
        .filter(
            mediator=mediator,
            status__in=WORKED_STATUSES,
            starts_at__date__gte=first,
            starts_at__date__lt=following,
        )
        .aggregate(minutes=Sum(Coalesce("report__actual_minutes", "duration_minutes")))["minutes"]
        or 0
    )
    log = access_log_visible_to(viewer, person=mediator.user_id)[:ACCESS_LOG_SHOWN]
    return MediatorOverview(
        availability=list(availability_of(mediator)),
        absences=list(absences_of(mediator).filter(ends_on__gte=today)),
        upcoming=upcoming,
        past=past,
        year=year,
        minutes_this_year=int(minutes),
        tax_free=mediator_tax_free_status(mediator=mediator, year=year),
        conflicts=list(conflict_history_of(mediator)),
        access_log=list(log),
        dates=list(availability_dates_of(mediator, from_day=today)),
    )
