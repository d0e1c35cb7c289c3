"""One booking and one mediator read from the database as the snapshots of ``checks``
(``RequestFacts``, ``MediatorFacts``): whether the mediator may take the booking
(``is_eligible``) and, if not, which hard rules they break (``broken_rules``).

Matching decides over a whole pool in SQL (``eligibility.eligible_rows``: one statement,
whatever the pool's size); for one mediator and one booking - an accept, a direct
assignment, a standby, a re-check after a change - the same rules are decided here, by the
very checks the property tests hold that SQL to (``checks.hard_violations``), over seven or
eight small statements. Those cost about a third of what building and planning the one
eligibility statement costs (docs/operations.md, "What an answer to an offer costs"). The
booking may carry values not saved yet (a new time or place being checked); what the
mediator holds is read without the booking itself.
"""

from __future__ import annotations

import datetime

from django.db.models import BooleanField, Q, Value

from core.time import add_duration
from institutions.models import PostalCode
from mediators.models import Mediator

from ..constants import HOLDING_STATUSES, STANDBY_HOLDING_STATUSES, Mode
from ..models import Booking, Standby, overlapping
from . import rules
from .checks import MediatorFacts, RequestFacts, hard_violations
from .eligibility import MAX_TRAVEL_GAP, Request, pools_serving


def request_facts(booking: Booking, *, request: Request | None = None) -> RequestFacts:
    request = request or Request.of(booking)
    return RequestFacts(
        booking_id=booking.pk,
        pool_id=booking.pool_id,
        institution_id=booking.institution_id,
        language_id=booking.language_id,
        dialect_id=booking.dialect_id,
        appointment=request.appointment,
        with_children=booking.with_children,
        topic=booking.topic,
        gender_preference=booking.gender_preference,
        case_reference=booking.case_reference,
    )


# What the rules need of a held booking, read as plain values (``mediator_facts``).
HELD_FIELDS = ("pk", "starts_at", "ends_at", "mode", "location__latitude", "location__longitude")


def _home(mediator: Mediator) -> tuple[float, float] | None:
    """The mediator's coordinates, each one missing taken from their postal code (as
    ``eligibility._read_rows`` completes them); None when one is still unknown."""
    lat, lon = mediator.home_latitude, mediator.home_longitude
    if lat is None or lon is None:
        place = PostalCode.objects.filter(code=mediator.home_postal_code).first()
        if place is not None:
            lat = place.latitude if lat is None else lat
            lon = place.longitude if lon is None else lon
    return None if lat is None or lon is None else (lat, lon)


def mediator_facts(
    mediator: Mediator, booking: Booking, *, request: Request | None = None
) -> MediatorFacts:
    """What the hard rules need of the mediator around the booking's time: the bookings they
    hold in the booking's local week and month (hour limits) and within the longest travel
    time of it (travel gaps), the booking itself left out."""
    request = request or Request.of(booking)
    lo = min(request.week[0], request.month[0], add_duration(booking.starts_at, -MAX_TRAVEL_GAP))
    hi = max(request.week[1], request.month[1], add_duration(booking.ends_at, MAX_TRAVEL_GAP))
    # Both in one statement (a UNION ALL), as plain values: the rules need no model instance.
    held_rows = (
        Booking.objects.order_by()
        .filter(
            overlapping(lo, hi),
            ~Q(pk=booking.pk),
            mediator_id=mediator.pk,
            status__in=HOLDING_STATUSES,
        )
        .values_list(*HELD_FIELDS, Value(False, output_field=BooleanField()))
    )
    standby_rows = (
        Standby.objects.order_by()
        .filter(
            overlapping(lo, hi, via="booking__"),
            ~Q(booking_id=booking.pk),
            mediator_id=mediator.pk,
            released_at__isnull=True,
            booking__status__in=STANDBY_HOLDING_STATUSES,
        )
        .values_list(
            "booking_id",
            *(f"booking__{name}" for name in HELD_FIELDS[1:]),
            Value(True, output_field=BooleanField()),
        )
    )
    held: list[rules.Appointment] = []
    standing_by: list[rules.Appointment] = []
    for pk, starts_at, ends_at, mode, lat, lon, stands_by in held_rows.union(
        standby_rows, all=True
    ):
        on_site = mode == Mode.ON_SITE
        appointment = rules.Appointment(
            starts_at,
            ends_at,
            mode,
            lat if on_site else None,
            lon if on_site else None,
            booking_id=pk,
        )
        (standing_by if stands_by else held).append(appointment)
    serves = {mediator.pool_id}
    if booking.pool_id != mediator.pool_id and (
        Mediator.objects.filter(Q(pk=mediator.pk) & pools_serving(booking)).exists()
    ):
        serves.add(booking.pool_id)
    return MediatorFacts(
        mediator_id=mediator.pk,
        pool_id=mediator.pool_id,
        active=mediator.active,
        vetted=mediator.is_vetted,
        gender=mediator.gender,
        languages=frozenset(
            mediator.languages.values_list("language_id", "dialect_id", "level")  # type: ignore[arg-type]
        ),
        home=_home(mediator),
        max_travel_km=mediator.max_travel_km,
        max_hours_per_week=mediator.max_hours_per_week,
        max_hours_per_month=mediator.max_hours_per_month,
        police_certificate_valid_until=mediator.police_certificate_valid_until,
        declined_topics=frozenset(mediator.declined_topics or ()),
        slots=tuple(
            rules.Slot(*row)
            for row in mediator.availability.values_list("weekday", "start_time", "end_time")
        ),
        dated_slots=tuple(
            rules.DateSlot(*row)
            for row in mediator.availability_dates.filter(day__in=request.days).values_list(
                "day", "start_time", "end_time"
            )
        ),
        # Only the absences that touch the booking's local days can keep the mediator away.
        absences=tuple(
            rules.Absence(*row)
            for row in mediator.absences.filter(
                starts_on__lte=request.days[-1], ends_on__gte=request.days[0]
            ).values_list("starts_on", "ends_on")
        ),
        blocked_institution_ids=frozenset(mediator.blocks.values_list("institution_id", flat=True)),
        conflict_case_references=frozenset(
            mediator.conflicts.active().values_list("institution_id", "case_reference")
        ),
        self_unavailable=mediator.self_unavailable,
        self_unavailable_until=mediator.self_unavailable_until,
        held=tuple(held),
        standing_by=tuple(standing_by),
        serves_pool_ids=frozenset(serves),
    )


def is_eligible(
    booking: Booking,
    mediator: Mediator,
    *,
    now: datetime.datetime | None = None,
    locked: bool = False,
) -> bool:
    """Whether the mediator meets every hard rule for the booking as it is in memory
    (``broken_rules`` names none). The mediator's row is read again, since a caller's copy
    may be older than the check - but with ``locked``: the caller locked that row in its
    transaction (``locking.lock_mediator``), which read it fresh. ``now`` is taken for the
    callers' sake: no hard rule depends on the time of the check, only on the booking's."""
    if not locked:
        try:
            mediator = Mediator.objects.get(pk=mediator.pk)
        except Mediator.DoesNotExist:
            return False
    return not broken_rules(booking, mediator)


def broken_rules(booking: Booking, mediator: Mediator) -> tuple[str, ...]:
    """The names of the hard rules (``hard_rules.HardRule``) the mediator breaks for the
    booking as it is in memory; empty when they break none."""
    request = Request.of(booking)
    return hard_violations(
        mediator_facts(mediator, booking, request=request),
        request_facts(booking, request=request),
    )
