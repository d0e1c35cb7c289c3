"""The mediators' pages on the phone after an appointment: a past appointment waiting for a
report comes first, marked "report due"; the report form takes a note for the coordinators
and a "please call me"; the statement shows sent reports as pending confirmation with their
breakdown, apart from the confirmed total. The coordinators see the note and the call-back
on the booking's page and in the work list; the institution never does."""

import datetime
import io
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from pypdf import PdfReader

from bookings.constants import AllowanceKind, Mode, ReportStatus, Status
from bookings.models import Allowance, Report
from tests.bookings.factories import BookingFactory
from tests.clock import frozen
from tests.institutions.factories import CompensationRuleFactory

from .conftest import BERLIN

NOW = datetime.datetime(2027, 3, 17, 12, 0, tzinfo=BERLIN)
NOTE = "Schweres Gespräch über eine Inobhutnahme."

pytestmark = [pytest.mark.django_db, frozen(NOW)]


def usual_rule(pool):
    """15 € per started half hour, 0.30 € per km, travel time paid up to an hour."""
    return CompensationRuleFactory(
        pool=pool,
        valid_from=datetime.date(2027, 1, 1),
        hourly_rate_cents=3000,
        rounding_minutes=30,
        km_rate_cents=30,
        travel_time_paid=True,
        travel_time_cap_minutes=60,
    )


def appointment(mediator, *, days: float, status=Status.CONFIRMED, **extra):
    return BookingFactory(
        institution__pool=mediator.pool,
        institution__name="Kita Sonnenschein",
        status=status,
        mediator=mediator,
        mode=Mode.ON_SITE,
        starts_at=NOW + datetime.timedelta(days=days),
        duration_minutes=60,
        **extra,
    )


def cards_of(html: str, section_id: str) -> str:
    start = html.index(f'id="{section_id}"')
    return html[start : html.index("</section>", start)]


def test_a_past_appointment_without_a_report_comes_first_marked_report_due(page_for, mediator):
    # Given an appointment two days ago not yet reported, one ahead, and one reported
    due = appointment(mediator, days=-2)
    ahead = appointment(mediator, days=3)
    reported = appointment(mediator, days=-5, status=Status.COMPLETED)

    html = page_for(mediator.user).get(reverse("web:mediator-assignments")).content.decode()

    due_section = cards_of(html, "report-due")
    assert html.index('id="report-due"') < html.index("Upcoming")
    assert "report due" in due_section
    assert f"{reverse('web:mediator-booking', args=[due.pk])}#report" in due_section
    assert str(reverse("web:mediator-booking", args=[ahead.pk])) not in due_section
    assert str(reverse("web:mediator-booking", args=[reported.pk])) not in due_section
    # the due appointment is not listed again among the past ones
    assert html.count(reverse("web:mediator-booking", args=[due.pk])) == 2  # title and button


def test_without_anything_due_there_is_no_report_due_section(page_for, mediator):
    appointment(mediator, days=3)
    appointment(mediator, days=-5, status=Status.CLOSED)

    html = page_for(mediator.user).get(reverse("web:mediator-assignments")).content.decode()

    assert 'id="report-due"' not in html
    assert "report due" not in html


def test_the_report_form_sends_the_note_and_the_call_back(page_for, mediator):
    booking = appointment(mediator, days=-1)
    page = page_for(mediator.user)
    form = page.get(reverse("web:mediator-booking", args=[booking.pk])).content.decode()
    assert 'name="debrief_note"' in form and 'name="call_back"' in form

    response = page.post(
        reverse("web:mediator-report", args=[booking.pk]),
        {
            "actual_minutes": 75,
            "travel_km": "12.5",
            "travel_minutes": 30,
            "debrief_note": NOTE,
            "call_back": "on",
        },
    )

    assert response.status_code == 302
    report = Report.objects.get(booking=booking)
    assert (report.debrief_note, report.call_back) == (NOTE, True)
    after = page.get(reverse("web:mediator-booking", args=[booking.pk])).content.decode()
    assert NOTE in after
    assert "You asked to be called back" in after


def test_a_note_too_long_is_explained_and_nothing_is_reported(page_for, mediator):
    booking = appointment(mediator, days=-1)

    response = page_for(mediator.user).post(
        reverse("web:mediator-report", args=[booking.pk]),
        {"actual_minutes": 60, "travel_km": "0", "travel_minutes": 0, "debrief_note": "x" * 2001},
    )

    assert response.status_code == 400
    assert "Please check your entries" in response.content.decode()
    assert not Report.objects.filter(booking=booking).exists()


def test_the_statement_shows_sent_reports_as_pending_apart_from_the_total(page_for, mediator):
    usual_rule(mediator.pool)
    confirmed = appointment(mediator, days=-10, status=Status.CLOSED)
    Allowance.objects.create(
        mediator=mediator,
        booking=confirmed,
        kind=AllowanceKind.APPOINTMENT,
        day=confirmed.starts_at.astimezone(BERLIN).date(),
        amount_cents=3000,
    )
    pending = appointment(mediator, days=-2, status=Status.COMPLETED)
    Report.objects.create(
        booking=pending, actual_minutes=60, travel_minutes=20, travel_km=Decimal("10.0")
    )
    by_ticket = appointment(mediator, days=-1, status=Status.COMPLETED)
    Report.objects.create(
        booking=by_ticket,
        actual_minutes=30,
        travel_km=Decimal("0"),
        ticket_cents=580,
        status=ReportStatus.DISPUTED,
    )
    page = page_for(mediator.user, "de")

    html = page.get(reverse("web:mediator-statement"), {"month": "2027-03"}).content.decode()

    total = re.search(r"<tfoot>.*?</tfoot>", html, re.S).group(0)
    assert "30,00\xa0€" in total  # the confirmed one only
    section = cards_of(html, "pending")
    # 60 + 20 minutes: three started half hours = 45 €; 10 km at 0.30 € = 3 €
    assert "45,00\xa0€" in section and "3,00\xa0€" in section and "48,00\xa0€" in section
    assert "10,0 km" in section
    # 30 minutes = 15 €, the ticket 5.80 €
    assert "5,80\xa0€" in section and "20,80\xa0€" in section
    assert "68,80\xa0€" in section  # pending in all
    assert section.count("pending-report") == 2


def test_the_statement_pdf_lists_the_pending_reports(page_for, mediator):
    usual_rule(mediator.pool)
    pending = appointment(mediator, days=-2, status=Status.COMPLETED)
    Report.objects.create(booking=pending, actual_minutes=60, travel_km=Decimal("10.0"))

    response = page_for(mediator.user, "de").get(
        reverse("web:mediator-statement"), {"month": "2027-03", "format": "pdf"}
    )

    text = " ".join(PdfReader(io.BytesIO(response.content)).pages[0].extract_text().split())
    assert "Noch nicht bestätigt" in text and "Offen insgesamt" in text
    assert "33,00 €" in text.replace("\xa0", " ")  # 30 € time + 3 € for 10 km


def test_the_coordinator_sees_the_note_and_marks_the_call_back_done(
    page_for, mediator, coordinator
):
    booking = appointment(mediator, days=-1, status=Status.COMPLETED)
    Report.objects.create(
        booking=booking,
        actual_minutes=60,
        travel_km=Decimal("0"),
        debrief_note=NOTE,
        call_back=True,
    )
    page = page_for(coordinator.user)

    work = page.get(reverse("web:coordinator-worklist")).content.decode()
    detail = page.get(reverse("web:coordinator-booking", args=[booking.pk])).content.decode()

    calls = cards_of(work, "h-call-backs")
    assert f"Call {mediator} back" in calls and NOTE in calls
    assert NOTE in detail and "asks to be called back" in detail

    response = page.post(
        reverse("web:coordinator-called-back", args=[booking.pk]), {"next": "worklist"}
    )

    assert response["Location"] == reverse("web:coordinator-worklist")
    assert Report.objects.get(booking=booking).call_back_done_at == NOW
    work = page.get(reverse("web:coordinator-worklist")).content.decode()
    assert f"Call {mediator} back" not in work


def test_the_institution_does_not_see_the_note_on_its_page(page_for, mediator, staff):
    booking = appointment(mediator, days=-1, status=Status.COMPLETED)
    booking.institution = staff.institution
    booking.save(update_fields=["institution"])
    Report.objects.create(
        booking=booking,
        actual_minutes=60,
        travel_km=Decimal("0"),
        debrief_note=NOTE,
        call_back=True,
    )

    response = page_for(staff.user).get(reverse("web:institution-booking", args=[booking.pk]))

    assert response.status_code == 200
    assert NOTE not in response.content.decode()
    assert "called back" not in response.content.decode()
