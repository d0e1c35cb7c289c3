"""After a hard conversation: the mediator's report may carry a note for the pool's
coordinators and a "please call me" tick. Only coordinators of the pool see the note; the
call-back waits in their work list until one of them marks it done; the note is personal
data (export, retention, erasure)."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import translation
from rest_framework.test import APIClient

from bookings.constants import ReportStatus, Status
from bookings.exceptions import BookingConflict
from bookings.models import BookingEvent, Report
from bookings.privacy.erasure import person_erase
from bookings.privacy.retention import pool_bookings_anonymise
from bookings.privacy.selectors import personal_data_export
from bookings.selectors import work_list_for
from bookings.services import report_call_back_done, report_confirm, report_submit
from core.exceptions import DomainError
from tests.bookings.lifecycle import berlin, coordinator_of, held_booking, staff_of
from tests.institutions.factories import CompensationRuleFactory, CoordinatorFactory

pytestmark = pytest.mark.django_db

STARTS = berlin(2027, 3, 15, 9, 0)
AFTER = berlin(2027, 3, 15, 10, 30)
NOTE = "The mother cried; the school threatened to call the youth office. I need to talk."


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def booking():
    booking = held_booking(starts_at=STARTS, duration_minutes=60)
    CompensationRuleFactory(pool=booking.pool, valid_from=datetime.date(2027, 1, 1))
    return booking


def reported(booking, **extra):
    return report_submit(
        booking=booking,
        actor=booking.mediator.user,
        actual_minutes=60,
        travel_km=Decimal("8"),
        now=AFTER,
        **extra,
    )


def test_the_note_and_the_call_back_are_kept_with_the_report_but_not_in_its_history(booking):
    report = reported(booking, debrief_note=f"  {NOTE}  ", call_back=True)

    report.refresh_from_db()
    assert report.debrief_note == NOTE
    assert report.call_back is True
    assert report.call_back_done_at is None
    event = BookingEvent.objects.get(booking=booking, to_status=Status.COMPLETED)
    assert NOTE not in str(event.data) and NOTE not in event.reason
    assert "call_back" not in str(event.data)


def test_a_report_without_a_note_asks_for_no_call(booking):
    report = reported(booking)

    assert (report.debrief_note, report.call_back) == ("", False)
    assert work_list_for(coordinator_of(booking.pool), now=AFTER).call_backs == []


def test_a_note_too_long_is_refused_and_nothing_is_reported(booking):
    with pytest.raises(DomainError) as error:
        reported(booking, debrief_note="x" * 2001, call_back=True)

    assert error.value.field == "debrief_note"
    booking.refresh_from_db()
    assert booking.status == Status.CONFIRMED
    assert not Report.objects.exists()


def test_the_call_back_waits_in_the_work_list_until_a_coordinator_marks_it_done(booking):
    coordinator = coordinator_of(booking.pool)
    reported(booking, debrief_note=NOTE, call_back=True)
    assert [b.pk for b in work_list_for(coordinator, now=AFTER).call_backs] == [booking.pk]
    other_pool = CoordinatorFactory()
    assert work_list_for(other_pool, now=AFTER).call_backs == []

    report = report_call_back_done(booking=booking, actor=coordinator.user, now=AFTER)

    assert report.call_back_done_at == AFTER
    assert report.call_back_done_by == coordinator.user
    assert work_list_for(coordinator, now=AFTER).call_backs == []
    # marking it again changes nothing
    later = AFTER + datetime.timedelta(hours=1)
    again = report_call_back_done(booking=booking, actor=coordinator.user, now=later)
    assert again.call_back_done_at == AFTER


def test_only_a_coordinator_of_the_pool_marks_a_call_back_done(booking):
    reported(booking, call_back=True)

    for outsider in (CoordinatorFactory().user, staff_of(booking.institution).user):
        with pytest.raises(PermissionDenied):
            report_call_back_done(booking=booking, actor=outsider, now=AFTER)

    assert Report.objects.get().call_back_done_at is None


def test_marking_done_a_call_back_nobody_asked_for_answers_409(booking):
    reported(booking)

    with pytest.raises(BookingConflict) as conflict:
        report_call_back_done(booking=booking, actor=coordinator_of(booking.pool).user)

    assert conflict.value.code == "no_call_back"
    assert Report.objects.get().call_back_done_at is None


def test_the_institution_never_sees_the_note_in_the_api(booking):
    reported(booking, debrief_note=NOTE, call_back=True)
    staff = staff_of(booking.institution)
    client = APIClient()
    client.force_authenticate(user=staff.user)

    response = client.get(f"/api/v1/bookings/{booking.pk}/")

    assert response.status_code == 200
    assert response.json()["report"]["actual_minutes"] == 60  # the report is there
    assert NOTE not in response.content.decode()
    assert "debrief" not in response.content.decode()
    assert "call_back" not in response.content.decode()


def test_the_mediator_may_send_the_note_through_the_api(booking, time_machine):
    time_machine.move_to(AFTER, tick=False)
    client = APIClient()
    client.force_authenticate(user=booking.mediator.user)

    response = client.post(
        f"/api/v1/bookings/{booking.pk}/report/",
        {"actual_minutes": 60, "travel_km": "3", "debrief_note": NOTE, "call_back": True},
        format="json",
    )

    assert response.status_code == 200, response.content
    report = Report.objects.get()
    assert (report.debrief_note, report.call_back) == (NOTE, True)
    assert NOTE not in response.content.decode()  # not echoed in the booking's answer


def test_the_mediators_export_holds_the_note_and_the_institutions_does_not(booking):
    reported(booking, debrief_note=NOTE, call_back=True)
    staff = staff_of(booking.institution)
    booking.requested_by = staff.user
    booking.save(update_fields=["requested_by"])

    mine = personal_data_export(booking.mediator.user, now=AFTER)
    theirs = personal_data_export(staff.user, now=AFTER)

    report = mine["bookings"][0]["report"]
    assert (report["debrief_note"], report["call_back"], report["called_back_at"]) == (
        NOTE,
        True,
        None,
    )
    assert theirs["bookings"][0]["report"]["actual_minutes"] == 60
    assert NOTE not in str(theirs) and "debrief_note" not in str(theirs)


def test_after_the_retention_period_the_note_is_gone_and_the_figures_stay(booking):
    reported(booking, debrief_note=NOTE, call_back=True)
    coordinator = coordinator_of(booking.pool)
    report_call_back_done(booking=booking, actor=coordinator.user, now=AFTER)
    report_confirm(booking=booking, actor=staff_of(booking.institution).user, now=AFTER)
    later = STARTS + datetime.timedelta(days=booking.pool.retention_days + 1)

    pool_bookings_anonymise(pool=booking.pool, now=later)

    report = Report.objects.get()
    assert report.debrief_note == ""
    assert report.call_back_done_by is None
    assert (report.actual_minutes, report.status) == (60, ReportStatus.CONFIRMED)


def test_erasing_the_mediator_empties_their_notes(booking):
    reported(booking, debrief_note=NOTE)
    coordinator = coordinator_of(booking.pool)

    person_erase(actor=coordinator.user, user=booking.mediator.user, now=AFTER)

    report = Report.objects.get()
    assert report.debrief_note == ""
    assert report.actual_minutes == 60
