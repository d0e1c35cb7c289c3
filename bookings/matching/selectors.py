"""Read-only entry points of the matching engine."""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.utils import timezone

from institutions.models import Pool
from institutions.selectors import coordinates_for_postal_code
from mediators.constants import USABLE_LEVEL
from mediators.models import Mediator, MediatorLanguage

from ..constants import ANSWERED_OFFER_STATUSES, Mode, Status
from ..models import Booking, Offer
from .eligibility import (
    SQL_DISTANCE_SLACK_KM,
    eligible_rows,
    pools_serving,
    road_km_sql,
)
from .ranking import Candidate, pool_figures, rank


def candidates_for(
    booking: Booking,
    *,
    now: datetime.datetime | None = None,
    exclude: Iterable[int] = (),
    only: Iterable[int] | None = None,
) -> list[Candidate]:
    """Every mediator who meets all hard constraints for the booking, best first, each with
    a score and the reasons for it. A fixed number of queries, whatever the pool's size."""
    now = now or timezone.now()
    request, mediators = eligible_rows(booking, now=now, only=only, exclude=exclude)
    if not mediators:
        return []
    figures = pool_figures(booking, now=now)
    return rank(booking, request, mediators, pool=booking.pool, figures=figures, now=now)


def offers_of(mediator: Mediator) -> QuerySet[Offer]:
    """A mediator's own offers, newest first."""
    return (
        Offer.objects.filter(mediator=mediator)
        .select_related(
            "booking__language", "booking__location__town", "booking__institution__town"
        )
        .order_by("-created_at", "-pk")
    )


def offers_on(booking: Booking) -> QuerySet[Offer]:
    """The booking's offers, newest first: who was asked, when, until when, their answer,
    and the override of an offer made with consent. One query."""
    return (
        Offer.objects.filter(booking=booking)
        .select_related("mediator__user", "override__created_by")
        .order_by("-created_at", "-pk")
    )


def pools_sharing_with(booking: Booking) -> QuerySet[Pool]:
    """The pools whose mediators the booking's pool shares (already searched by matching)."""
    return Pool.objects.filter(shares_mediators_with=booking.pool_id).order_by("name")


def pools_helping_on_request(booking: Booking) -> QuerySet[Pool]:
    """The pools a coordinator may widen the booking to (``services.widen.booking_widen``):
    those that help its pool on request and do not share mediators with it already (their
    mediators are searched anyway), each annotated ``widened``: already widened to."""
    widened = Booking.widened_to.through.objects.filter(
        booking_id=booking.pk, pool_id=OuterRef("pk")
    )
    return (
        Pool.objects.filter(helps_on_request=booking.pool_id)
        .exclude(pk=booking.pool_id)
        .exclude(shares_mediators_with=booking.pool_id)
        .annotate(widened=Exists(widened))
        .order_by("name")
    )


def mediators_assignable_by(user: AbstractBaseUser, booking: Booking) -> QuerySet[Mediator]:
    """Mediators a coordinator may name for a booking: the pool's, its sharing pools' and
    those of the pools it was widened to."""
    if getattr(user, "coordinator", None) is None:
        return Mediator.objects.none()
    return Mediator.objects.filter(pools_serving(booking))


# The most unfilled requests one change of a mediator tries again (the soonest first).
REMATCH_LIMIT = 50


def unfilled_requests_for(
    mediator: Mediator,
    *,
    now: datetime.datetime,
    between: tuple[datetime.datetime, datetime.datetime] | None = None,
    slot: tuple[int, datetime.time, datetime.time] | None = None,
    limit: int = REMATCH_LIMIT,
) -> list[int]:
    """The unfilled requests a change of the mediator may let them serve, soonest first, at
    most ``limit``: ahead of their pool's fill deadline, in a pool the mediator serves, in
    one of their languages, on site within their travel range (or not on site), not
    answered by them before (declined, expired, given back), and, where the change was in
    time, touching ``between`` (an absence's days, a freed appointment) or on the weekday
    of ``slot`` and overlapping its hours (local time). Two queries; a pre-filter, the
    exact rules are checked for each request again (``offers.unfilled_rematch``)."""
    if not (mediator.active and mediator.is_vetted):
        return []
    languages = MediatorLanguage.objects.filter(mediator=mediator, level__gte=USABLE_LEVEL)
    sharing = Pool.shares_mediators_with.through.objects.filter(to_pool_id=mediator.pool_id)
    pools = Pool.objects.filter(
        Q(pk=mediator.pool_id) | Q(pk__in=sharing.values("from_pool_id"))
    ).values_list("pk", "fill_deadline_hours")
    ahead = Q(pk__in=[])
    for pool_id, hours in pools:
        ahead |= Q(pool_id=pool_id, starts_at__gt=now + datetime.timedelta(hours=hours))
    # Requests widened to the mediator's pool: their own pool's deadline is checked for
    # each in ``offers.unfilled_rematch``.
    widened = Booking.widened_to.through.objects.filter(pool_id=mediator.pool_id)
    ahead |= Q(pk__in=widened.values("booking_id"), starts_at__gt=now)
    answered = Offer.objects.filter(
        booking_id=OuterRef("pk"), mediator_id=mediator.pk, status__in=ANSWERED_OFFER_STATUSES
    )
    requests = Booking.objects.filter(
        ahead,
        status=Status.UNFILLED,
        language_id__in=languages.values("language_id"),
    ).filter(~Exists(answered))
    if between is not None:
        requests = requests.filter(starts_at__lt=between[1], ends_at__gt=between[0])
    if slot is not None:
        weekday, start, end = slot
        requests = requests.filter(
            starts_at__iso_week_day=weekday + 1, starts_at__time__lt=end, ends_at__time__gt=start
        )
    home: tuple[float, float] | None = None
    if mediator.home_latitude is not None and mediator.home_longitude is not None:
        home = (mediator.home_latitude, mediator.home_longitude)
    else:
        home = coordinates_for_postal_code(mediator.home_postal_code)
    elsewhere = ~Q(mode=Mode.ON_SITE)
    if home is None:
        requests = requests.filter(elsewhere)
    else:
        km = road_km_sql(F("location__latitude"), F("location__longitude"), *home)
        requests = requests.alias(km=km).filter(
            elsewhere | Q(km__lte=mediator.max_travel_km + SQL_DISTANCE_SLACK_KM)
        )
    return list(requests.order_by("starts_at", "pk").values_list("pk", flat=True)[:limit])
