"""No date makes a 500 on the pages either: a day outside 2000-01-01 .. 2100-12-31 is
explained next to its field, and a request for a wall time Berlin skips (spring) or passes
twice (autumn) gets the API's words next to the time. Nothing is stored."""

import datetime
import re

import pytest
from django.test import Client
from django.urls import reverse

from bookings.models import Booking
from bookings.planner.models import PlanRun
from mediators.models import Absence
from tests.bookings.factories import BookingFactory
from tests.clock import last_sunday, next_year
from tests.institutions.factories import LocationFactory
from tests.mediators.factories import LanguageFactory, MediatorFactory

pytestmark = pytest.mark.django_db

# The daylight-saving changes of next year: always ahead of the clock.
SPRING = last_sunday(next_year(), 3)  # 02:00 → 03:00: 02:30 does not exist
AUTUMN = last_sunday(next_year(), 10)  # 03:00 → 02:00: 02:30 happens twice

OUT_OF_RANGE = "Give a date between the years 2000 and 2100."
OUT_OF_RANGE_DE = "Geben Sie ein Datum zwischen den Jahren 2000 und 2100 an."
SPRING_GAP = (
    "This local time does not exist in Europe/Berlin (the clocks jump forward at the change "
    "to summer time). Choose another time."
)


def page(user, language="en") -> Client:
    """A signed-in client that answers a server error with a 500 page (as in production)."""
    client = Client(HTTP_ACCEPT_LANGUAGE=language, raise_request_exception=False)
    client.force_login(user)
    return client


def error_of(html: str, field: str) -> str:
    """The text of the error shown next to a field (Django's error list)."""
    match = re.search(rf'id="id_{field}_error"[^>]*>(.*?)</ul>', html, re.S)
    assert match, f"no error next to {field}"
    return " ".join(re.sub(r"<[^>]+>", " ", match.group(1)).split())


@pytest.fixture
def request_form(staff):
    location = LocationFactory(institution=staff.institution)
    arabic = LanguageFactory(code="ara")

    def post(day: str, time: str, language="en"):
        return page(staff.user, language).post(
            reverse("web:institution-request"),
            {
                "language": arabic.pk,
                "date": day,
                "time": time,
                "duration_minutes": "60",
                "mode": "on_site",
                "location": location.pk,
                "field": "school",
                "kind": "conversation",
            },
        )

    return post


def test_a_request_on_31_12_9999_at_23_30_is_explained_next_to_the_date(request_form):
    response = request_form("31.12.9999", "23:30", language="de")

    assert response.status_code == 200
    assert error_of(response.content.decode(), "date") == OUT_OF_RANGE_DE
    assert not Booking.objects.exists()


def test_the_date_picker_offers_only_days_of_the_range(request_form, staff):
    html = page(staff.user).get(reverse("web:institution-request")).content.decode()

    field = re.search(r'<input[^>]*id="id_date"[^>]*>', html).group(0)
    assert 'min="2000-01-01"' in field
    assert 'max="2100-12-31"' in field


def test_a_request_at_02_30_on_a_spring_forward_day_gets_the_apis_message(request_form):
    response = request_form(SPRING.isoformat(), "02:30")

    assert response.status_code == 200
    assert error_of(response.content.decode(), "time") == SPRING_GAP
    assert not Booking.objects.exists()


def test_a_request_at_02_30_on_an_autumn_day_is_refused_as_ambiguous(request_form):
    response = request_form(AUTUMN.isoformat(), "02:30")

    assert response.status_code == 200
    assert "occurs twice in Europe/Berlin" in error_of(response.content.decode(), "time")
    assert not Booking.objects.exists()


def test_the_hours_around_the_change_are_requested_as_given(request_form):
    spring = request_form(SPRING.isoformat(), "03:00")
    autumn = request_form(AUTUMN.isoformat(), "03:00")

    assert (spring.status_code, autumn.status_code) == (302, 302)
    assert sorted(Booking.objects.values_list("starts_at", flat=True)) == [
        datetime.datetime.combine(SPRING, datetime.time(1), tzinfo=datetime.UTC),
        datetime.datetime.combine(AUTUMN, datetime.time(2), tzinfo=datetime.UTC),
    ]


@pytest.mark.parametrize(
    "query",
    [
        {"starts_before": "9999-12-31"},
        {"starts_after": "0001-01-01"},
        {"starts_after": "9999-12-31", "starts_before": "9999-12-31"},
    ],
)
@pytest.mark.parametrize("who", ["staff", "coordinator"])
def test_the_booking_lists_explain_a_day_outside_the_range(request, who, query):
    user = request.getfixturevalue(who).user
    url = reverse(
        {"staff": "web:institution-bookings", "coordinator": "web:coordinator-bookings"}[who]
    )

    response = page(user).get(url, query)

    assert response.status_code == 200
    html = response.content.decode()
    for name in query:
        assert error_of(html, name) == OUT_OF_RANGE


@pytest.mark.parametrize(
    "query", [{"from": "9999-12-01", "to": "9999-12-31"}, {"from": "0001-01-01"}]
)
def test_the_statistics_page_explains_a_day_outside_the_range(coordinator, query):
    response = page(coordinator.user).get(reverse("web:stats-dashboard"), query)

    assert response.status_code == 200
    assert OUT_OF_RANGE in response.content.decode()


@pytest.mark.parametrize(
    "data",
    [
        {"starts_on": "9999-12-30", "ends_on": "9999-12-31"},
        {"starts_on": "0001-01-01", "ends_on": "0001-01-02"},
    ],
)
def test_the_planner_page_explains_a_day_outside_the_range(coordinator, data):
    response = page(coordinator.user).post(reverse("web:coordinator-planner"), data)

    assert response.status_code == 200
    assert error_of(response.content.decode(), "ends_on") == OUT_OF_RANGE
    assert not PlanRun.objects.exists()


def test_an_absence_until_9999_is_explained(mediator):
    response = page(mediator.user).post(
        reverse("web:mediator-absences"), {"starts_on": "2027-01-01", "ends_on": "9999-12-31"}
    )

    assert response.status_code == 200
    assert error_of(response.content.decode(), "ends_on") == OUT_OF_RANGE
    assert not Absence.objects.exists()


def test_a_vetting_date_in_year_1_is_explained(coordinator):
    mediator = MediatorFactory(pool=coordinator.pool)

    response = page(coordinator.user).post(
        reverse("web:coordinator-mediator", args=[mediator.pk]),
        {"police_certificate_inspected_on": "0001-01-01", "active": "on"},
    )

    assert response.status_code == 200
    assert error_of(response.content.decode(), "police_certificate_inspected_on") == OUT_OF_RANGE
    mediator.refresh_from_db()
    assert mediator.police_certificate_inspected_on != datetime.date(1, 1, 1)


@pytest.mark.parametrize("month", ["9999-12", "0000-01", "1999-12"])
@pytest.mark.parametrize("file_format", ["", "csv", "pdf"])
def test_a_statement_of_a_month_outside_the_range_shows_this_month(mediator, month, file_format):
    response = page(mediator.user).get(
        reverse("web:mediator-statement"), {"month": month, "format": file_format}
    )

    assert response.status_code == 200


def test_the_booking_list_takes_the_whole_range(staff):
    booking = BookingFactory(institution=staff.institution)

    response = page(staff.user).get(
        reverse("web:institution-bookings"),
        {"starts_after": "2000-01-01", "starts_before": "2100-12-31"},
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert "_error" not in html
    assert reverse("web:institution-booking", args=[booking.pk]) in html
