"""Eligibility: every hard constraint of PRODUCT.md, evaluated in the database where it can be.

``eligible_mediators(booking)`` is one queryset (one SQL query) that applies every rule but
the travel gap between two on-site bookings, which needs the distance between two places;
``eligible_rows(booking)`` adds that check with one more query. The number of queries never
grows with the size of the pool.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import connection
from django.db.models import (
    Count,
    Exists,
    F,
    FloatField,
    IntegerField,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import ASin, Coalesce, Cos, Least, Power, Radians, Sin, Sqrt
from django.utils import timezone

from institutions.models import Pool, PostalCode
from mediators.constants import USABLE_LEVEL
from mediators.models import (
    Absence,
    AvailabilitySlot,
    ConflictOfInterest,
    InstitutionBlock,
    Mediator,
    MediatorLanguage,
)

from ..constants import HOLDING_STATUSES, Mode, Status
from ..models import Booking
from . import rules

# Late cancellations and no-shows older than this do not lower the reliability.
RELIABILITY_DAYS = 180
FAIRNESS_DAYS = 30
# No two places a mediator may reach are further apart than this in travel time.
MAX_TRAVEL_GAP = datetime.timedelta(hours=16)
# The SQL distance is a pre-filter; the exact check is rules.within_travel_range.
SQL_DISTANCE_SLACK_KM = 0.5


@dataclass(frozen=True, slots=True)
class Request:
    """What eligibility needs of a booking, computed once."""

    booking: Booking
    appointment: rules.Appointment
    window: rules.SlotWindow | None
    days: tuple[datetime.date, ...]
    week: tuple[datetime.datetime, datetime.datetime]
    month: tuple[datetime.datetime, datetime.datetime]

    @classmethod
    def of(cls, booking: Booking) -> Request:
        location = booking.location if booking.mode == Mode.ON_SITE else None
        appointment = rules.Appointment(
            starts_at=booking.starts_at,
            ends_at=booking.ends_at,
            mode=booking.mode,
            latitude=location.latitude if location else None,
            longitude=location.longitude if location else None,
            booking_id=booking.pk,
        )
        return cls(
            booking=booking,
            appointment=appointment,
            window=rules.required_slot_window(booking.starts_at, booking.ends_at),
            days=rules.local_days(booking.starts_at, booking.ends_at),
            week=rules.iso_week_bounds(booking.starts_at),
            month=rules.month_bounds(booking.starts_at),
        )


def pools_served_by_mediators_of(pool_id: int) -> Q:
    """Mediators of the booking's pool and of the pools that share mediators with it."""
    shared = Pool.shares_mediators_with.through.objects.filter(from_pool_id=pool_id).values(
        "to_pool_id"
    )
    return Q(pool_id=pool_id) | Q(pool_id__in=Subquery(shared))


def _held(booking: Booking) -> QuerySet[Booking]:
    return Booking.objects.filter(mediator_id=OuterRef("pk"), status__in=HOLDING_STATUSES).exclude(
        pk=booking.pk
    )


def _minutes_between(booking: Booking, lo: datetime.datetime, hi: datetime.datetime) -> Coalesce:
    held = (
        _held(booking)
        .filter(starts_at__gte=lo, starts_at__lt=hi)
        .order_by()
        .values("mediator_id")
        .annotate(m=Sum("duration_minutes"))
        .values("m")
    )
    return Coalesce(Subquery(held, output_field=IntegerField()), Value(0))


def _home_coordinates() -> tuple[Coalesce, Coalesce]:
    by_code = PostalCode.objects.filter(code=OuterRef("home_postal_code"))
    lat = Coalesce(F("home_latitude"), Subquery(by_code.values("latitude")[:1]))
    lon = Coalesce(F("home_longitude"), Subquery(by_code.values("longitude")[:1]))
    return lat, lon


def _road_km_sql(lat: float, lon: float):
    """Haversine in SQL from the mediator's home to (lat, lon), times the road factor."""
    import math

    lat_r, lon_r = math.radians(lat), math.radians(lon)
    home_lat = Radians(F("home_lat"))
    home_lon = Radians(F("home_lon"))
    a = Power(Sin((Value(lat_r) - home_lat) / 2), 2) + Cos(home_lat) * Value(
        math.cos(lat_r)
    ) * Power(Sin((Value(lon_r) - home_lon) / 2), 2)
    return Value(2 * rules.EARTH_RADIUS_KM * rules.ROAD_FACTOR) * ASin(
        Least(Sqrt(a), Value(1.0)), output_field=FloatField()
    )


def eligible_mediators(
    booking: Booking, *, request: Request | None = None, now: datetime.datetime | None = None
) -> QuerySet[Mediator]:
    """Mediators who meet every hard constraint except the travel gap between two on-site
    bookings (see ``eligible_rows``), annotated with what ranking needs. One query."""
    request = request or Request.of(booking)
    now = now or timezone.now()
    local_day = request.days[0]
    qs = Mediator.objects.filter(
        pools_served_by_mediators_of(booking.pool_id),
        active=True,
        training_completed_on__isnull=False,
        pledge_signed_on__isnull=False,
    )
    if request.window is None:
        return qs.none()

    languages = MediatorLanguage.objects.filter(
        mediator_id=OuterRef("pk"), language_id=booking.language_id, level__gte=USABLE_LEVEL
    )
    if booking.dialect_id:
        languages = languages.filter(dialect_id=booking.dialect_id)
    slots = AvailabilitySlot.objects.filter(
        mediator_id=OuterRef("pk"),
        weekday=request.window.weekday,
        start_time__lte=request.window.start,
        end_time__gte=request.window.end,
    )
    absences = Absence.objects.filter(
        mediator_id=OuterRef("pk"), starts_on__lte=request.days[-1], ends_on__gte=local_day
    )
    overlapping = _held(booking).filter(
        starts_at__lt=booking.ends_at, ends_at__gt=booking.starts_at
    )
    blocks = InstitutionBlock.objects.filter(
        mediator_id=OuterRef("pk"), institution_id=booking.institution_id
    )
    qs = qs.filter(Exists(languages), Exists(slots), ~Exists(absences), ~Exists(overlapping))
    qs = qs.filter(~Exists(blocks))
    if booking.case_reference:
        conflicts = ConflictOfInterest.objects.filter(
            mediator_id=OuterRef("pk"), case_reference__iexact=booking.case_reference.strip()
        )
        qs = qs.filter(~Exists(conflicts))
    if booking.with_children:
        qs = qs.filter(police_certificate_valid_until__gte=local_day)
    if booking.gender_preference:
        qs = qs.filter(gender=booking.gender_preference)
    if booking.topic and connection.features.supports_json_field_contains:
        # Elsewhere (SQLite) the topic is checked in Python in eligible_rows.
        qs = qs.exclude(declined_topics__contains=[booking.topic])

    qs = qs.annotate(
        week_minutes=_minutes_between(booking, *request.week),
        month_minutes=_minutes_between(booking, *request.month),
    ).filter(
        week_minutes__lte=F("max_hours_per_week") * 60 - booking.duration_minutes,
        month_minutes__lte=F("max_hours_per_month") * 60 - booking.duration_minutes,
    )
    home_lat, home_lon = _home_coordinates()
    qs = qs.annotate(home_lat=home_lat, home_lon=home_lon)
    if request.appointment.on_site:
        place = request.appointment
        if place.latitude is None or place.longitude is None:
            return qs.none()
        qs = qs.filter(home_lat__isnull=False, home_lon__isnull=False)
        qs = qs.annotate(sql_km=_road_km_sql(place.latitude, place.longitude)).filter(
            sql_km__lte=F("max_travel_km") + SQL_DISTANCE_SLACK_KM
        )
    return _annotate_for_ranking(qs, booking=booking, now=now)


def _annotate_for_ranking(
    qs: QuerySet[Mediator], *, booking: Booking, now: datetime.datetime
) -> QuerySet[Mediator]:
    since = now - datetime.timedelta(days=FAIRNESS_DAYS)
    last_served = (
        _held(booking)
        .filter(starts_at__lt=now)
        .order_by()
        .values("mediator_id")
        .annotate(last=Max("starts_at"))
        .values("last")
    )
    no_shows = (
        Booking.objects.filter(
            mediator_id=OuterRef("pk"),
            status=Status.NO_SHOW,
            starts_at__gte=now - datetime.timedelta(days=RELIABILITY_DAYS),
        )
        .order_by()
        .values("mediator_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    continuity: Exists | Value = Value(False)
    if booking.case_reference:
        continuity = Exists(
            _held(booking).filter(
                institution_id=booking.institution_id,
                case_reference__iexact=booking.case_reference.strip(),
            )
        )
    follow_up: Exists | Value = Value(False)
    if booking.follow_up_of_id:
        follow_up = Exists(
            Booking.objects.filter(pk=booking.follow_up_of_id, mediator_id=OuterRef("pk"))
        )
    town_id = booking.location.town_id if booking.location_id else booking.institution.town_id
    prefers_town = Exists(
        Mediator.preferred_towns.through.objects.filter(mediator_id=OuterRef("pk"), town_id=town_id)
    )
    return qs.annotate(
        recent_minutes=_minutes_between(booking, since, now),
        last_served_at=Subquery(last_served),
        no_shows=Coalesce(Subquery(no_shows, output_field=IntegerField()), Value(0)),
        same_case=continuity,
        follow_up=follow_up,
        prefers_town=prefers_town,
    ).select_related("user")


def _held_nearby(
    booking: Booking, mediator_ids: Iterable[int]
) -> dict[int, list[rules.Appointment]]:
    """On-site bookings the given mediators hold near the booking's time (one query)."""
    rows = (
        Booking.objects.filter(
            mediator_id__in=list(mediator_ids),
            status__in=HOLDING_STATUSES,
            mode=Mode.ON_SITE,
            starts_at__lt=booking.ends_at + MAX_TRAVEL_GAP,
            ends_at__gt=booking.starts_at - MAX_TRAVEL_GAP,
        )
        .exclude(pk=booking.pk)
        .values_list(
            "pk", "mediator_id", "starts_at", "ends_at", "location__latitude", "location__longitude"
        )
    )
    held: dict[int, list[rules.Appointment]] = defaultdict(list)
    for pk, mediator_id, starts_at, ends_at, lat, lon in rows:
        held[mediator_id].append(
            rules.Appointment(starts_at, ends_at, Mode.ON_SITE, lat, lon, booking_id=pk)
        )
    return held


def eligible_rows(
    booking: Booking,
    *,
    now: datetime.datetime | None = None,
    only: Iterable[int] | None = None,
    exclude: Iterable[int] = (),
) -> tuple[Request, list[Mediator]]:
    """Every eligible mediator (all hard constraints), with the ranking annotations."""
    request = Request.of(booking)
    qs = eligible_mediators(booking, request=request, now=now)
    if only is not None:
        qs = qs.filter(pk__in=list(only))
    excluded = list(exclude)
    if excluded:
        qs = qs.exclude(pk__in=excluded)
    mediators = list(qs)
    appointment = request.appointment
    if booking.topic:
        mediators = [m for m in mediators if booking.topic not in (m.declined_topics or [])]
    if appointment.on_site:
        mediators = [
            m
            for m in mediators
            if rules.within_travel_range(
                home=(m.home_lat, m.home_lon),
                appointment=appointment,
                max_travel_km=m.max_travel_km,
            )
        ]
        if mediators:
            held = _held_nearby(booking, (m.pk for m in mediators))
            mediators = [
                m for m in mediators if not rules.clashes_with_any(appointment, held.get(m.pk, ()))
            ]
    return request, mediators


def is_eligible(
    booking: Booking, mediator: Mediator, *, now: datetime.datetime | None = None
) -> bool:
    _, rows = eligible_rows(booking, now=now, only=[mediator.pk])
    return bool(rows)
