"""Series of appointments as their readers see them: which series a user may see (those of
their institution; coordinators: of their pool), the dates of one, and what cancelling from a
day onwards would do (the confirmation page and the API's preview say it before it is
done)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import QuerySet
from django.utils import timezone

from institutions.selectors import coordinator_of, staff_of

from ..constants import HOLDING_STATUSES, OfferStatus
from ..models import Booking, BookingSeries, Offer
from ..services.booking import is_late_cancellation
from ..services.series import series_dates_from


def series_visible_to(user: AbstractBaseUser | AnonymousUser | None) -> QuerySet[BookingSeries]:
    """Coordinators: the series of their pool's institutions; staff: their institution's.
    Mediators see the dates they serve, each as a booking, not the series."""
    qs = BookingSeries.objects.select_related("institution")
    if (coordinator := coordinator_of(user)) is not None:
        return qs.filter(institution__pool_id=coordinator.pool_id)
    if (staff := staff_of(user)) is not None:
        return qs.filter(institution_id=staff.institution_id)
    return qs.none()


def series_bookings(series: BookingSeries) -> QuerySet[Booking]:
    """The dates of the series in order, with what a list of them shows. One query."""
    return series.bookings.select_related("language", "mediator__user", "institution").order_by(
        "starts_at", "pk"
    )


@dataclass(frozen=True)
class SeriesCancelConsequences:
    bookings: list[Booking]  # the dates that are cancelled
    mediators_told: int  # mediators who hold one of them or have an open offer for one
    late: int  # dates cancelled late: their mediators are paid as the pool's rule says
    late_cancellation_hours: int


def series_cancel_consequences(
    series: BookingSeries, *, day: datetime.date, now: datetime.datetime | None = None
) -> SeriesCancelConsequences:
    now = now or timezone.now()
    dates = series_dates_from(series, day=day, now=now)
    held = [b for b in dates if b.mediator_id is not None and b.status in HOLDING_STATUSES]
    offered = Offer.objects.filter(
        booking__in=[b.pk for b in dates], status=OfferStatus.PENDING
    ).values_list("mediator_id", flat=True)
    told = {b.mediator_id for b in held} | set(offered)
    return SeriesCancelConsequences(
        bookings=dates,
        mediators_told=len(told),
        late=sum(1 for b in held if is_late_cancellation(b, now=now)),
        late_cancellation_hours=series.institution.pool.late_cancellation_hours,
    )
