"""Mediators: offers, assignments, report, availability, absences, profile, statement."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from bookings.constants import AllowanceKind, OfferStatus, Status
from bookings.models import Allowance
from mediators.models import Absence, AvailabilitySlot
from tests.bookings.factories import BookingFactory, OfferFactory
from tests.institutions.factories import CompensationRuleFactory
from tests.mediators.factories import (
    AvailabilitySlotFactory,
    LanguageFactory,
    MediatorFactory,
    MediatorLanguageFactory,
)

from .conftest import BERLIN

pytestmark = pytest.mark.django_db


def in_two_weeks_at_ten():
    day = (timezone.now() + datetime.timedelta(days=14)).date()
    return datetime.datetime.combine(day, datetime.time(10, 0), tzinfo=BERLIN)


def make_eligible(mediator, booking):
    """The mediator speaks the language and is available all week during the day."""
    MediatorLanguageFactory(mediator=mediator, language=booking.language)
    for weekday in range(7):
        AvailabilitySlotFactory(mediator=mediator, weekday=weekday)


def offered_booking(pool):
    return BookingFactory(
        institution__pool=pool, status=Status.OFFERED, starts_at=in_two_weeks_at_ten()
    )


@pytest.fixture
def offer(mediator):
    booking = offered_booking(mediator.pool)
    make_eligible(mediator, booking)
    return OfferFactory(booking=booking, mediator=mediator)


def test_open_offers_are_listed_and_accepting_confirms_the_booking(page_for, mediator, offer):
    page = page_for(mediator.user)
    assert (
        reverse("web:mediator-offer-answer", args=[offer.pk, "accept"])
        in page.get(reverse("web:mediator-offers")).content.decode()
    )

    response = page.post(reverse("web:mediator-offer-answer", args=[offer.pk, "accept"]))

    offer.refresh_from_db()
    offer.booking.refresh_from_db()
    assert response["Location"] == reverse("web:mediator-booking", args=[offer.booking_id])
    assert offer.status == OfferStatus.ACCEPTED
    assert offer.booking.status == Status.CONFIRMED
    assert offer.booking.mediator == mediator


def test_an_offer_taken_by_someone_else_is_explained_and_changes_nothing(page_for, mediator):
    booking = offered_booking(mediator.pool)
    mine = OfferFactory(booking=booking, mediator=mediator)
    rival = OfferFactory(booking=booking, mediator=MediatorFactory(pool=mediator.pool))
    make_eligible(mediator, booking)
    make_eligible(rival.mediator, booking)
    page_for(rival.mediator.user).post(
        reverse("web:mediator-offer-answer", args=[rival.pk, "accept"])
    )

    response = page_for(mediator.user).post(
        reverse("web:mediator-offer-answer", args=[mine.pk, "accept"]), follow=True
    )

    booking.refresh_from_db()
    assert booking.mediator == rival.mediator
    assert 'class="message message--error"' in response.content.decode()


def test_declining_an_offer(page_for, mediator, offer):
    page_for(mediator.user).post(reverse("web:mediator-offer-answer", args=[offer.pk, "decline"]))

    offer.refresh_from_db()
    assert offer.status == OfferStatus.DECLINED


def test_another_mediators_offer_answers_404(page_for, offer):
    other = MediatorFactory(pool=offer.mediator.pool)

    response = page_for(other.user).post(
        reverse("web:mediator-offer-answer", args=[offer.pk, "accept"])
    )

    offer.refresh_from_db()
    assert response.status_code == 404
    assert offer.status == OfferStatus.PENDING


def test_after_the_appointment_the_mediator_reports_from_the_page(page_for, mediator):
    CompensationRuleFactory(pool=mediator.pool, valid_from=datetime.date(2020, 1, 1))
    booking = BookingFactory(
        institution__pool=mediator.pool,
        status=Status.CONFIRMED,
        mediator=mediator,
        starts_at=timezone.now() - datetime.timedelta(hours=3),
    )
    page = page_for(mediator.user)
    assert (
        'name="actual_minutes"'
        in page.get(reverse("web:mediator-booking", args=[booking.pk])).content.decode()
    )

    page.post(
        reverse("web:mediator-report", args=[booking.pk]),
        {"actual_minutes": "70", "travel_km": "12.5", "travel_minutes": "30"},
    )

    booking.refresh_from_db()
    assert booking.status == Status.COMPLETED
    assert (booking.report.actual_minutes, booking.report.travel_km) == (70, Decimal("12.5"))


def test_weekly_times_are_added_overlaps_explained_and_removed(page_for, mediator):
    page = page_for(mediator.user)
    url = reverse("web:mediator-availability")

    page.post(url, {"weekday": "0", "start_time": "09:00", "end_time": "12:00"})
    overlap = page.post(url, {"weekday": "0", "start_time": "11:00", "end_time": "13:00"})

    slot = AvailabilitySlot.objects.get(mediator=mediator)
    assert 'aria-invalid="true"' in overlap.content.decode()
    page.post(reverse("web:mediator-availability-delete", args=[slot.pk]))
    assert not AvailabilitySlot.objects.filter(mediator=mediator).exists()


def test_nobody_removes_another_mediators_times(page_for, mediator):
    slot = AvailabilitySlotFactory()

    response = page_for(mediator.user).post(
        reverse("web:mediator-availability-delete", args=[slot.pk])
    )

    assert response.status_code == 404
    assert AvailabilitySlot.objects.filter(pk=slot.pk).exists()


def test_absences_are_added_and_an_impossible_one_is_explained(page_for, mediator):
    page = page_for(mediator.user)
    url = reverse("web:mediator-absences")
    today = timezone.now().date()

    wrong = page.post(url, {"starts_on": today + datetime.timedelta(days=5), "ends_on": today})
    page.post(
        url, {"starts_on": today, "ends_on": today + datetime.timedelta(days=5), "note": "Urlaub"}
    )

    assert 'id="id_ends_on_error"' in wrong.content.decode()
    assert Absence.objects.get(mediator=mediator).note == "Urlaub"


def test_the_profile_keeps_languages_travel_range_and_message_language(page_for, mediator):
    turkish = LanguageFactory(code="tur", name_de="Türkisch", name_en="Turkish")
    data = {
        "phone": "0176 1234567",
        "home_postal_code": mediator.home_postal_code,
        "max_travel_km": "35",
        "max_hours_per_week": "8",
        "max_hours_per_month": "20",
        "language": "tr",
        "active": "on",
        "languages-TOTAL_FORMS": "1",
        "languages-INITIAL_FORMS": "0",
        "languages-MIN_NUM_FORMS": "0",
        "languages-MAX_NUM_FORMS": "12",
        "languages-0-language": turkish.pk,
        "languages-0-level": "4",
    }

    response = page_for(mediator.user).post(reverse("web:mediator-profile"), data)

    mediator.refresh_from_db()
    assert response.status_code == 302
    assert (mediator.max_travel_km, mediator.language) == (35, "tr")
    assert [(row.language.code, row.level) for row in mediator.languages.all()] == [("tur", 4)]
    assert response.cookies["django_language"].value == "tr"


def test_mediator_pages_come_in_arabic_from_right_to_left(page_for, mediator):
    html = (
        page_for(mediator.user, language="ar").get(reverse("web:mediator-offers")).content.decode()
    )

    assert '<html lang="ar" dir="rtl">' in html


def test_an_arabic_reader_sees_the_offered_language_named_in_arabic(page_for, mediator, offer):
    assert offer.booking.language.code == "ara"

    arabic = page_for(mediator.user, language="ar").get(reverse("web:mediator-offers"))
    english = page_for(mediator.user, language="en").get(reverse("web:mediator-offers"))
    german = page_for(mediator.user, language="de").get(reverse("web:mediator-offers"))

    assert "· العربية</h2>" in arabic.content.decode()
    assert "Arabic" not in arabic.content.decode()
    assert "· Arabic</h2>" in english.content.decode()
    assert "· Arabisch</h2>" in german.content.decode()


def test_the_profile_offers_the_languages_in_the_readers_language(page_for, mediator):
    farsi = page_for(mediator.user, language="fa").get(reverse("web:mediator-profile"))
    ukrainian = page_for(mediator.user, language="uk").get(reverse("web:mediator-profile"))

    assert ">دری (prs)</option>" in farsi.content.decode()
    assert ">українська (ukr)</option>" in ukrainian.content.decode()
    assert ">Assyrian Neo-Aramaic (aii)</option>" in ukrainian.content.decode()


def test_the_monthly_statement_downloads_as_csv_and_pdf(page_for, mediator):
    booking = BookingFactory(
        institution__pool=mediator.pool,
        status=Status.CLOSED,
        mediator=mediator,
        starts_at=timezone.now() - datetime.timedelta(days=40),
    )
    day = booking.starts_at.astimezone(BERLIN).date()
    Allowance.objects.create(
        mediator=mediator,
        booking=booking,
        kind=AllowanceKind.APPOINTMENT,
        day=day,
        amount_cents=2250,
    )
    page = page_for(mediator.user)
    url = reverse("web:mediator-statement")
    month = f"{day:%Y-%m}"

    html = page.get(url, {"month": month}).content.decode()
    csv_file = page.get(url, {"month": month, "format": "csv"})
    pdf_file = page.get(url, {"month": month, "format": "pdf"})

    assert "22.50" in html
    assert csv_file["Content-Type"].startswith("text/csv")
    assert day.isoformat() in csv_file.content.decode() and "22.50" in csv_file.content.decode()
    assert pdf_file["Content-Type"] == "application/pdf"
    assert pdf_file.content.startswith(b"%PDF")
    assert f"statement_{month}" in pdf_file["Content-Disposition"]


def test_other_roles_may_not_open_mediator_pages(page_for, staff, coordinator):
    for user in (staff.user, coordinator.user):
        assert page_for(user).get(reverse("web:mediator-offers")).status_code == 403


def test_an_absence_over_a_confirmed_appointment_offers_to_give_it_back(page_for, mediator):
    booking = BookingFactory(
        institution__pool=mediator.pool,
        status=Status.CONFIRMED,
        mediator=mediator,
        starts_at=in_two_weeks_at_ten(),
    )
    page = page_for(mediator.user)
    url = reverse("web:mediator-absences")
    day = booking.starts_at.date()
    dates = {"starts_on": day, "ends_on": day}

    refused = page.post(url, dates)
    added = page.post(url, {**dates, "give_back": [booking.pk]})

    assert refused.status_code == 200
    assert f'name="give_back" value="{booking.pk}"' in refused.content.decode()
    assert booking.institution.name in refused.content.decode()
    assert added.status_code == 302
    assert Absence.objects.filter(mediator=mediator, starts_on=day).exists()
    booking.refresh_from_db()
    assert booking.mediator is None
