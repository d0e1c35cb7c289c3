"""Load a pool's open requests of a period, and its mediators with what they hold, as a
``problem.Problem``: a fixed number of queries, whatever the pool's size.

Open requests are the bookings in ``requested``, ``offered`` or ``unfilled`` that start on
the period's local days. Urgent are those already ``unfilled`` and those that start within
``URGENT_DAYS`` days. Mediators are the active ones of the pool and of pools sharing
theirs, and those of the pools single bookings were widened to (for those bookings only).
Held bookings are loaded from the first local day of the month before the period (hour
limits per month, the last 30 days for fair spread) to the end of the period's last month
and week. Open standbys of the period's days (and the travel time around them) are loaded
as ``standing_by``: a standby holds the time like a confirmed booking, outside the hour
limits.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from typing import cast

from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from bookings.matching.eligibility import FAIRNESS_DAYS, pools_served_by_mediators_of
from bookings.matching.near_misses import near_misses
from bookings.matching.rules import Absence, DateSlot, Slot
from core.time import BERLIN
from institutions.models import Pool, PostalCode
from mediators.constants import USABLE_LEVEL
from mediators.models import AvailabilityDate, ConflictOfInterest, Mediator, MediatorLanguage

from ..constants import HOLDING_STATUSES, STANDBY_HOLDING_STATUSES, Mode, Status
from ..models import Booking, Standby
from .models import PlanItemOutcome, PlanRun
from .problem import Held, Problem, Request, Weights, local_keys
from .problem import Mediator as MediatorData

PLANNABLE_STATUSES = (Status.REQUESTED, Status.OFFERED, Status.UNFILLED)
URGENT_DAYS = 3


def local_midnight(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(0), tzinfo=BERLIN).astimezone(datetime.UTC)


@dataclass
class Loaded:
    problem: Problem
    bookings: dict[int, Booking]


def open_bookings(pool: Pool, starts_on: datetime.date, ends_on: datetime.date):  # type: ignore[no-untyped-def]
    return (
        Booking.objects.filter(
            pool=pool,
            status__in=PLANNABLE_STATUSES,
            starts_at__gte=local_midnight(starts_on),
            starts_at__lt=local_midnight(ends_on + datetime.timedelta(days=1)),
        )
        .select_related("language", "dialect", "location")
        .order_by("starts_at", "pk")
    )


def problem_for_pool(
    *,
    pool: Pool,
    starts_on: datetime.date,
    ends_on: datetime.date,
    now: datetime.datetime | None = None,
) -> Loaded:
    now = now or timezone.now()
    bookings = {b.pk: b for b in open_bookings(pool, starts_on, ends_on)}
    requests = [
        Request(
            id=b.pk,
            language=b.language.code,
            dialect=b.dialect.code if b.dialect_id else None,
            starts_at=b.starts_at,
            duration_minutes=b.duration_minutes,
            on_site=b.mode == Mode.ON_SITE,
            latitude=b.location.latitude if b.location_id else None,
            longitude=b.location.longitude if b.location_id else None,
            urgent=b.status == Status.UNFILLED
            or b.starts_at <= now + datetime.timedelta(days=URGENT_DAYS),
            with_children=b.with_children,
            topic=b.topic,
            gender_preference=b.gender_preference,
            institution_id=b.institution_id,
            case_reference=b.case_reference,
        )
        for b in bookings.values()
    ]
    mediators = _mediators(pool, starts_on, ends_on, widened=_widened(bookings))
    weights = Weights(travel=pool.weight_travel, fairness=pool.weight_fairness)
    return Loaded(Problem(requests=requests, mediators=mediators, weights=weights), bookings)


def _widened(bookings: dict[int, Booking]) -> dict[int, frozenset[int]]:
    """Pool id -> the open bookings widened to that pool (``Booking.widened_to``), one query."""
    found: dict[int, set[int]] = defaultdict(set)
    for booking_id, pool_id in Booking.widened_to.through.objects.filter(
        booking_id__in=list(bookings)
    ).values_list("booking_id", "pool_id"):
        found[pool_id].add(booking_id)
    return {pool_id: frozenset(ids) for pool_id, ids in found.items()}


def _mediators(
    pool: Pool,
    starts_on: datetime.date,
    ends_on: datetime.date,
    *,
    widened: dict[int, frozenset[int]] | None = None,
) -> list[MediatorData]:
    """The active mediators serving the pool (its own and its sharing pools'), and those of
    the pools single bookings were widened to: these serve only those bookings
    (``MediatorData.only_requests``), as ``eligibility.pools_serving`` has it."""
    widened = widened or {}
    usable = MediatorLanguage.objects.filter(level__gte=USABLE_LEVEL).select_related(
        "language", "dialect"
    )
    serving = pools_served_by_mediators_of(pool.pk)
    own_reach = set(Mediator.objects.filter(serving).values_list("pool_id", flat=True).distinct())
    rows = list(
        Mediator.objects.filter(serving | Q(pool_id__in=list(widened)), active=True)
        .prefetch_related(
            Prefetch("languages", queryset=usable),
            "availability",
            Prefetch(
                "availability_dates",
                queryset=AvailabilityDate.objects.filter(day__gte=starts_on, day__lte=ends_on),
            ),
            "absences",
            Prefetch("conflicts", queryset=ConflictOfInterest.objects.active()),
            "blocks",
        )
        .order_by("pk")
    )
    postal = {
        p.code: (p.latitude, p.longitude)
        for p in PostalCode.objects.filter(
            code__in={m.home_postal_code for m in rows if m.home_latitude is None}
        )
    }
    first = (starts_on.replace(day=1) - datetime.timedelta(days=1)).replace(day=1)
    next_month = (ends_on.replace(day=1) + datetime.timedelta(days=32)).replace(day=1)
    until = max(next_month, ends_on + datetime.timedelta(days=8))  # the last week, too
    held: dict[int, list[Held]] = defaultdict(list)
    recent_since = local_midnight(starts_on) - datetime.timedelta(days=FAIRNESS_DAYS)
    recent: dict[int, int] = defaultdict(int)
    for b in Booking.objects.filter(
        mediator__in=[m.pk for m in rows],
        status__in=HOLDING_STATUSES,
        starts_at__gte=local_midnight(first),
        starts_at__lt=local_midnight(until),
    ).select_related("location"):
        mediator_id = cast(int, b.mediator_id)  # filtered on mediator above: never None
        place = b.location if b.mode == Mode.ON_SITE else None
        held[mediator_id].append(
            Held(
                b.starts_at,
                b.ends_at,
                b.mode == Mode.ON_SITE,
                place.latitude if place is not None else None,
                place.longitude if place is not None else None,
                b.pk,
            )
        )
        if recent_since <= b.starts_at < local_midnight(starts_on):
            recent[mediator_id] += b.duration_minutes
    standing_by = _standing_by([m.pk for m in rows], starts_on, ends_on)
    return [
        _mediator_data(
            m,
            held[m.pk],
            recent[m.pk],
            postal,
            standing_by[m.pk],
            only_requests=None if m.pool_id in own_reach else widened.get(m.pool_id, frozenset()),
        )
        for m in rows
    ]


def _standing_by(
    mediator_ids: list[int], starts_on: datetime.date, ends_on: datetime.date
) -> dict[int, list[Held]]:
    """The bookings the mediators stand by for around the period (one query)."""
    gap = datetime.timedelta(days=1)  # longer than any travel time between two places
    found: dict[int, list[Held]] = defaultdict(list)
    for s in Standby.objects.filter(
        mediator__in=mediator_ids,
        released_at__isnull=True,
        booking__status__in=STANDBY_HOLDING_STATUSES,
        booking__starts_at__lt=local_midnight(ends_on + datetime.timedelta(days=1)) + gap,
        booking__ends_at__gt=local_midnight(starts_on) - gap,
    ).select_related("booking__location"):
        b = s.booking
        place = b.location if b.mode == Mode.ON_SITE else None
        found[s.mediator_id].append(
            Held(
                b.starts_at,
                b.ends_at,
                b.mode == Mode.ON_SITE,
                place.latitude if place is not None else None,
                place.longitude if place is not None else None,
                b.pk,
            )
        )
    return found


def _mediator_data(
    m: Mediator,
    held: list[Held],
    recent: int,
    postal: dict[str, tuple[float, float]],
    standing_by: list[Held] | None = None,
    *,
    only_requests: frozenset[int] | None = None,
) -> MediatorData:
    home = (
        (m.home_latitude, m.home_longitude)
        if m.home_latitude is not None and m.home_longitude is not None
        else postal.get(m.home_postal_code)
    )
    week: dict[tuple[int, int], int] = defaultdict(int)
    month: dict[tuple[int, int], int] = defaultdict(int)
    for h in held:
        _, w, mo = local_keys(h.starts_at)
        minutes = int((h.ends_at - h.starts_at).total_seconds() // 60)
        week[w] += minutes
        month[mo] += minutes
    return MediatorData(
        id=m.pk,
        languages=frozenset(
            (ml.language.code, ml.dialect.code if ml.dialect is not None else None)
            for ml in m.languages.all()
        ),
        gender=m.gender,
        latitude=home[0] if home else None,
        longitude=home[1] if home else None,
        max_travel_km=m.max_travel_km,
        max_minutes_per_week=m.max_hours_per_week * 60,
        max_minutes_per_month=m.max_hours_per_month * 60,
        slots=tuple(Slot(s.weekday, s.start_time, s.end_time) for s in m.availability.all()),
        dated_slots=tuple(
            DateSlot(d.day, d.start_time, d.end_time) for d in m.availability_dates.all()
        ),
        absences=tuple(Absence(a.starts_on, a.ends_on) for a in m.absences.all()),
        vetted=m.is_vetted,
        police_certificate_valid_until=m.police_certificate_valid_until,
        declined_topics=frozenset(m.declined_topics or []),
        blocked_institutions=frozenset(b.institution_id for b in m.blocks.all()),
        conflict_cases=frozenset((c.institution_id, c.case_reference) for c in m.conflicts.all()),
        self_unavailable=m.self_unavailable,
        self_unavailable_until=m.self_unavailable_until,
        held=held,
        standing_by=standing_by or [],
        held_minutes_week=dict(week),
        held_minutes_month=dict(month),
        recent_minutes=recent,
        only_requests=only_requests,
    )


def plans_visible_to(user) -> QuerySet[PlanRun]:  # type: ignore[no-untyped-def]
    """Plans of the coordinator's pool; nothing for anyone else."""
    coordinator = getattr(user, "coordinator", None) if user.is_authenticated else None
    if coordinator is None:
        return PlanRun.objects.none()
    return PlanRun.objects.filter(pool_id=coordinator.pool_id)


# The unfilled requests of a plan whose closest near miss is named (each costs a few
# queries; the rest link to their booking page, which names them all).
EXPLAINED_UNFILLED = 10


@dataclass
class Unfilled:
    """A request a plan could not fill, and why, in the reader's language."""

    booking: Booking
    reason: str
    closest: list = field(default_factory=list)  # near misses (matching.near_misses)


def plan_unfilled(run: PlanRun, *, explained: int = EXPLAINED_UNFILLED) -> list[Unfilled]:
    """The requests the plan left open (as it was computed) and the planned ones skipped when
    it was applied, soonest first, each with the reason: nobody met every rule (then the
    closest near miss, for the first ``explained``), the eligible were all needed for other
    requests of the plan, or why applying skipped it."""
    eligible = {row["booking"]: row["eligible"] for row in run.unfilled or ()}
    skipped = {
        item.booking_id: item.detail
        for item in run.items.filter(outcome=PlanItemOutcome.SKIPPED).only("booking_id", "detail")
    }
    bookings = (
        Booking.objects.filter(pk__in=[*eligible, *skipped])
        .select_related("language", "dialect", "institution", "location__town", "pool")
        .order_by("starts_at", "pk")
    )
    found: list[Unfilled] = []
    for booking in bookings:
        if booking.pk in skipped:
            reason = _("Planned, but skipped when the plan was applied: %(why)s") % {
                "why": skipped[booking.pk]
            }
            found.append(Unfilled(booking, reason))
            continue
        n = eligible[booking.pk]
        if n:
            reason = ngettext(
                "%(n)s mediator met every rule, but the plan needed them for other requests.",
                "%(n)s mediators met every rule, but the plan needed them for other requests.",
                n,
            ) % {"n": n}
            found.append(Unfilled(booking, reason))
            continue
        closest = near_misses(booking, limit=1) if explained > 0 else []
        explained -= 1
        found.append(Unfilled(booking, _("Nobody met every rule for it."), closest))
    return found
