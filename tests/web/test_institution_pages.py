"""Institution staff: request, list, booking page with timeline, cancel, report review, feed."""

import datetime
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from bookings.constants import Status
from bookings.models import AccessLog, Booking, BookingEvent, Feedback, Report
from tests.bookings.factories import BookingFactory
from tests.institutions.factories import CompensationRuleFactory, LocationFactory, StaffFactory
from tests.mediators.factories import DialectFactory, LanguageFactory, MediatorFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def location(staff):
    return LocationFactory(institution=staff.institution)


@pytest.fixture
def arabic():
    return LanguageFactory(code="ara", name_de="Arabisch", name_en="Arabic")


def request_data(language, location, **overrides):
    day = (timezone.now() + datetime.timedelta(days=21)).date()
    data = {
        "language": language.pk,
        "date": day.isoformat(),
        "time": "09:30",
        "duration_minutes": "60",
        "mode": "on_site",
        "location": location.pk,
        "field": "school",
        "kind": "conversation",
        "case_reference": "FALL-7",
    }
    data.update(overrides)
    return data


def test_a_request_is_made_through_the_service_in_local_time(page_for, staff, location, arabic):
    page = page_for(staff.user)

    response = page.post(reverse("web:institution-request"), request_data(arabic, location))

    booking = Booking.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("web:institution-booking", args=[booking.pk])
    assert booking.starts_at.astimezone(datetime.UTC).hour in (7, 8)  # 09:30 Berlin
    assert f"{booking.starts_at.astimezone(timezone.get_default_timezone()):%H:%M}" == "09:30"
    assert booking.requested_by == staff.user
    assert BookingEvent.objects.filter(booking=booking).exists()


def test_the_pools_intake_rule_is_explained_next_to_the_date(page_for, staff, location, arabic):
    staff.institution.pool.min_notice_working_days = 5
    staff.institution.pool.save()
    tomorrow = (timezone.now() + datetime.timedelta(days=1)).date().isoformat()

    response = page_for(staff.user).post(
        reverse("web:institution-request"), request_data(arabic, location, date=tomorrow)
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert re.search(
        r'id="id_date"[^>]*aria-invalid="true"|aria-invalid="true"[^>]*id="id_date"', html
    )
    assert 'id="id_date_error"' in html
    assert "working days" in html
    assert not Booking.objects.exists()


def test_a_dialect_of_another_language_is_refused_next_to_the_dialect(
    page_for, staff, location, arabic
):
    farsi = LanguageFactory(code="fas", name_de="Persisch", name_en="Persian")
    dari = DialectFactory(language=farsi, code="dari", name_de="Dari", name_en="Dari")

    response = page_for(staff.user).post(
        reverse("web:institution-request"), request_data(arabic, location, dialect=dari.pk)
    )

    assert 'id="id_dialect_error"' in response.content.decode()
    assert not Booking.objects.exists()


def test_the_list_shows_only_the_own_institutions_bookings_and_filters_by_status(page_for, staff):
    own = BookingFactory(institution=staff.institution, status=Status.REQUESTED)
    own_cancelled = BookingFactory(institution=staff.institution, status=Status.CANCELLED)
    foreign = BookingFactory()
    page = page_for(staff.user)

    html = page.get(reverse("web:institution-bookings")).content.decode()
    filtered = page.get(reverse("web:institution-bookings"), {"status": "cancelled"})

    assert reverse("web:institution-booking", args=[own.pk]) in html
    assert reverse("web:institution-booking", args=[foreign.pk]) not in html
    filtered_html = filtered.content.decode()
    assert reverse("web:institution-booking", args=[own_cancelled.pk]) in filtered_html
    assert reverse("web:institution-booking", args=[own.pk]) not in filtered_html


def test_another_institutions_booking_answers_404(page_for, staff):
    foreign = BookingFactory()

    response = page_for(staff.user).get(reverse("web:institution-booking", args=[foreign.pk]))

    assert response.status_code == 404


def test_the_booking_page_shows_the_timeline(page_for, staff, location, arabic):
    page = page_for(staff.user)
    page.post(reverse("web:institution-request"), request_data(arabic, location))
    booking = Booking.objects.get()

    html = page.get(reverse("web:institution-booking", args=[booking.pk])).content.decode()

    assert 'class="timeline"' in html
    assert "FALL-7" in html


def test_cancelling_needs_a_reason_and_then_cancels(page_for, staff):
    booking = BookingFactory(institution=staff.institution, status=Status.REQUESTED)
    page = page_for(staff.user)
    url = reverse("web:institution-cancel", args=[booking.pk])

    refused = page.post(url, {"reason": "  "})
    booking.refresh_from_db()
    assert refused.status_code == 400
    assert 'id="id_reason_error"' in refused.content.decode()
    assert booking.status == Status.REQUESTED

    page.post(url, {"reason": "Die Familie ist umgezogen."})
    booking.refresh_from_db()
    assert booking.status == Status.CANCELLED
    assert booking.cancellation_reason == "Die Familie ist umgezogen."


def test_a_change_made_on_the_pages_is_logged_like_one_through_the_api(page_for, staff):
    booking = BookingFactory(institution=staff.institution, status=Status.REQUESTED)
    page = page_for(staff.user)
    url = reverse("web:institution-cancel", args=[booking.pk])

    page.post(url, {"reason": "  "})
    assert not AccessLog.objects.filter(booking=booking, action="change").exists()

    page.post(url, {"reason": "Die Familie ist umgezogen."})
    again = page.post(url, {"reason": "Noch einmal"})

    assert again.status_code == 409
    entry = AccessLog.objects.get(booking=booking, action="change")
    assert entry.user == staff.user


def completed_with_report(staff):
    CompensationRuleFactory(pool=staff.institution.pool, valid_from=datetime.date(2020, 1, 1))
    mediator = MediatorFactory(pool=staff.institution.pool)
    booking = BookingFactory(
        institution=staff.institution,
        status=Status.COMPLETED,
        mediator=mediator,
        starts_at=timezone.now() - datetime.timedelta(days=2),
    )
    Report.objects.create(booking=booking, actual_minutes=75, travel_km=Decimal("4.0"))
    return booking


def test_confirming_the_report_closes_the_booking_with_feedback_for_coordinators(page_for, staff):
    booking = completed_with_report(staff)

    page_for(staff.user).post(
        reverse("web:institution-review-report", args=[booking.pk]),
        {"decision": "confirm", "rating": "5", "comment": "Sehr hilfreich"},
    )

    booking.refresh_from_db()
    assert booking.status == Status.CLOSED
    assert Feedback.objects.get(booking=booking).rating == 5


def test_disputing_the_report_keeps_the_booking_open_for_the_coordinators(page_for, staff):
    booking = completed_with_report(staff)

    page_for(staff.user).post(
        reverse("web:institution-review-report", args=[booking.pk]),
        {"decision": "dispute", "reason": "Der Termin dauerte nur 30 Minuten."},
    )

    booking.refresh_from_db()
    assert booking.status == Status.COMPLETED
    assert booking.report.status == "disputed"
    assert not Feedback.objects.exists()


def test_the_calendar_feed_link_can_be_renewed(page_for, staff):
    page = page_for(staff.user)

    first = re.search(
        r'value="([^"]+\.ics)"', page.get(reverse("web:institution-feed")).content.decode()
    ).group(1)
    second = re.search(
        r'value="([^"]+\.ics)"', page.post(reverse("web:institution-feed")).content.decode()
    ).group(1)

    assert first != second
    assert page.get(first.split("//", 1)[1].split("/", 1)[1].join(["/", ""])).status_code == 404


def test_other_roles_may_not_open_institution_pages(page_for, mediator, coordinator):
    for user in (mediator.user, coordinator.user):
        assert page_for(user).get(reverse("web:institution-request")).status_code == 403


def test_staff_of_another_institution_cannot_cancel(page_for, staff):
    booking = BookingFactory(institution=staff.institution)
    other = StaffFactory()

    response = page_for(other.user).post(
        reverse("web:institution-cancel", args=[booking.pk]), {"reason": "x"}
    )

    booking.refresh_from_db()
    assert response.status_code == 404
    assert booking.status == Status.REQUESTED
