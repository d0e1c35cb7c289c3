"""Eligibility: a mediator who breaks any hard constraint is never a candidate."""

import datetime
from typing import cast

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bookings.constants import Mode, Status
from bookings.matching.facts import is_eligible
from bookings.matching.selectors import candidates_for
from core.constants import Topic
from institutions.models import PostalCode, Town
from mediators.constants import Gender, LanguageLevel
from mediators.models import Mediator
from tests.institutions.factories import InstitutionFactory, PoolFactory, TownFactory
from tests.mediators.factories import (
    AbsenceFactory,
    ConflictOfInterestFactory,
    DialectFactory,
    InstitutionBlockFactory,
)

from .scenario import (
    AACHEN,
    DAY,
    KEMPEN,
    NOW,
    arabic,
    at,
    bulk_mediators,
    hold,
    make_booking,
    make_mediator,
    make_pool,
)

pytestmark = pytest.mark.django_db


def ids(booking):
    return {c.mediator.pk for c in candidates_for(booking, now=NOW)}


@pytest.fixture
def pool():
    return make_pool()


def test_a_mediator_meeting_every_rule_is_a_candidate(pool):
    mediator = make_mediator(pool)
    assert ids(make_booking(pool)) == {mediator.pk}


def test_mediators_without_the_language_at_a_usable_level_are_not_candidates(pool):
    make_mediator(pool, level=LanguageLevel.BASIC)
    from tests.mediators.factories import LanguageFactory

    make_mediator(pool, language=LanguageFactory(code="tir"))
    good = make_mediator(pool, level=LanguageLevel.GOOD)
    assert ids(make_booking(pool)) == {good.pk}


def test_a_requested_dialect_must_be_spoken(pool):
    levantine = DialectFactory(language=arabic(), code="levantine")
    maghrebi = DialectFactory(language=arabic(), code="maghrebi")
    make_mediator(pool)
    make_mediator(pool, dialect=maghrebi)
    speaks = make_mediator(pool, dialect=levantine)
    assert ids(make_booking(pool, dialect=levantine)) == {speaks.pk}


def test_paused_or_unvetted_mediators_are_not_candidates(pool):
    make_mediator(pool, active=False)
    make_mediator(pool, training_completed_on=None)
    make_mediator(pool, pledge_signed_on=None)
    assert ids(make_booking(pool)) == set()


def test_settings_with_children_need_a_police_certificate_valid_on_the_day(pool):
    make_mediator(pool, police_certificate_valid_until=DAY - datetime.timedelta(days=1))
    make_mediator(pool, police_certificate_valid_until=None)
    valid = make_mediator(pool, police_certificate_valid_until=DAY)
    assert ids(make_booking(pool, with_children=True)) == {valid.pk}
    assert len(ids(make_booking(pool, with_children=False, starts_at=at(hour=15)))) == 3


def test_a_declined_topic_excludes_the_mediator(pool):
    make_mediator(pool, declined_topics=[Topic.DOMESTIC_VIOLENCE])
    other = make_mediator(pool, declined_topics=[Topic.ADDICTION])
    assert ids(make_booking(pool, topic=Topic.DOMESTIC_VIOLENCE)) == {other.pk}


def test_a_gender_preference_is_respected(pool):
    make_mediator(pool, gender=Gender.MALE)
    woman = make_mediator(pool, gender=Gender.FEMALE)
    assert ids(make_booking(pool, gender_preference="female")) == {woman.pk}


def test_an_institution_block_excludes_the_mediator_only_from_that_institutions_bookings(pool):
    blocked = make_mediator(pool)
    block = InstitutionBlockFactory(mediator=blocked)
    assert ids(make_booking(institution=block.institution)) == set()
    assert ids(make_booking(pool)) == {blocked.pk}


def test_a_declared_conflict_excludes_the_mediator_from_every_booking_of_that_case(pool):
    knows_family = make_mediator(pool)
    neutral = make_mediator(pool)
    ConflictOfInterestFactory(mediator=knows_family, case_reference="FALL-7")
    school, youth_office = InstitutionFactory(pool=pool), InstitutionFactory(pool=pool)
    assert ids(make_booking(institution=school, case_reference="FALL-7")) == {neutral.pk}
    assert ids(
        make_booking(institution=youth_office, case_reference="fall-7", starts_at=at(hour=14))
    ) == {neutral.pk}
    assert ids(
        make_booking(institution=school, case_reference="FALL-8", starts_at=at(hour=16))
    ) == {
        knows_family.pk,
        neutral.pk,
    }


def test_an_overlapping_held_booking_excludes_the_mediator(pool):
    busy = make_mediator(pool)
    hold(busy, starts_at=at(hour=10, minute=30), mode=Mode.PHONE)
    free = make_mediator(pool)
    assert ids(make_booking(pool)) == {free.pk}


def test_cancelled_or_merely_offered_bookings_do_not_block_the_time(pool):
    mediator = make_mediator(pool)
    hold(mediator, mode=Mode.PHONE, status=Status.CANCELLED)
    assert ids(make_booking(pool)) == {mediator.pk}


def test_two_on_site_bookings_need_the_travel_time_between_them(pool):
    # The held booking in Kempen ends at 09:50; Kempen → Viersen takes ~29 minutes.
    tight = make_mediator(pool)
    hold(tight, starts_at=at(hour=8, minute=50), place=KEMPEN)
    roomy = make_mediator(pool)
    hold(roomy, starts_at=at(hour=8, minute=20), place=KEMPEN)
    assert ids(make_booking(pool)) == {roomy.pk}


def test_phone_bookings_need_no_travel_gap(pool):
    mediator = make_mediator(pool)
    hold(mediator, starts_at=at(hour=9), place=KEMPEN)
    assert ids(make_booking(pool, mode=Mode.PHONE)) == {mediator.pk}


def test_on_site_bookings_must_lie_within_the_travel_range(pool):
    near = make_mediator(pool)
    assert ids(make_booking(pool, place=AACHEN)) == set()
    assert ids(make_booking(pool, place=KEMPEN, starts_at=at(hour=15))) == {near.pk}
    assert ids(make_booking(pool, mode=Mode.PHONE, starts_at=at(hour=18))) == {near.pk}


def test_a_home_known_by_its_postal_code_only_is_measured_from_the_postal_code(pool):
    """The home is the mediator's coordinates or, missing, their postal code's: in the
    ranked statement, in is_eligible and for the travel time between two places alike."""
    town = cast(Town, TownFactory())
    PostalCode.objects.create(code="00001", town=town, latitude=KEMPEN[0], longitude=KEMPEN[1])
    PostalCode.objects.create(code="00002", town=town, latitude=AACHEN[0], longitude=AACHEN[1])
    near = make_mediator(pool, home_postal_code="00001")
    far = make_mediator(pool, home_postal_code="00002")
    unknown = make_mediator(pool, home_postal_code="00003")
    half = make_mediator(pool, home_postal_code="00002")  # own latitude, the code's longitude
    Mediator.objects.filter(pk__in=[near.pk, far.pk, unknown.pk]).update(
        home_latitude=None, home_longitude=None
    )
    Mediator.objects.filter(pk=half.pk).update(home_latitude=KEMPEN[0], home_longitude=None)
    booking = make_booking(pool, place=KEMPEN)
    assert ids(booking) == {near.pk}
    (candidate,) = candidates_for(booking, now=NOW)
    assert (candidate.row.home_lat, candidate.row.home_lon) == KEMPEN
    for mediator, eligible in ((near, True), (far, False), (unknown, False), (half, False)):
        assert is_eligible(booking, mediator, now=NOW) is eligible
    # Aachen is out of Kempen's range by latitude, not by longitude: the code's longitude
    # with the own latitude is in range of a place at Kempen's latitude and Aachen's longitude.
    west = make_booking(pool, place=(KEMPEN[0], AACHEN[1]), starts_at=at(hour=15))
    assert is_eligible(west, half, now=NOW)
    assert half.pk in ids(west)


def test_the_weekly_hour_limit_is_respected(pool):
    mediator = make_mediator(pool, max_hours_per_week=3)
    hold(mediator, starts_at=at(DAY - datetime.timedelta(days=1), 9), minutes=120, mode=Mode.PHONE)
    assert ids(make_booking(pool, minutes=60)) == {mediator.pk}
    assert ids(make_booking(pool, minutes=61, starts_at=at(hour=15))) == set()


def test_the_monthly_hour_limit_is_respected(pool):
    mediator = make_mediator(pool, max_hours_per_month=5, max_hours_per_week=40)
    hold(mediator, starts_at=at(datetime.date(2027, 1, 4), 9), minutes=240, mode=Mode.PHONE)
    assert ids(make_booking(pool, minutes=60)) == {mediator.pk}
    assert ids(make_booking(pool, minutes=75, starts_at=at(hour=15))) == set()


def test_the_appointment_must_lie_inside_a_weekly_slot_in_local_time(pool):
    tuesday_morning = make_mediator(pool, slots=((1, 9),))  # Tuesday 09:00–22:00
    assert ids(make_booking(pool, starts_at=at(hour=9))) == {tuesday_morning.pk}
    assert ids(make_booking(pool, starts_at=at(hour=8, minute=30))) == set()
    assert ids(make_booking(pool, starts_at=at(hour=21, minute=30))) == set()
    assert ids(make_booking(pool, starts_at=at(DAY + datetime.timedelta(days=1)))) == set()


def test_availability_on_the_spring_dst_day_is_local_time():
    pool = PoolFactory()
    sunday = datetime.date(2027, 3, 28)
    mediator = make_mediator(pool, slots=((6, 9),))  # Sunday 09:00–22:00 local
    utc = datetime.UTC
    # 07:00 UTC is 09:00 CEST on that day; 06:30 UTC is 08:30 CEST.
    seven = datetime.datetime(2027, 3, 28, 7, tzinfo=utc)
    assert ids(make_booking(pool, starts_at=seven)) == {mediator.pk}
    assert ids(make_booking(pool, starts_at=seven - datetime.timedelta(minutes=30))) == set()
    assert sunday.weekday() == 6


def test_availability_on_the_autumn_dst_day_is_local_time():
    pool = PoolFactory()
    mediator = make_mediator(pool, slots=((6, 9),))
    utc = datetime.UTC
    # After the switch 09:00 CET is 08:00 UTC; 07:30 UTC is 08:30 CET.
    eight = datetime.datetime(2026, 10, 25, 8, tzinfo=utc)
    assert ids(make_booking(pool, starts_at=eight)) == {mediator.pk}
    assert ids(make_booking(pool, starts_at=eight - datetime.timedelta(minutes=30))) == set()


def test_an_absence_excludes_whole_local_days(pool):
    away = make_mediator(pool)
    AbsenceFactory(mediator=away, starts_on=DAY, ends_on=DAY)
    present = make_mediator(pool)
    assert ids(make_booking(pool, starts_at=at(hour=6))) == {present.pk}
    assert ids(make_booking(pool, starts_at=at(hour=21))) == {present.pk}
    assert ids(make_booking(pool, starts_at=at(DAY + datetime.timedelta(days=1)))) == {
        away.pk,
        present.pk,
    }


def test_mediators_of_a_sharing_pool_are_candidates_others_are_not(pool):
    sharing, foreign = PoolFactory(), PoolFactory()
    pool.shares_mediators_with.add(sharing)
    own = make_mediator(pool)
    shared = make_mediator(sharing)
    make_mediator(foreign)
    assert ids(make_booking(pool)) == {own.pk, shared.pk}
    assert ids(make_booking(sharing, starts_at=at(hour=14))) == {own.pk, shared.pk}


@pytest.mark.parametrize("size", [10, 1000])
def test_the_number_of_queries_does_not_grow_with_the_pool(size, pool):
    bulk_mediators(pool, size)
    booking = make_booking(pool, case_reference="FALL-1", topic=Topic.HOUSING)
    booking = (
        type(booking).objects.select_related("pool", "location", "institution").get(pk=booking.pk)
    )

    with CaptureQueriesContext(connection) as queries:
        candidates = candidates_for(booking, now=NOW)
    with CaptureQueriesContext(connection) as again:
        candidates_for(booking, now=NOW)

    assert len(candidates) == size
    assert len(queries) == 5, [q["sql"][:120] for q in queries]
    assert len(again) == 3  # the pool's mean hours come from the cache


def test_an_appointment_over_midnight_has_no_candidates(pool):
    make_mediator(pool, slots=((1, 0), (2, 0)))
    late = make_booking(pool, starts_at=at(hour=23), minutes=120)
    assert candidates_for(late, now=NOW) == []
