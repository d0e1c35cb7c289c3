"""A mediator's own appointments as the assignments page lists them: first the past ones
that wait for a report ("report due"), then what lies ahead, then the rest of the past."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import QuerySet
from django.utils import timezone

from ..constants import Status
from ..models import Booking
from .bookings import booking_list

# The longest list of past appointments shown.
PAST_SHOWN = 50


@dataclass(frozen=True)
class Assignments:
    report_due: list[Booking]  # over, still confirmed: the report is due, the oldest first
    upcoming: QuerySet[Booking]  # confirmed, not over yet (under way included)
    past: list[Booking]  # everything else, the most recent first


def assignments_of(user: AbstractBaseUser, *, now: datetime.datetime | None = None) -> Assignments:
    """The appointments assigned to the mediator ``user`` at ``now``."""
    now = now or timezone.now()
    mine = booking_list(user).filter(mediator__user_id=user.pk)
    confirmed = mine.filter(status=Status.CONFIRMED)
    due = confirmed.filter(ends_at__lt=now).order_by("starts_at", "pk")
    upcoming = confirmed.filter(ends_at__gte=now).order_by("starts_at", "pk")
    past = mine.exclude(status=Status.CONFIRMED).order_by("-starts_at", "-pk")[:PAST_SHOWN]
    return Assignments(report_due=list(due), upcoming=upcoming, past=list(past))
