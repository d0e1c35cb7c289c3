"""A series of appointments: one request, one booking per date (all or none), the dates on
the local wall clock across the changes of the clocks, the notice of the first date, limits
with clear messages, dates left out, and cancelling from a day onwards through the normal
cancellation rules."""

import datetime

import pytest
from django.utils import translation

from bookings.constants import (
    SERIES_MAX_DATES,
    AllowanceKind,
    Field,
    Mode,
    Status,
)
from bookings.exceptions import IntakeRefused
from bookings.models import Allowance, Booking, BookingEvent, BookingSeries
from bookings.privacy.selectors import personal_data_export
from bookings.services.series import (
    SeriesRefused,
    SeriesRule,
    booking_series_cancel_from,
    booking_series_create,
    series_dates,
)
from bookings.state_machine import transition
from core.constants import ActorRole
from core.exceptions import DomainError
from core.time import BERLIN
from institutions.constants import FederalState
from tests.bookings.lifecycle import berlin, coordinator_of, staff_of
from tests.institutions.factories import CompensationRuleFactory
from tests.mediators.factories import LanguageFactory, MediatorFactory

pytestmark = pytest.mark.django_db

NOW = berlin(2027, 2, 1, 9, 0)  # a Monday


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def request_series(staff, *, starts_at, now=NOW, requester=None, **rule):
    rule.setdefault("count", 4)
    return booking_series_create(
        requester=requester or staff.user,
        institution=staff.institution,
        language=LanguageFactory(),
        starts_at=starts_at,
        duration_minutes=60,
        mode=Mode.ON_SITE,
        location=staff.institution.locations.first(),
        field=Field.SCHOOL,
        now=now,
        **rule,
    )


def local_times(moments):
    return [m.astimezone(BERLIN).strftime("%a %d.%m.%Y %H:%M") for m in moments]


# --- the dates ------------------------------------------------------------------------------


def test_a_weekly_series_stays_at_0800_local_across_the_march_and_october_changes():
    spring = series_dates(SeriesRule(first=berlin(2027, 3, 16, 8, 0), count=3), now=NOW)
    autumn = series_dates(SeriesRule(first=berlin(2027, 10, 26, 8, 0), count=2), now=NOW)

    assert local_times(spring) == [
        "Tue 16.03.2027 08:00", "Tue 23.03.2027 08:00", "Tue 30.03.2027 08:00",
    ]  # fmt: skip
    assert local_times(autumn) == ["Tue 26.10.2027 08:00", "Tue 02.11.2027 08:00"]
    # The same wall-clock time is a different instant after the change: 07:00 UTC, then 06:00.
    assert [m.astimezone(datetime.UTC).hour for m in spring] == [7, 7, 6]
    assert [m.astimezone(datetime.UTC).hour for m in autumn] == [6, 7]


def test_every_second_week_until_a_day_includes_that_day():
    dates = series_dates(
        SeriesRule(first=berlin(2027, 2, 9, 8, 0), interval_weeks=2,
                   until=datetime.date(2027, 3, 23)),
        now=NOW,
    )  # fmt: skip

    assert local_times(dates) == [
        "Tue 09.02.2027 08:00", "Tue 23.02.2027 08:00", "Tue 09.03.2027 08:00",
        "Tue 23.03.2027 08:00",
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("rule", "field", "words"),
    [
        (SeriesRule(first=berlin(2027, 2, 9, 8, 0)), "until", "either on a day"),
        (SeriesRule(first=berlin(2027, 2, 9, 8, 0), count=SERIES_MAX_DATES + 1), "count", "52"),
        (SeriesRule(first=berlin(2027, 2, 9, 8, 0), until=datetime.date(2028, 2, 2)), "until",
         "at most 12 months ahead, until 01.02.2028"),
        (SeriesRule(first=berlin(2027, 2, 9, 8, 0), until=datetime.date(2028, 3, 1)), "until",
         "at most 12 months"),
        (SeriesRule(first=berlin(2027, 2, 9, 8, 0), interval_weeks=5, count=3), "interval_weeks",
         "every 1 to 4 weeks"),
        (SeriesRule(first=berlin(2027, 2, 9, 8, 0), until=datetime.date(2027, 2, 9)), "until",
         "before the second date"),
    ],
)  # fmt: skip
def test_a_rule_without_an_end_or_past_the_limits_is_refused_naming_the_limit(rule, field, words):
    with pytest.raises(DomainError) as refused:
        series_dates(rule, now=NOW)

    assert refused.value.field == field
    assert words in str(refused.value.message)


def test_more_than_52_weekly_dates_within_the_months_are_refused():
    # From 2027-02-01, until 01.02.2028 is allowed, but weekly from 02.02. that is 53 dates.
    rule = SeriesRule(first=berlin(2027, 2, 2, 8, 0), until=datetime.date(2028, 2, 1))

    with pytest.raises(DomainError) as refused:
        series_dates(rule, now=NOW)

    assert "at most 52 dates" in str(refused.value.message)


# --- the request ----------------------------------------------------------------------------


def test_a_series_is_one_booking_per_date_in_order_with_the_series_on_each():
    staff = staff_of()

    series = request_series(staff, starts_at=berlin(2027, 3, 16, 8, 0), count=4)

    bookings = list(series.bookings.order_by("starts_at"))
    assert [b.series_position for b in bookings] == [1, 2, 3, 4]
    assert {b.status for b in bookings} == {Status.REQUESTED}
    assert local_times(b.starts_at for b in bookings)[-1] == "Tue 06.04.2027 08:00"
    assert series.institution == staff.institution and series.created_by == staff.user
    assert {e.data["series_id"] for e in BookingEvent.objects.all()} == {series.pk}


def test_the_notice_applies_to_the_first_date():
    # Given five working days' notice: on Monday 01.02. the earliest day is Monday 08.02.
    staff = staff_of(min_notice_working_days=5, state=FederalState.NW)

    with pytest.raises(IntakeRefused) as refused:
        request_series(staff, starts_at=berlin(2027, 2, 5, 8, 0), count=3)

    assert refused.value.field == "starts_at" and "08.02.2027" in str(refused.value.message)
    assert Booking.objects.count() == 0 and BookingSeries.objects.count() == 0
    # From the earliest day on, the series is taken.
    series = request_series(staff, starts_at=berlin(2027, 2, 8, 8, 0), count=3)
    assert series.bookings.count() == 3


def test_a_date_a_rule_refuses_is_named_and_no_date_is_booked():
    # Weekly on Sunday 02:30: on Sunday 28.03.2027 the clocks jump from 02:00 to 03:00.
    staff = staff_of()

    with pytest.raises(SeriesRefused) as refused:
        request_series(staff, starts_at=berlin(2027, 3, 14, 2, 30), count=4)

    assert refused.value.as_dict()["series"] == [
        "28.03.2027: This time does not exist on this day: the clocks jump forward. "
        "Choose another time."
    ] or refused.value.as_dict()["series"][0].startswith("28.03.2027: ")
    assert len(refused.value.rows) == 1
    assert Booking.objects.count() == 0
    assert BookingSeries.objects.count() == 0
    assert BookingEvent.objects.count() == 0


def test_dates_left_out_are_not_booked_and_the_positions_follow_the_dates_kept():
    staff = staff_of()

    series = request_series(
        staff, starts_at=berlin(2027, 3, 16, 8, 0), count=4,
        skip={datetime.date(2027, 3, 23)},
    )  # fmt: skip

    assert local_times(series.bookings.order_by("starts_at").values_list("starts_at", flat=True)) \
        == ["Tue 16.03.2027 08:00", "Tue 30.03.2027 08:00", "Tue 06.04.2027 08:00"]  # fmt: skip
    assert sorted(series.bookings.values_list("series_position", flat=True)) == [1, 2, 3]


def test_leaving_out_all_but_one_date_is_refused():
    staff = staff_of()

    with pytest.raises(DomainError) as refused:
        request_series(
            staff, starts_at=berlin(2027, 3, 16, 8, 0), count=2,
            skip={datetime.date(2027, 3, 23)},
        )  # fmt: skip

    assert refused.value.field == "skip"
    assert Booking.objects.count() == 0


def test_a_pool_that_approves_first_holds_every_date_for_approval():
    staff = staff_of(requires_approval=True)

    series = request_series(staff, starts_at=berlin(2027, 3, 16, 8, 0), count=3)

    assert set(series.bookings.values_list("status", flat=True)) == {Status.AWAITING_APPROVAL}


# --- cancelling from a day onwards ----------------------------------------------------------


def confirm(booking, mediator):
    return transition(
        booking, to=Status.CONFIRMED, actor_role=ActorRole.SYSTEM, changes={"mediator": mediator}
    )


def test_cancelling_from_a_day_cancels_that_date_and_the_later_ones_through_the_normal_rules():
    staff = staff_of(late_cancellation_hours=48)
    series = request_series(staff, starts_at=berlin(2027, 3, 16, 8, 0), count=4)
    first, second, third, fourth = series.bookings.order_by("starts_at")
    mediator = MediatorFactory(pool=staff.institution.pool)
    CompensationRuleFactory(pool=staff.institution.pool, valid_from=datetime.date(2027, 1, 1))
    confirm(second, mediator)
    # The day before the second date: within the 48 hours, a late cancellation.
    now = berlin(2027, 3, 22, 10, 0)

    cancelled = booking_series_cancel_from(
        series=series, day=datetime.date(2027, 3, 22), actor=staff.user, reason="Term ends",
        now=now,
    )  # fmt: skip

    assert [b.pk for b in cancelled] == [second.pk, third.pk, fourth.pk]
    statuses = dict(Booking.objects.values_list("pk", "status"))
    assert statuses[first.pk] == Status.REQUESTED
    assert {statuses[b.pk] for b in (second, third, fourth)} == {Status.CANCELLED}
    second.refresh_from_db()
    assert second.late_cancellation and second.cancelled_by_role == ActorRole.INSTITUTION
    assert Allowance.objects.filter(
        booking=second, kind=AllowanceKind.LATE_CANCELLATION, mediator=mediator
    ).exists()


def test_cancelling_a_series_needs_a_reason_and_changes_nothing_without():
    staff = staff_of()
    series = request_series(staff, starts_at=berlin(2027, 3, 16, 8, 0), count=3)
    events = BookingEvent.objects.count()

    with pytest.raises(DomainError) as refused:
        booking_series_cancel_from(
            series=series, day=datetime.date(2027, 3, 16), actor=staff.user, reason=" ", now=NOW
        )

    assert refused.value.field == "reason"
    assert BookingEvent.objects.count() == events
    assert set(series.bookings.values_list("status", flat=True)) == {Status.REQUESTED}


def test_cancelling_after_the_last_date_says_nothing_is_left():
    staff = staff_of()
    series = request_series(staff, starts_at=berlin(2027, 3, 16, 8, 0), count=2)

    with pytest.raises(DomainError) as refused:
        booking_series_cancel_from(
            series=series, day=datetime.date(2027, 4, 1), actor=staff.user, reason="x", now=NOW
        )

    assert refused.value.field == "day"


def test_a_coordinator_of_another_pool_cancels_nothing():
    staff = staff_of()
    series = request_series(staff, starts_at=berlin(2027, 3, 16, 8, 0), count=2)
    stranger = coordinator_of(staff_of().institution.pool)

    with pytest.raises(Exception) as refused:  # noqa: PT011 - PermissionDenied of Django
        booking_series_cancel_from(
            series=series, day=datetime.date(2027, 3, 16), actor=stranger.user, reason="x",
            now=NOW,
        )  # fmt: skip

    assert type(refused.value).__name__ == "PermissionDenied"
    assert set(series.bookings.values_list("status", flat=True)) == {Status.REQUESTED}


# --- the personal-data export ---------------------------------------------------------------


def test_the_staff_members_export_names_the_series_they_requested():
    staff = staff_of()
    series = request_series(staff, starts_at=berlin(2027, 3, 16, 8, 0), count=3)
    other = request_series(staff_of(), starts_at=berlin(2027, 3, 17, 8, 0), count=2)

    data = personal_data_export(staff.user, now=NOW)

    assert data["series"] == [
        {
            "id": series.pk,
            "institution": staff.institution.name,
            "every_weeks": 1,
            "until": None,
            "count": 3,
            "created_at": NOW.isoformat(),
            "bookings": list(series.bookings.order_by("starts_at").values_list("pk", flat=True)),
        }
    ]
    assert other.pk not in [row["id"] for row in data["series"]]
