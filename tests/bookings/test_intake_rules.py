"""Intake rules: minimum notice in working days (weekends and the state's public holidays do
not count; coordinators may book at shorter notice, with a reason that is recorded) and the
kinds of appointment a pool refuses — each refusal with a message that says why, and nothing
stored."""

import datetime

import pytest
from django.utils import translation

from bookings.constants import AppointmentKind, Field, Mode, Status
from bookings.exceptions import IntakeRefused
from bookings.models import Booking, BookingEvent
from bookings.services import booking_create, earliest_start_day, is_working_day
from core.exceptions import DomainError
from institutions.constants import FederalState
from tests.bookings.lifecycle import berlin, coordinator_of, staff_of
from tests.institutions.factories import PoolFactory
from tests.mediators.factories import LanguageFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def request(staff, *, starts_at, now, kind=AppointmentKind.CONVERSATION, requester=None, **extra):
    return booking_create(
        requester=requester or staff.user,
        institution=staff.institution,
        language=LanguageFactory(),
        starts_at=starts_at,
        duration_minutes=60,
        mode=Mode.ON_SITE,
        location=staff.institution.locations.first(),
        field=Field.SCHOOL,
        kind=kind,
        now=now,
        **extra,
    )


# --- working days ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("now", "earliest"),
    [
        # Wed 22.12.2027: Christmas and New Year fall on weekends, so only weekends are skipped.
        (berlin(2027, 12, 22, 10, 0), datetime.date(2027, 12, 29)),
        # Tue 22.12.2026: Christmas Day is a Friday and does not count.
        (berlin(2026, 12, 22, 10, 0), datetime.date(2026, 12, 30)),
        # Mon 28.12.2026: across New Year (Fri 1.1.2027 is a holiday) into the new year.
        (berlin(2026, 12, 28, 10, 0), datetime.date(2027, 1, 5)),
        # A request on a Saturday counts from the Monday on.
        (berlin(2027, 3, 6, 10, 0), datetime.date(2027, 3, 12)),
    ],
)
def test_five_working_days_notice_skips_weekends_and_nrw_public_holidays(now, earliest):
    pool = PoolFactory(min_notice_working_days=5, state=FederalState.NW)

    assert earliest_start_day(pool, now=now) == earliest


def test_a_request_on_22_december_2027_with_five_days_notice_may_start_on_29_december():
    # Given a pool in NRW asking for five working days' notice
    staff = staff_of(min_notice_working_days=5, state=FederalState.NW)
    now = berlin(2027, 12, 22, 10, 0)

    # When a request for Tuesday 28.12. is made, it is refused and says the earliest day
    with pytest.raises(IntakeRefused) as refused:
        request(staff, starts_at=berlin(2027, 12, 28, 9, 0), now=now)
    assert refused.value.field == "starts_at"
    assert "5 working days" in str(refused.value.message)
    assert "29.12.2027" in str(refused.value.message)
    assert "Nordrhein-Westfalen" in str(refused.value.message)
    assert Booking.objects.count() == 0
    assert BookingEvent.objects.count() == 0

    # Then a request for Wednesday 29.12. is taken
    booking = request(staff, starts_at=berlin(2027, 12, 29, 9, 0), now=now)
    assert booking.status == Status.REQUESTED


@pytest.mark.parametrize(
    ("state", "earliest"),
    [
        # Corpus Christi, Thu 27.05.2027, is a public holiday in NRW, not in Lower Saxony.
        (FederalState.NW, datetime.date(2027, 5, 28)),
        (FederalState.NI, datetime.date(2027, 5, 27)),
    ],
)
def test_corpus_christi_counts_only_where_it_is_a_public_holiday(state, earliest):
    pool = PoolFactory(min_notice_working_days=2, state=state)

    assert earliest_start_day(pool, now=berlin(2027, 5, 25, 12, 0)) == earliest


@pytest.mark.parametrize(
    ("state", "refused"),
    [(FederalState.NW, True), (FederalState.NI, False), (FederalState.BY, True)],
)
def test_all_saints_day_2027_is_no_working_day_in_nrw_and_bavaria_but_in_lower_saxony(
    state, refused
):
    # Given a request on Friday 29.10.2027 for Monday 1.11. (All Saints' Day) with one day
    staff = staff_of(min_notice_working_days=1, state=state)
    now = berlin(2027, 10, 29, 11, 0)

    if refused:
        with pytest.raises(IntakeRefused) as error:
            request(staff, starts_at=berlin(2027, 11, 1, 10, 0), now=now)
        assert "02.11.2027" in str(error.value.message)
        assert Booking.objects.count() == 0
    else:
        booking = request(staff, starts_at=berlin(2027, 11, 1, 10, 0), now=now)
        assert booking.status == Status.REQUESTED
    assert is_working_day(datetime.date(2027, 11, 1), state=state) is not refused


def test_the_day_of_the_request_is_the_local_day_not_the_utc_day():
    # Given Monday 00:30 in Berlin, which is still Sunday in UTC
    pool = PoolFactory(min_notice_working_days=1, state=FederalState.NW)
    now = berlin(2027, 3, 8, 0, 30)
    assert now.astimezone(datetime.UTC).date() == datetime.date(2027, 3, 7)

    # Then one working day's notice means Tuesday, not Monday
    assert earliest_start_day(pool, now=now) == datetime.date(2027, 3, 9)


def test_coordinators_may_book_at_shorter_notice_with_a_reason_that_is_recorded():
    # Given a pool asking for five working days and a coordinator of that pool
    staff = staff_of(min_notice_working_days=5)
    coordinator = coordinator_of(staff.institution.pool)
    now = berlin(2027, 3, 8, 9, 0)

    # When the coordinator books for tomorrow on behalf of the institution, saying why
    booking = request(
        staff,
        starts_at=berlin(2027, 3, 9, 9, 0),
        now=now,
        requester=coordinator.user,
        notice_override_reason="Elterngespräch wegen Schulausschluss",
    )

    # Then the request is taken, and the exception is on its event
    assert booking.status == Status.REQUESTED
    assert booking.requested_by == coordinator.user
    event = booking.events.get()
    assert event.actor == coordinator.user
    assert event.data["notice_override_reason"] == "Elterngespräch wegen Schulausschluss"
    assert "Elterngespräch wegen Schulausschluss" in event.reason


def test_coordinators_at_shorter_notice_without_a_reason_are_refused_and_told_how():
    staff = staff_of(min_notice_working_days=5)
    coordinator = coordinator_of(staff.institution.pool)

    with pytest.raises(IntakeRefused) as error:
        request(
            staff,
            starts_at=berlin(2027, 3, 9, 9, 0),
            now=berlin(2027, 3, 8, 9, 0),
            requester=coordinator.user,
        )

    assert "15.03.2027" in str(error.value.message)
    assert "reason" in str(error.value.message)
    assert Booking.objects.count() == 0


def test_a_reason_for_an_exception_is_not_recorded_when_the_notice_is_kept():
    staff = staff_of(min_notice_working_days=5)
    coordinator = coordinator_of(staff.institution.pool)

    booking = request(
        staff,
        starts_at=berlin(2027, 3, 22, 9, 0),
        now=berlin(2027, 3, 8, 9, 0),
        requester=coordinator.user,
        notice_override_reason="Eilt",
    )

    assert "notice_override_reason" not in booking.events.get().data


def test_staff_cannot_override_the_notice():
    staff = staff_of(min_notice_working_days=5)

    with pytest.raises(DomainError) as error:
        request(
            staff,
            starts_at=berlin(2027, 3, 9, 9, 0),
            now=berlin(2027, 3, 8, 9, 0),
            notice_override_reason="Eilt",
        )

    assert error.value.field == "notice_override_reason"
    assert Booking.objects.count() == 0


def test_institution_staff_at_shorter_notice_are_refused():
    staff = staff_of(min_notice_working_days=5)

    with pytest.raises(IntakeRefused):
        request(staff, starts_at=berlin(2027, 3, 9, 9, 0), now=berlin(2027, 3, 8, 9, 0))

    assert Booking.objects.count() == 0


def test_a_pool_without_minimum_notice_takes_a_request_for_later_today():
    staff = staff_of(min_notice_working_days=0)

    booking = request(staff, starts_at=berlin(2027, 3, 8, 15, 0), now=berlin(2027, 3, 8, 9, 0))

    assert booking.status == Status.REQUESTED


# --- refused kinds ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "why"),
    [
        (AppointmentKind.LEGAL_CONSEQUENCES, "sworn interpreter"),
        (AppointmentKind.MEDICAL_TREATMENT, "professional interpreter"),
        (AppointmentKind.PRIVATE_REQUEST, "private persons"),
    ],
)
def test_a_kind_the_pool_does_not_serve_is_refused_with_the_reason_and_nothing_is_stored(kind, why):
    staff = staff_of()  # the default pool refuses these three kinds

    with pytest.raises(IntakeRefused) as refused:
        request(staff, starts_at=berlin(2027, 3, 15, 9, 0), now=berlin(2027, 3, 1, 9, 0), kind=kind)

    assert refused.value.field == "kind"
    assert str(AppointmentKind(kind).label) in str(refused.value.message)
    assert why in str(refused.value.message)
    assert Booking.objects.count() == 0
    assert BookingEvent.objects.count() == 0


def test_coordinators_cannot_book_a_kind_the_pool_does_not_serve_either():
    staff = staff_of(min_notice_working_days=5)
    coordinator = coordinator_of(staff.institution.pool)

    with pytest.raises(IntakeRefused):
        request(
            staff,
            starts_at=berlin(2027, 3, 9, 9, 0),
            now=berlin(2027, 3, 8, 9, 0),
            kind=AppointmentKind.MEDICAL_TREATMENT,
            requester=coordinator.user,
        )

    assert Booking.objects.count() == 0


def test_a_pool_that_serves_medical_treatment_takes_such_a_request():
    staff = staff_of(refused_kinds=[AppointmentKind.PRIVATE_REQUEST])

    booking = request(
        staff,
        starts_at=berlin(2027, 3, 15, 9, 0),
        now=berlin(2027, 3, 1, 9, 0),
        kind=AppointmentKind.MEDICAL_TREATMENT,
    )

    assert booking.kind == AppointmentKind.MEDICAL_TREATMENT


def test_a_kind_refused_by_the_pool_itself_says_to_ask_the_integration_centre():
    staff = staff_of(refused_kinds=[AppointmentKind.INFORMATION_EVENT])

    with pytest.raises(IntakeRefused) as refused:
        request(
            staff,
            starts_at=berlin(2027, 3, 15, 9, 0),
            now=berlin(2027, 3, 1, 9, 0),
            kind=AppointmentKind.INFORMATION_EVENT,
        )

    assert "Information event" in str(refused.value.message)
    assert "integration centre" in str(refused.value.message)


def test_an_unknown_kind_is_a_field_error_and_stores_nothing():
    staff = staff_of()

    with pytest.raises(DomainError) as error:
        request(staff, starts_at=berlin(2027, 3, 15, 9, 0), now=berlin(2027, 3, 1, 9, 0), kind="x")

    assert error.value.field == "kind"
    assert not isinstance(error.value, IntakeRefused)
    assert Booking.objects.count() == 0
