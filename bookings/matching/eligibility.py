"""Eligibility: every hard constraint of PRODUCT.md, evaluated in the database where it can be.

``eligible_mediators(booking)`` is one queryset (one SQL query) that applies every rule but
the travel gap between two on-site bookings, which needs the distance between two places;
``eligible_rows(booking)`` adds that check with one more query. The number of queries never
grows with the size of the pool.
"""

from __future__ import annotations

import datetime
import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import (
    Count,
    Exists,
    F,
    FloatField,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import ASin, Coalesce, Cos, Least, Power, Radians, Sin, Sqrt
from django.db.models.lookups import LessThanOrEqual
from django.utils import timezone

from core.text import case_reference_key
from core.time import MIDNIGHT, add_duration
from institutions.models import Pool, PostalCode
from mediators.constants import USABLE_LEVEL
from mediators.models import (
    Absence,
    AvailabilityDate,
    AvailabilitySlot,
    ConflictOfInterest,
    InstitutionBlock,
    Mediator,
    MediatorLanguage,
)

from ..constants import HOLDING_STATUSES, STANDBY_HOLDING_STATUSES, Mode, Status
from ..models import Booking, Standby
from ..models import overlapping as overlaps
from . import rules
from .hard_rules import HardRule

# Late cancellations and no-shows older than this do not lower the reliability.
RELIABILITY_DAYS = 180
FAIRNESS_DAYS = 30
# No two places a mediator may reach are further apart than this in travel time.
MAX_TRAVEL_GAP = datetime.timedelta(hours=16)
# The SQL distance is a pre-filter; the exact check is rules.within_travel_range.
SQL_DISTANCE_SLACK_KM = 0.5
# Up to this many named mediators, the SQL distance pre-filter is left out: building it
# costs more than the few rows it could spare ``_finish``'s exact check.
FEW = 20

# The hard rules decided here: every one. ``eligible_mediators`` decides them in SQL but
# three parts that ``eligible_rows`` adds in Python: the travel time between two on-site
# bookings (overlap), the exact road distance (travel range; SQL pre-filters), and the
# declined topic where the database has no JSON containment (SQLite).
IMPLEMENTS = frozenset(
    {
        HardRule.POOL,  # pools_serving
        HardRule.LANGUAGE,  # Exists(MediatorLanguage), usable level, dialect
        HardRule.INACTIVE,  # Q(active=True)
        HardRule.SELF_UNAVAILABLE,  # self_unavailable, self_unavailable_until
        HardRule.NOT_VETTED,  # training_completed_on, pledge_signed_on
        HardRule.POLICE_CERTIFICATE,  # police_certificate_valid_until >= the local day
        HardRule.TOPIC_DECLINED,  # ~declined_topics__contains (or in eligible_rows)
        HardRule.AVAILABILITY,  # slots_cover_window: the weekday's slots or the date's, joined
        HardRule.ABSENCE,  # ~Exists(Absence) on the local days
        HardRule.OVERLAP,  # ~Exists(overlapping held or stood by), eligible_rows: travel gap
        HardRule.TRAVEL_RANGE,  # sql_km pre-filter, eligible_rows: rules.within_travel_range
        HardRule.HOUR_LIMIT,  # _within_hour_limits: the week's and the month's minutes
        HardRule.GENDER,  # Q(gender=...)
        HardRule.BLOCKED,  # ~Exists(InstitutionBlock)
        HardRule.CONFLICT_OF_INTEREST,  # ~Exists(ConflictOfInterest)
    }
)


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


def pools_serving(booking: Booking) -> Q:
    """The mediators who may serve the booking: of its pool, of the pools sharing mediators
    with it, and of the pools it was widened to (``Booking.widened_to``, one booking at a
    time, only to pools that help on request: ``services.widen.booking_widen``). The one
    pool set of a booking, for eligibility, near misses, candidates and offers alike."""
    widened = Booking.widened_to.through.objects.filter(booking_id=booking.pk).values("pool_id")
    return pools_served_by_mediators_of(booking.pool_id) | Q(pool_id__in=Subquery(widened))


def _held(booking: Booking, *conditions: Any, **lookups: Any) -> QuerySet[Booking]:
    """The mediator's held bookings but ``booking``, and ``conditions`` (one ``filter``
    call: each chained call clones the statement again)."""
    return Booking.objects.filter(
        ~Q(pk=booking.pk),
        *conditions,
        mediator_id=OuterRef("pk"),
        status__in=HOLDING_STATUSES,
        **lookups,
    )


def _standing_by(booking: Booking, *conditions: Any) -> QuerySet[Standby]:
    """The open standbys of the mediator for other bookings: a standby holds the time like a
    confirmed booking (overlap and travel time; not the hour limits)."""
    return Standby.objects.filter(
        ~Q(booking_id=booking.pk),
        *conditions,
        mediator_id=OuterRef("pk"),
        released_at__isnull=True,
        booking__status__in=STANDBY_HOLDING_STATUSES,
    )


def _minutes_between(booking: Booking, lo: datetime.datetime, hi: datetime.datetime) -> Coalesce:
    held = (
        _held(booking, starts_at__gte=lo, starts_at__lt=hi)
        .order_by()
        .values("mediator_id")
        .annotate(m=Sum("duration_minutes"))
        .values("m")
    )
    return Coalesce(Subquery(held, output_field=IntegerField()), Value(0))


def _within_hour_limits(booking: Booking, request: Request) -> list[Any]:
    """The minutes held in the booking's week and month, with the booking's, within the
    mediator's limits."""
    duration = booking.duration_minutes
    return [
        LessThanOrEqual(
            _minutes_between(booking, *request.week),
            F("max_hours_per_week") * 60 - duration,
        ),
        LessThanOrEqual(
            _minutes_between(booking, *request.month),
            F("max_hours_per_month") * 60 - duration,
        ),
    ]


def slots_cover_window(window: rules.SlotWindow) -> Q:
    """The mediator's slots of the weekday cover the local window, slots that touch joined
    (``rules.window_covered``); an end of 00:00 is 24:00 on both sides.

    Slots of one weekday never overlap (the service refuses it), so the window is covered
    when one slot holds its start and every slot that ends inside the window is followed by
    a slot that starts where it ends. (With overlapping slots, which the service refuses,
    this can only refuse too much, never admit a gap.)"""
    covered = _times_cover(AvailabilitySlot, window, weekday=window.weekday)
    if window.day is not None:
        # One-off availability: the date's own times (never overlapping, like a weekday's).
        covered |= _times_cover(AvailabilityDate, window, day=window.day)
    return covered


def _times_cover(model: type[Any], window: rules.SlotWindow, **day: Any) -> Q:
    """``slots_cover_window`` over one day's times (``day``: the weekly slots of the weekday
    or the one-off times of the date), each subquery in one ``filter`` call."""
    first = model.objects.filter(
        Q(end_time__gt=window.start) | Q(end_time=MIDNIGHT),
        mediator_id=OuterRef("pk"),
        start_time__lte=window.start,
        **day,
    )
    # The next time of the same day, starting where one ends.
    followed = model.objects.filter(
        mediator_id=OuterRef("mediator_id"),
        start_time=OuterRef("end_time"),
        **{name: OuterRef(name) for name in day},
    )
    # An end of 00:00 is never "inside": 00:00 > start holds for no start.
    inside = {"end_time__gt": window.start}
    if window.end != MIDNIGHT:
        inside["end_time__lt"] = window.end
    ends_inside = model.objects.filter(
        ~Exists(followed), mediator_id=OuterRef("pk"), **day, **inside
    )
    return Q(Exists(first)) & ~Q(Exists(ends_inside))


def _home_coordinates() -> tuple[Coalesce, Coalesce]:
    by_code = PostalCode.objects.filter(code=OuterRef("home_postal_code"))
    lat = Coalesce(F("home_latitude"), Subquery(by_code.values("latitude")[:1]))
    lon = Coalesce(F("home_longitude"), Subquery(by_code.values("longitude")[:1]))
    return lat, lon


def road_km_sql(home_lat: Any, home_lon: Any, lat: float, lon: float) -> Any:
    """Haversine in SQL from the mediator's home to (lat, lon), times the road factor (the
    distance is symmetric: ``unfilled_requests_for`` passes a booking's place as the first
    two and a mediator's home as the last two)."""
    lat_r, lon_r = math.radians(lat), math.radians(lon)
    h_lat, h_lon = Radians(home_lat), Radians(home_lon)
    a = Power(Sin((Value(lat_r) - h_lat) / 2), 2) + Cos(h_lat) * Value(math.cos(lat_r)) * Power(
        Sin((Value(lon_r) - h_lon) / 2), 2
    )
    return Value(2 * rules.EARTH_RADIUS_KM * rules.ROAD_FACTOR) * ASin(
        Least(Sqrt(a), Value(1.0)), output_field=FloatField()
    )


def eligible_mediators(
    booking: Booking,
    request: Request,
    *,
    now: datetime.datetime,
    ranked: bool,
    conditions: Sequence[Any] = (),
    distance: bool = True,
) -> QuerySet[Mediator]:
    """Mediators who meet every hard constraint except the travel gap between two on-site
    bookings (see ``eligible_rows``), annotated with what ranking needs (not with
    ``ranked=False``: a yes or no, where building the ranking's subqueries would be most of
    the time an accept spends in Python), with more ``conditions`` in its one ``filter``
    call. One query. The home coordinates are the mediator's own columns (``_read_rows``
    completes them from the postal code); with ``distance=False`` the SQL distance
    pre-filter is left out (the exact travel range is ``_finish``'s: for a few named
    mediators the pre-filter only costs the time to build it).

    The conditions are collected first and applied in one ``annotate`` and one ``filter``:
    building the query is then a small part of the time the ranking takes."""
    qs = Mediator.objects.order_by()
    if ranked:
        qs = qs.annotate(**_ranking_annotations(booking, now))
    return qs.filter(*_conditions(booking, request, distance=distance), *conditions)


def _conditions(booking: Booking, request: Request, *, distance: bool) -> list[Any]:
    """Every hard rule ``eligible_mediators`` decides in SQL, as ``filter`` arguments."""
    local_day = request.days[0]
    place = request.appointment
    conditions: list[Any] = [
        pools_serving(booking),
        Q(active=True, training_completed_on__isnull=False, pledge_signed_on__isnull=False),
        Q(self_unavailable=False) | Q(self_unavailable_until__lt=local_day),
        *_within_hour_limits(booking, request),
    ]
    window = request.window
    if window is None or (place.on_site and (place.latitude is None or place.longitude is None)):
        # No slot contains an appointment over midnight; nobody can reach an unknown place.
        conditions.append(Q(pk__in=[]))
        window = None
    if window is not None:
        if booking.dialect_id:
            languages = MediatorLanguage.objects.filter(
                mediator_id=OuterRef("pk"),
                language_id=booking.language_id,
                level__gte=USABLE_LEVEL,
                dialect_id=booking.dialect_id,
            )
        else:
            languages = MediatorLanguage.objects.filter(
                mediator_id=OuterRef("pk"), language_id=booking.language_id, level__gte=USABLE_LEVEL
            )
        absences = Absence.objects.filter(
            mediator_id=OuterRef("pk"), starts_on__lte=request.days[-1], ends_on__gte=local_day
        )
        overlapping = _held(booking, overlaps(booking.starts_at, booking.ends_at))
        standing_by = _standing_by(
            booking, overlaps(booking.starts_at, booking.ends_at, via="booking__")
        )
        blocks = InstitutionBlock.objects.filter(
            mediator_id=OuterRef("pk"), institution_id=booking.institution_id
        )
        conditions += [
            Exists(languages),
            slots_cover_window(window),
            ~Exists(absences),
            ~Exists(overlapping),
            ~Exists(standing_by),
            ~Exists(blocks),
        ]
    case_key = case_reference_key(booking.case_reference)
    if case_key:
        # The case at the booking's institution; a record without an institution (from
        # before they were kept) matches the reference at every institution.
        conflicts = ConflictOfInterest.objects.active().filter(
            Q(institution_id=booking.institution_id) | Q(institution__isnull=True),
            mediator_id=OuterRef("pk"),
            reference_key=case_key,
        )
        conditions.append(~Exists(conflicts))
    if booking.with_children:
        conditions.append(Q(police_certificate_valid_until__gte=local_day))
    if booking.gender_preference:
        conditions.append(Q(gender=booking.gender_preference))
    if booking.topic and connection.features.supports_json_field_contains:
        # Elsewhere (SQLite) the topic is checked in Python in eligible_rows.
        conditions.append(~Q(declined_topics__contains=[booking.topic]))
    if distance and window is not None and place.on_site:
        # From the mediator's own coordinates; a home known by its postal code only is left
        # to the exact check (``_finish``), with the coordinates ``_read_rows`` gives it.
        sql_km = road_km_sql(
            F("home_latitude"),
            F("home_longitude"),
            place.latitude,  # type: ignore[arg-type]
            place.longitude,  # type: ignore[arg-type]
        )
        conditions.append(
            Q(home_latitude__isnull=True)
            | Q(home_longitude__isnull=True)
            | Q(LessThanOrEqual(sql_km, F("max_travel_km") + SQL_DISTANCE_SLACK_KM))
        )
    return conditions


def _ranking_annotations(booking: Booking, now: datetime.datetime) -> dict[str, Any]:
    since = now - datetime.timedelta(days=FAIRNESS_DAYS)
    # The latest start: the first row backwards on the (mediator, starts_at) index, not an
    # aggregate over every booking the mediator ever held.
    last_served = _held(booking, starts_at__lt=now).order_by("-starts_at").values("starts_at")[:1]
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
            _held(
                booking,
                institution_id=booking.institution_id,
                case_reference__iexact=booking.case_reference.strip(),
            )
        )
    follow_up: Exists | Value = Value(False)
    if booking.follow_up_of_id:
        follow_up = Exists(
            Booking.objects.filter(pk=booking.follow_up_of_id, mediator_id=OuterRef("pk"))
        )
    same_series: Exists | Value = Value(False)
    if booking.series_id:
        # Holds another date of the same series: a series prefers one mediator.
        same_series = Exists(_held(booking, series_id=booking.series_id))
    location = booking.location
    town_id = location.town_id if location is not None else booking.institution.town_id
    prefers_town = Exists(
        Mediator.preferred_towns.through.objects.filter(mediator_id=OuterRef("pk"), town_id=town_id)
    )
    return {
        "recent_minutes": _minutes_between(booking, since, now),
        "last_served_at": Subquery(last_served),
        "no_shows": Coalesce(Subquery(no_shows, output_field=IntegerField()), Value(0)),
        "same_case": continuity,
        "follow_up": follow_up,
        "prefers_town": prefers_town,
        "same_series": same_series,
    }


def _held_nearby(
    booking: Booking, mediator_ids: Iterable[int]
) -> dict[int, list[rules.Appointment]]:
    """On-site bookings the given mediators hold, or stand by for, near the booking's time
    (one query)."""
    return _held_around(mediator_ids, booking.starts_at, booking.ends_at, exclude=booking.pk)


def _held_around(
    mediator_ids: Iterable[int],
    starts_at: datetime.datetime,
    ends_at: datetime.datetime,
    *,
    exclude: int | None = None,
) -> dict[int, list[rules.Appointment]]:
    """On-site bookings the given mediators hold, or stand by for, within the longest
    travel time of [starts_at, ends_at), but ``exclude`` (one query)."""
    ids = list(mediator_ids)
    lo, hi = add_duration(starts_at, -MAX_TRAVEL_GAP), add_duration(ends_at, MAX_TRAVEL_GAP)
    # Each in one ``filter`` call: a chained call clones the statement again.
    rows = (
        Booking.objects.order_by()
        .filter(
            overlaps(lo, hi),
            *([] if exclude is None else [~Q(pk=exclude)]),
            mediator_id__in=ids,
            status__in=HOLDING_STATUSES,
            mode=Mode.ON_SITE,
        )
        .values_list(
            "pk", "mediator_id", "starts_at", "ends_at", "location__latitude", "location__longitude"
        )
    )
    standby_rows = (
        Standby.objects.order_by()
        .filter(
            overlaps(lo, hi, via="booking__"),
            *([] if exclude is None else [~Q(booking_id=exclude)]),
            mediator_id__in=ids,
            released_at__isnull=True,
            booking__status__in=STANDBY_HOLDING_STATUSES,
            booking__mode=Mode.ON_SITE,
        )
        .values_list(
            "booking_id",
            "mediator_id",
            "booking__starts_at",
            "booking__ends_at",
            "booking__location__latitude",
            "booking__location__longitude",
        )
    )
    held: dict[int, list[rules.Appointment]] = defaultdict(list)
    for pk, mediator_id, starts_at, ends_at, lat, lon in rows.union(standby_rows, all=True):
        held[mediator_id].append(
            rules.Appointment(starts_at, ends_at, Mode.ON_SITE, lat, lon, booking_id=pk)
        )
    return held


@dataclass(slots=True)
class MediatorRow:
    """An eligible mediator as ranking needs it: plain values, no model instance."""

    pk: int
    pool_id: int
    first_name: str
    last_name: str
    username: str
    home_lat: float | None
    home_lon: float | None
    max_travel_km: int
    declined_topics: list[str] | None
    preferred_fields: list[str] | None
    recent_minutes: int
    last_served_at: datetime.datetime | None
    no_shows: int
    same_case: bool
    follow_up: bool
    prefers_town: bool
    same_series: bool = False

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip() or self.username


ROW_FIELDS = (
    "pk", "pool_id", "user__first_name", "user__last_name", "user__username",
    "home_latitude", "home_longitude", "max_travel_km", "declined_topics",
    "preferred_fields", "recent_minutes", "last_served_at", "no_shows", "same_case",
    "follow_up", "prefers_town", "same_series",
)  # fmt: skip


def eligible_rows(
    booking: Booking,
    *,
    now: datetime.datetime | None = None,
    only: Iterable[int] | None = None,
    exclude: Iterable[int] = (),
    ranked: bool = True,
) -> tuple[Request, list[MediatorRow]]:
    """Every eligible mediator (all hard constraints), with the ranking annotations -
    or, with ``ranked=False`` (a yes or no), without computing them: their
    subqueries are left out of the statement and the rows carry neutral values."""
    request = Request.of(booking)
    conditions: list[Q] = []
    ids = None if only is None else list(only)
    if ids is not None:
        conditions.append(Q(pk__in=ids))
    excluded = list(exclude)
    if excluded:
        conditions.append(~Q(pk__in=excluded))
    qs = eligible_mediators(
        booking,
        request,
        now=now or timezone.now(),
        ranked=ranked,
        conditions=conditions,
        # For a few named mediators the distance is left to ``_finish``.
        distance=ids is None or len(ids) > FEW,
    )
    return request, _finish(booking, request, _read_rows(qs, ranked=ranked))


# What ``eligible_rows(ranked=False)`` reads, and the neutral ranking values it adds.
UNRANKED = (0, None, 0, False, False, False, False)
UNRANKED_FIELDS = ROW_FIELDS[: -len(UNRANKED)]


def _read_rows(qs: QuerySet[Mediator], *, ranked: bool) -> list[MediatorRow]:
    """The rows of ``qs``, their home the mediator's coordinates or, each one missing,
    their postal code's (as ``_home_coordinates``): read here for the few without, in one
    more query only when there are such (the service sets the coordinates)."""
    fields = ROW_FIELDS if ranked else UNRANKED_FIELDS
    neutral = () if ranked else UNRANKED
    rows: list[MediatorRow] = []
    by_code: list[tuple[MediatorRow, str]] = []
    for *values, postal_code in qs.values_list(*fields, "home_postal_code"):
        rows.append(row := MediatorRow(*values, *neutral))
        if row.home_lat is None or row.home_lon is None:
            by_code.append((row, postal_code))
    if by_code:
        places = {
            code: (lat, lon)
            for code, lat, lon in PostalCode.objects.filter(
                code__in={code for _, code in by_code}
            ).values_list("code", "latitude", "longitude")
        }
        for row, code in by_code:
            lat, lon = places.get(code, (None, None))
            if row.home_lat is None:
                row.home_lat = lat
            if row.home_lon is None:
                row.home_lon = lon
    return rows


def _finish(
    booking: Booking,
    request: Request,
    rows: list[MediatorRow],
    held: dict[int, list[rules.Appointment]] | None = None,
) -> list[MediatorRow]:
    """The rules ``eligible_mediators`` leaves to Python: the declined topic (SQLite), the
    exact travel range and the travel time to the bookings held nearby (``held``, read for
    the rows when not given)."""
    appointment = request.appointment
    if booking.topic:
        rows = [m for m in rows if booking.topic not in (m.declined_topics or [])]
    if appointment.on_site:
        rows = [
            m
            for m in rows
            if rules.within_travel_range(
                home=None if m.home_lat is None else (m.home_lat, m.home_lon),  # type: ignore[arg-type]
                appointment=appointment,
                max_travel_km=m.max_travel_km,
            )
        ]
        if rows:
            if held is None:
                held = _held_nearby(booking, (m.pk for m in rows))
            rows = [m for m in rows if not rules.clashes_with_any(appointment, held.get(m.pk, ()))]
    return rows


def eligible_among(
    mediator: Mediator, bookings: Sequence[Booking], *, now: datetime.datetime | None = None
) -> set[int]:
    """The ids of the ``bookings`` the mediator is eligible for (``facts.is_eligible`` for each,
    every hard rule), in three queries whatever their number: one statement of every
    booking's ``eligible_mediators`` for this mediator (a UNION ALL), the mediator's row, and
    the on-site bookings they hold around them. Read the bookings with their location and
    institution (``select_related``): the rules need them."""
    if not bookings:
        return set()
    requests = {b.pk: Request.of(b) for b in bookings}
    now = now or timezone.now()
    # A yes or no for one mediator: no ranking, the exact travel range is ``_finish``'s.
    parts = [
        eligible_mediators(
            b,
            requests[b.pk],
            now=now,
            ranked=False,
            conditions=[Q(pk=mediator.pk)],
            distance=False,
        )
        .annotate(for_booking=Value(b.pk, output_field=IntegerField()))
        .values_list("for_booking", flat=True)
        for b in bookings
    ]
    passed = set(parts[0].union(*parts[1:], all=True)) if len(parts) > 1 else set(parts[0])
    if not passed:
        return set()
    found = _read_rows(Mediator.objects.filter(pk=mediator.pk), ranked=False)
    if not found:
        return set()
    row = found[0]
    candidates = [b for b in bookings if b.pk in passed]
    held = None
    on_site = [b for b in candidates if requests[b.pk].appointment.on_site]
    if on_site:
        held = _held_around(
            [mediator.pk], min(b.starts_at for b in on_site), max(b.ends_at for b in on_site)
        )
    return {b.pk for b in candidates if _finish(b, requests[b.pk], [row], held)}
