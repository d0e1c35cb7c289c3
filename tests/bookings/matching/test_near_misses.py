"""Near misses: who speaks the language but may not take the booking, and why, in plain words
with the figures a coordinator needs (one test per family of reasons)."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import formats, translation

from bookings.constants import Mode, Status
from bookings.matching import rules
from bookings.matching.near_misses import available_times, near_misses
from mediators.models import Mediator
from tests.mediators.factories import AbsenceFactory, ConflictOfInterestFactory, LanguageFactory

from .scenario import (
    AACHEN,
    DAY,
    KEMPEN,
    NOW,
    VIERSEN,
    at,
    bulk_mediators,
    hold,
    make_booking,
    make_mediator,
    make_pool,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def texts(booking):
    return {m.name: [r.text for r in m.reasons] for m in near_misses(booking)}


def only_miss(booking):
    (miss,) = near_misses(booking)
    return miss


def test_an_absence_is_named_with_its_last_day():
    pool = make_pool()
    mediator = make_mediator(pool)
    AbsenceFactory(mediator=mediator, starts_on=DAY, ends_on=DAY + datetime.timedelta(days=6))
    booking = make_booking(pool)

    miss = only_miss(booking)

    until = formats.date_format(DAY + datetime.timedelta(days=6), "SHORT_DATE_FORMAT")
    assert miss.rules == ("absence",)
    assert [r.text for r in miss.reasons] == [f"absent until {until}"]
    assert not miss.may_be_asked  # an absence is not waived by consent


def test_the_travel_range_is_named_with_the_range_and_the_distance():
    pool = make_pool()
    make_mediator(pool, home=AACHEN)  # range 30 km
    booking = make_booking(pool, place=VIERSEN)

    miss = only_miss(booking)

    km = round(rules.road_km(*AACHEN, *VIERSEN))
    assert km > 30
    assert [r.text for r in miss.reasons] == [f"outside the 30 km range ({km} km)"]
    assert miss.may_be_asked


def test_an_appointment_just_before_is_named_with_the_gap_and_the_travel_time():
    pool = make_pool()
    mediator = make_mediator(pool)
    # Held in Kempen until 09:45; the request starts at 10:00 in Viersen.
    hold(mediator, starts_at=at(hour=9), minutes=45, place=KEMPEN)
    booking = make_booking(pool, place=VIERSEN, starts_at=at(hour=10))

    miss = only_miss(booking)

    travel = rules.travel_minutes(rules.road_km(*KEMPEN, *VIERSEN))
    assert travel > 15
    assert [r.text for r in miss.reasons] == [
        f"another appointment ends 15 minutes before; {travel} minutes travel"
    ]
    assert not miss.may_be_asked  # overlaps are a hard protection


def test_an_expired_police_certificate_is_named_with_its_date_for_children():
    pool = make_pool()
    expired = datetime.date(2026, 10, 7)
    make_mediator(pool, police_certificate_valid_until=expired)
    booking = make_booking(pool, with_children=True)

    miss = only_miss(booking)

    day = formats.date_format(expired, "SHORT_DATE_FORMAT")
    assert [r.text for r in miss.reasons] == [f"police certificate expired {day}"]


def test_the_weekly_hour_limit_is_named_with_the_limit_and_the_hours():
    pool = make_pool()
    mediator = make_mediator(pool, max_hours_per_week=2)
    hold(mediator, starts_at=at(DAY - datetime.timedelta(days=1), hour=9), minutes=90)
    booking = make_booking(pool, minutes=60)

    assert texts(booking) == {str(mediator): ["weekly limit of 2 h exceeded (2.5 h with this one)"]}


def test_the_weekly_availability_is_named_with_the_hours_of_the_day():
    pool = make_pool()
    tuesday = DAY.weekday()
    mediator = make_mediator(pool, slots=((tuesday, 14),))  # Tuesdays 14:00–22:00 only
    booking = make_booking(pool, starts_at=at(hour=10))

    assert texts(booking) == {str(mediator): ["available on Tuesday only 14:00–22:00"]}


def test_a_conflict_of_interest_and_vetting_are_named():
    pool = make_pool()
    mediator = make_mediator(pool, pledge_signed_on=None)
    ConflictOfInterestFactory(mediator=mediator, case_reference="FALL-7")
    booking = make_booking(pool, case_reference="FALL-7")

    assert texts(booking) == {
        str(mediator): ["confidentiality pledge not signed", "conflict of interest in this case"]
    }


def test_those_who_break_fewest_rules_come_first_and_eligible_or_other_speakers_are_left_out():
    pool = make_pool()
    eligible = make_mediator(pool)
    one = make_mediator(pool, home=AACHEN)
    two = make_mediator(pool, home=AACHEN, pledge_signed_on=None)
    make_mediator(pool, language=LanguageFactory(code="ukr"))
    booking = make_booking(pool)

    misses = near_misses(booking)

    assert [m.mediator_id for m in misses] == [one.pk, two.pk]
    assert eligible.pk not in [m.mediator_id for m in misses]
    assert misses[1].shown == misses[1].reasons[:2] and misses[1].more == 0


def test_near_misses_take_a_fixed_number_of_queries_whatever_the_pool_size():
    pool = make_pool()
    booking = make_booking(pool, place=AACHEN)  # out of everybody's range
    bulk_mediators(pool, 3, prefix="few")
    with CaptureQueriesContext(connection) as few:
        assert len(near_misses(booking, limit=50)) == 3
    bulk_mediators(pool, 40, prefix="many")
    with CaptureQueriesContext(connection) as many:
        assert len(near_misses(booking, limit=50)) == 43
    assert len(many) == len(few) <= 10


def test_other_times_are_those_at_which_someone_meets_every_rule():
    pool = make_pool()
    tuesday = DAY.weekday()
    make_mediator(pool, slots=((tuesday, 14), (tuesday + 1, 6)))
    booking = make_booking(pool, starts_at=at(hour=10), status=Status.UNFILLED)

    times = available_times(booking, now=NOW)

    assert times, "someone is free on Tuesday afternoon and on Wednesday"
    local = [t.starts_at.astimezone(at().tzinfo) for t in times]
    assert all(
        (t.date() == DAY and t.hour >= 14) or t.date() == DAY + datetime.timedelta(days=1)
        for t in local
    )
    assert all(t.available == 1 for t in times)
    assert local == sorted(local)


def test_no_other_time_when_nobody_could_ever_come():
    pool = make_pool()
    make_mediator(pool, home=AACHEN)
    booking = make_booking(pool, place=VIERSEN, mode=Mode.ON_SITE)
    assert available_times(booking, now=NOW) == []
    assert Mediator.objects.count() == 1
