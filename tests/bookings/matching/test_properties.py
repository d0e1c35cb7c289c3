"""Property-based: over generated small pools and requests (with held and stood-by
bookings), the database's eligibility is exactly the pure rules' eligibility — no candidate
and no offer ever breaks a hard constraint, and nobody who meets them all is left out."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

import pytest
from django.db import transaction
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from bookings.constants import Mode, OfferStatus, Status
from bookings.matching import rules
from bookings.matching.checks import MediatorFacts, RequestFacts, hard_violations
from bookings.matching.facts import broken_rules, is_eligible
from bookings.matching.selectors import candidates_for
from bookings.models import Offer, Standby
from bookings.services.offers import booking_match
from mediators.models import (
    Absence,
    AvailabilitySlot,
    ConflictOfInterest,
    InstitutionBlock,
    Mediator,
    MediatorLanguage,
)
from tests.institutions.factories import InstitutionFactory, PoolFactory
from tests.mediators.factories import DialectFactory, LanguageFactory, MediatorFactory

from .scenario import BERLIN, VIERSEN, make_booking

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2026, 10, 1, 9, tzinfo=datetime.UTC)
# An ordinary Tuesday and the two days on which daylight-saving time begins and ends.
DAYS = [datetime.date(2027, 1, 12), datetime.date(2027, 3, 28), datetime.date(2026, 10, 25)]
TOPICS = ["", "housing", "domestic_violence"]
MODES = [Mode.ON_SITE, Mode.PHONE, Mode.VIDEO]
STANDBY = "standby"

coordinate = st.tuples(st.integers(-250, 250), st.integers(-350, 350)).map(
    lambda d: (VIERSEN[0] + d[0] / 1000, VIERSEN[1] + d[1] / 1000)
)


@dataclass(frozen=True)
class Held:
    offset_minutes: int
    minutes: int
    mode: str
    place: tuple[float, float]
    status: str


@dataclass(frozen=True)
class MediatorSpec:
    pool: str  # own, sharing, foreign
    language: str  # ara, tir
    level: int
    dialect: bool
    active: bool
    vetted: bool
    gender: str
    police_days: int | None  # valid until request day + n
    declined: tuple[str, ...]
    home: tuple[float, float]
    travel_km: int
    week_hours: int
    month_hours: int
    slots: tuple[tuple[int, int, int], ...]  # weekday offset from the request's, start, end
    absence: int | None  # absent from request day + n for one day
    blocked: bool
    conflict: bool
    held: tuple[Held, ...] = field(default=())


held = st.builds(
    Held,
    offset_minutes=st.integers(min_value=-300, max_value=300),
    minutes=st.sampled_from([30, 60, 120]),
    mode=st.sampled_from(MODES),
    place=coordinate,
    # STANDBY: the mediator stands by for the booking (it was given back: offered).
    status=st.sampled_from([Status.CONFIRMED, Status.CONFIRMED, Status.CANCELLED, STANDBY]),
)
slot = st.tuples(st.sampled_from([0, 0, 0, 1]), st.integers(0, 22), st.integers(1, 23)).filter(
    lambda s: s[1] < s[2]
)
mediator_spec = st.builds(
    MediatorSpec,
    pool=st.sampled_from(["own", "own", "own", "sharing", "foreign"]),
    language=st.sampled_from(["ara", "ara", "ara", "tir"]),
    level=st.integers(1, 4),
    dialect=st.booleans(),
    active=st.sampled_from([True, True, True, False]),
    vetted=st.sampled_from([True, True, True, False]),
    gender=st.sampled_from(["female", "male"]),
    police_days=st.one_of(st.none(), st.integers(-1, 1)),
    declined=st.lists(st.sampled_from(TOPICS[1:]), max_size=2, unique=True).map(tuple),
    home=coordinate,
    travel_km=st.sampled_from([5, 15, 40]),
    week_hours=st.sampled_from([1, 2, 10]),
    month_hours=st.sampled_from([2, 30]),
    slots=st.lists(slot, max_size=2).map(tuple),
    absence=st.one_of(st.none(), st.integers(-1, 1)),
    blocked=st.booleans(),
    conflict=st.booleans(),
    held=st.lists(held, max_size=2).map(tuple),
)


@dataclass(frozen=True)
class RequestSpec:
    day: datetime.date
    hour: int
    minute: int
    fold: int
    minutes: int
    mode: str
    place: tuple[float, float]
    dialect: bool
    gender: str
    children: bool
    topic: str
    case: str
    blocked_institution: bool


request_spec = st.builds(
    RequestSpec,
    day=st.sampled_from(DAYS),
    hour=st.integers(0, 22),
    minute=st.sampled_from([0, 15, 30, 45]),
    fold=st.integers(0, 1),
    minutes=st.sampled_from([15, 60, 90, 180]),
    mode=st.sampled_from(MODES),
    place=coordinate,
    dialect=st.booleans(),
    gender=st.sampled_from(["", "", "female", "male"]),
    children=st.booleans(),
    topic=st.sampled_from(TOPICS),
    case=st.sampled_from(["", "FALL-1"]),
    blocked_institution=st.booleans(),
)


def appointment(start: datetime.datetime, minutes: int, mode: str, place, booking_id=None):
    on_site = mode == Mode.ON_SITE
    return rules.Appointment(
        start,
        start + datetime.timedelta(minutes=minutes),
        mode,
        place[0] if on_site else None,
        place[1] if on_site else None,
        booking_id=booking_id,
    )


def build(req: RequestSpec, specs: list[MediatorSpec]):
    """Write the generated pool to the database; answer the booking and each mediator's facts."""
    pool, sharing, foreign = PoolFactory(), PoolFactory(), PoolFactory()
    pool.shares_mediators_with.add(sharing)
    pools = {"own": pool, "sharing": sharing, "foreign": foreign}
    serves = {
        "own": {pool.pk, sharing.pk},
        "sharing": {pool.pk, sharing.pk},
        "foreign": {foreign.pk},
    }
    arabic, tigrinya = LanguageFactory(code="ara"), LanguageFactory(code="tir")
    levantine = DialectFactory(language=arabic, code="levantine")
    blocked_at, other = InstitutionFactory(pool=pool), InstitutionFactory(pool=pool)
    start = (
        datetime.datetime.combine(req.day, datetime.time(req.hour, req.minute), tzinfo=BERLIN)
        .replace(fold=req.fold)
        .astimezone(datetime.UTC)
    )
    booking = make_booking(
        institution=blocked_at if req.blocked_institution else other,
        starts_at=start,
        minutes=req.minutes,
        mode=req.mode,
        place=req.place,
        language=arabic,
        dialect=levantine if req.dialect else None,
        gender_preference=req.gender,
        with_children=req.children,
        topic=req.topic,
        case_reference=req.case,
    )
    request = RequestFacts(
        booking_id=booking.pk,
        pool_id=pool.pk,
        institution_id=booking.institution_id,
        language_id=arabic.pk,
        dialect_id=levantine.pk if req.dialect else None,
        appointment=appointment(start, req.minutes, req.mode, req.place, booking.pk),
        with_children=req.children,
        topic=req.topic,
        gender_preference=req.gender,
        case_reference=req.case,
    )
    local_day = request.local_day
    facts = {}
    for spec in specs:
        vetted_on = datetime.date(2025, 1, 1) if spec.vetted else None
        police = (
            None
            if spec.police_days is None
            else local_day + datetime.timedelta(days=spec.police_days)
        )
        m = MediatorFactory(
            pool=pools[spec.pool],
            gender=spec.gender,
            active=spec.active,
            training_completed_on=vetted_on,
            pledge_signed_on=datetime.date(2025, 1, 1),
            police_certificate_valid_until=police,
            declined_topics=list(spec.declined),
            home_latitude=spec.home[0],
            home_longitude=spec.home[1],
            max_travel_km=spec.travel_km,
            max_hours_per_week=spec.week_hours,
            max_hours_per_month=spec.month_hours,
        )
        language = arabic if spec.language == "ara" else tigrinya
        dialect = levantine if spec.dialect and spec.language == "ara" else None
        MediatorLanguage.objects.create(
            mediator=m, language=language, dialect=dialect, level=spec.level
        )
        slots = []
        for weekday_offset, begin, end in spec.slots:
            s = rules.Slot(
                (local_day.weekday() + weekday_offset) % 7, datetime.time(begin), datetime.time(end)
            )
            AvailabilitySlot.objects.create(
                mediator=m, weekday=s.weekday, start_time=s.start, end_time=s.end
            )
            slots.append(s)
        absences = []
        if spec.absence is not None:
            day = local_day + datetime.timedelta(days=spec.absence)
            Absence.objects.create(mediator=m, starts_on=day, ends_on=day)
            absences.append(rules.Absence(day, day))
        if spec.blocked:
            InstitutionBlock.objects.create(mediator=m, institution=blocked_at)
        if spec.conflict:
            ConflictOfInterest.objects.create(mediator=m, case_reference="fall-1")
        holds, standing_by = [], []
        for h in spec.held:
            at = start + datetime.timedelta(minutes=h.offset_minutes)
            until = at + datetime.timedelta(minutes=h.minutes)
            status = h.status
            if status == STANDBY:
                b = make_booking(
                    pools[spec.pool],
                    starts_at=at,
                    minutes=h.minutes,
                    mode=h.mode,
                    place=h.place,
                    status=Status.OFFERED,
                )
                Standby.objects.create(booking=b, mediator=m)
                standing_by.append(appointment(at, h.minutes, h.mode, h.place, b.pk))
                continue
            if any(o.starts_at < until and at < o.ends_at for o in holds):
                status = Status.CANCELLED  # a mediator never holds two overlapping bookings
            b = make_booking(
                pools[spec.pool],
                starts_at=at,
                minutes=h.minutes,
                mode=h.mode,
                place=h.place,
                status=status,
                mediator=m,
            )
            if status == Status.CONFIRMED:
                holds.append(appointment(at, h.minutes, h.mode, h.place, b.pk))
        facts[m.pk] = MediatorFacts(
            mediator_id=m.pk,
            pool_id=m.pool_id,
            active=spec.active,
            vetted=spec.vetted,
            gender=spec.gender,
            languages=frozenset({(language.pk, dialect.pk if dialect else None, spec.level)}),
            home=spec.home,
            max_travel_km=spec.travel_km,
            max_hours_per_week=spec.week_hours,
            max_hours_per_month=spec.month_hours,
            police_certificate_valid_until=police,
            declined_topics=frozenset(spec.declined),
            slots=tuple(slots),
            absences=tuple(absences),
            blocked_institution_ids=frozenset({blocked_at.pk} if spec.blocked else ()),
            conflict_case_references=frozenset({(None, "fall-1")} if spec.conflict else ()),
            held=tuple(holds),
            standing_by=tuple(standing_by),
            serves_pool_ids=frozenset(serves[spec.pool]),
        )
    booking.refresh_from_db()
    return booking, request, facts


class Rollback(Exception):
    pass


def in_rollback(check):
    """Run one example inside a transaction that is always rolled back."""
    try:
        with transaction.atomic():
            check()
            raise Rollback
    except Rollback:
        pass


PROPERTY_SETTINGS = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@PROPERTY_SETTINGS
@given(req=request_spec, specs=st.lists(mediator_spec, min_size=1, max_size=6))
def test_the_candidates_are_exactly_the_mediators_who_meet_every_hard_rule(req, specs):
    def check():
        booking, request, facts = build(req, specs)
        eligible = {pk for pk, f in facts.items() if not hard_violations(f, request)}
        ranked = candidates_for(booking, now=NOW)
        event(f"eligible: {min(len(eligible), 2)}+")
        for f in facts.values():
            for rule in hard_violations(f, request):
                event(f"broken: {rule}")
        got = [c.mediator.pk for c in ranked]
        assert len(got) == len(set(got))
        for pk in got:
            assert not hard_violations(facts[pk], request), hard_violations(facts[pk], request)
        assert set(got) == eligible
        assert [c.score for c in ranked] == sorted((c.score for c in ranked), reverse=True)

    in_rollback(check)


@PROPERTY_SETTINGS
@given(req=request_spec, specs=st.lists(mediator_spec, min_size=1, max_size=6))
def test_one_mediators_check_agrees_with_matching_and_names_the_rules_broken(req, specs):
    """An accept, an assignment or a re-check decides for one mediator from the facts read
    from the database (``facts.is_eligible``): the same answer as matching's SQL for every
    mediator, and the same rules named as the generated facts break."""

    def check():
        booking, request, facts = build(req, specs)
        candidates = {c.mediator.pk for c in candidates_for(booking, now=NOW)}
        for pk, f in facts.items():
            mediator = Mediator.objects.get(pk=pk)
            assert is_eligible(booking, mediator, now=NOW) is (pk in candidates)
            assert set(broken_rules(booking, mediator)) == set(hard_violations(f, request))

    in_rollback(check)


@PROPERTY_SETTINGS
@given(
    req=request_spec,
    specs=st.lists(mediator_spec, min_size=1, max_size=6),
    strategy=st.sampled_from([("cascade", 1), ("broadcast", 2), ("broadcast", 4)]),
)
def test_no_offer_ever_goes_to_a_mediator_who_breaks_a_hard_rule(req, specs, strategy):
    def check():
        booking, request, facts = build(req, specs)
        booking.pool.offer_strategy, booking.pool.broadcast_size = strategy
        booking.pool.save()
        offers = booking_match(booking_id=booking.pk, now=NOW)
        eligible = {pk for pk, f in facts.items() if not hard_violations(f, request)}
        offered = set(
            Offer.objects.filter(booking=booking, status=OfferStatus.PENDING).values_list(
                "mediator_id", flat=True
            )
        )
        assert offered == {o.mediator_id for o in offers} <= eligible
        assert len(offered) == min(strategy[1], len(eligible))
        booking.refresh_from_db()
        assert booking.status == (Status.OFFERED if eligible else Status.UNFILLED)

    in_rollback(check)
