"""The coordinator's work list (``bookings.selectors.work_list_for``): what waits for the
pool's coordinators, in a fixed number of queries whatever the number of rows."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bookings.constants import AlertKind, ReportStatus, Status
from bookings.models import Alert, Report
from bookings.selectors import work_list_for
from core.time import local_date
from institutions.models import Coordinator
from mediators.applications.services import application_submit
from notifications.constants import MessageKind, MessageStatus
from notifications.models import Message
from tests.bookings.factories import BookingFactory
from tests.bookings.lifecycle import berlin
from tests.institutions.factories import CoordinatorFactory, InstitutionFactory
from tests.mediators.factories import LanguageFactory, MediatorFactory

pytestmark = pytest.mark.django_db

NOW = berlin(2027, 3, 15, 9, 0)
DAYS = datetime.timedelta(days=1)


def fill(pool, n: int) -> dict[str, set[int]]:
    """``n`` rows in every section of the pool's work list; the ids per section."""
    institution = InstitutionFactory(pool=pool)

    def booking(status, starts_at=NOW + 14 * DAYS):
        return BookingFactory(institution=institution, status=status, starts_at=starts_at)

    made: dict[str, set[int]] = {name: set() for name in SECTIONS}
    for i in range(n):
        made["unfilled"].add(booking(Status.UNFILLED).pk)
        made["soon"].add(booking(Status.REQUESTED, NOW + 2 * DAYS).pk)
        made["awaiting_approval"].add(booking(Status.AWAITING_APPROVAL).pk)
        completed = BookingFactory(
            institution=institution,
            status=Status.COMPLETED,
            mediator=MediatorFactory(pool=pool),
            starts_at=NOW - 2 * DAYS,
        )
        Report.objects.create(
            booking=completed,
            actual_minutes=60,
            travel_km=Decimal("1.0"),
            status=ReportStatus.DISPUTED,
            debrief_note="Hard conversation.",
            call_back=True,
        )
        made["disputed"].add(completed.pk)
        made["call_backs"].add(completed.pk)
        made["failed_messages"].add(
            Message.objects.create(
                pool=pool,
                booking=completed,
                kind=MessageKind.BOOKING_CONFIRMED,
                idempotency_key=f"work-list-{pool.pk}-{i}",
                recipient_email="kita@example.org",
                status=MessageStatus.FAILED,
            ).pk
        )
        made["expiring"].add(
            MediatorFactory(
                pool=pool, police_certificate_valid_until=local_date(NOW) + 10 * DAYS
            ).pk
        )
        made["alerts"].add(
            Alert.objects.create(
                pool=pool, booking=completed, kind=AlertKind.REPORT_DISPUTED, message="x"
            ).pk
        )
        made["applications"].add(
            application_submit(
                pool=pool,
                first_name="Olena",
                last_name=f"Applicant {i}",
                email=f"applicant-{pool.pk}-{i}@example.org",
                gender="female",
                postal_code="41747",
                town="Viersen",
                languages=[LanguageFactory(code="ukr")],
                availability="mornings",
                consent=True,
                now=NOW,
            ).pk
        )
    return made


SECTIONS = (
    "unfilled",
    "soon",
    "awaiting_approval",
    "disputed",
    "failed_messages",
    "expiring",
    "alerts",
    "applications",
    "call_backs",
)


def ids(work) -> dict[str, set[int]]:
    return {name: {row.pk for row in getattr(work, name)} for name in SECTIONS}


def queries_for(coordinator) -> int:
    fresh = Coordinator.objects.get(pk=coordinator.pk)
    with CaptureQueriesContext(connection) as queries:
        work = work_list_for(fresh, now=NOW)
        # What the page shows of each row is loaded with it.
        bookings = work.unfilled + work.soon + work.awaiting_approval + work.disputed
        shown = [f"{b.language} {b.institution}" for b in bookings]
        shown += [str(m) for m in work.expiring] + [str(a.booking) for a in work.alerts]
        shown += [str(m.booking) for m in work.failed_messages]
        shown += [str(language) for a in work.applications for language in a.languages.all()]
        shown += [f"{b.mediator} {b.report.debrief_note}" for b in work.call_backs]
    assert shown
    return len(queries)


def test_each_section_lists_what_waits_in_the_coordinators_pool_only():
    coordinator = CoordinatorFactory()
    made = fill(coordinator.pool, 2)
    fill(CoordinatorFactory().pool, 1)  # another pool's
    institution = InstitutionFactory(pool=coordinator.pool)
    BookingFactory(institution=institution, status=Status.UNFILLED, starts_at=NOW - DAYS)
    BookingFactory(institution=institution, status=Status.REQUESTED, starts_at=NOW + 8 * DAYS)
    MediatorFactory(
        pool=coordinator.pool, police_certificate_valid_until=local_date(NOW) + 90 * DAYS
    )
    MediatorFactory(
        pool=coordinator.pool,
        active=False,
        police_certificate_valid_until=local_date(NOW) - DAYS,
    )
    Alert.objects.create(
        pool=coordinator.pool, kind=AlertKind.UNFILLED, message="x", resolved_at=NOW
    )
    called = BookingFactory(
        institution=institution,
        status=Status.CLOSED,
        mediator=MediatorFactory(pool=coordinator.pool),
        starts_at=NOW - 3 * DAYS,
    )
    Report.objects.create(
        booking=called,
        actual_minutes=60,
        travel_km=Decimal("1.0"),
        status=ReportStatus.CONFIRMED,
        call_back=True,
        call_back_done_at=NOW - DAYS,  # called back already
    )

    work = work_list_for(coordinator, now=NOW)

    assert ids(work) == made
    assert work.today == datetime.date(2027, 3, 15)


def test_the_work_list_takes_as_many_queries_for_five_rows_per_section_as_for_one():
    one, five = CoordinatorFactory(), CoordinatorFactory()
    fill(one.pool, 1)
    fill(five.pool, 5)

    assert queries_for(five) == queries_for(one)
    # the user, two booking lists (the open requests' three sections share one, the reports'
    # two another), one per other list, the applications' languages
    assert queries_for(one) <= 9


def test_an_open_request_is_in_the_sections_its_status_and_start_put_it_in_only():
    """The three sections of open requests come from one query: each keeps its own limits."""
    coordinator = CoordinatorFactory()
    institution = InstitutionFactory(pool=coordinator.pool)

    def booking(status, starts_at):
        return BookingFactory(institution=institution, status=status, starts_at=starts_at).pk

    unfilled_soon = booking(Status.UNFILLED, NOW + DAYS)
    starting_now = booking(Status.OFFERED, NOW)
    last_soon = booking(Status.REQUESTED, NOW + 7 * DAYS - datetime.timedelta(minutes=1))
    booking(Status.OFFERED, NOW + 7 * DAYS)  # a week ahead: not soon
    booking(Status.REQUESTED, NOW - datetime.timedelta(minutes=1))  # begun: not soon
    past_approval = booking(Status.AWAITING_APPROVAL, NOW - DAYS)
    booking(Status.CANCELLED, NOW + DAYS)

    work = work_list_for(coordinator, now=NOW)

    assert [b.pk for b in work.unfilled] == [unfilled_soon]
    assert [b.pk for b in work.soon] == [starting_now, last_soon]
    assert [b.pk for b in work.awaiting_approval] == [past_approval]


def test_background_processes_that_never_beat_are_both_down(settings):
    settings.CELERY_TASK_ALWAYS_EAGER = False

    work = work_list_for(CoordinatorFactory(), now=NOW)

    assert work.background_down == ["beat", "worker"]


def test_disputed_reports_are_listed_by_start_and_call_backs_by_when_they_were_reported():
    """The two sections of reports come from one query, each in its own order."""
    coordinator = CoordinatorFactory()
    institution = InstitutionFactory(pool=coordinator.pool)

    def reported(starts_at, reported_at, **report):
        booking = BookingFactory(
            institution=institution,
            status=Status.COMPLETED,
            mediator=MediatorFactory(pool=coordinator.pool),
            starts_at=starts_at,
        )
        made = Report.objects.create(
            booking=booking, actual_minutes=60, travel_km=Decimal("1.0"), **report
        )
        Report.objects.filter(pk=made.pk).update(reported_at=reported_at)
        return booking.pk

    early_start_late_report = reported(
        NOW - 9 * DAYS, NOW - DAYS, status=ReportStatus.DISPUTED, call_back=True
    )
    late_start_early_report = reported(
        NOW - 5 * DAYS, NOW - 4 * DAYS, status=ReportStatus.DISPUTED, call_back=True
    )
    only_call_back = reported(NOW - 7 * DAYS, NOW - 6 * DAYS, call_back=True)
    reported(NOW - 8 * DAYS, NOW - 7 * DAYS, status=ReportStatus.CONFIRMED)  # neither

    work = work_list_for(coordinator, now=NOW)

    assert [b.pk for b in work.disputed] == [early_start_late_report, late_start_early_report]
    assert [b.pk for b in work.call_backs] == [
        only_call_back,
        late_start_early_report,
        early_start_late_report,
    ]
