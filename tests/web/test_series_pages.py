"""The series on the pages: the request form's "repeat" part, the dates shown before
sending (some left out), the dates on each booking page, and cancelling from a date on
behind a confirmation page that says how many appointments and mediators it concerns."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from bookings.constants import Status
from bookings.models import Booking, BookingSeries
from bookings.state_machine import transition
from core.constants import ActorRole
from tests.institutions.factories import LocationFactory
from tests.mediators.factories import LanguageFactory, MediatorFactory

from .test_institution_pages import request_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def location(staff):
    return LocationFactory(institution=staff.institution)


@pytest.fixture
def arabic():
    return LanguageFactory(code="ara", name_de="Arabisch", name_en="Arabic")


def series_data(language, location, **extra):
    return {**request_data(language, location), "series-repeat": "on",
            "series-interval_weeks": "1", "series-count": "4", **extra}  # fmt: skip


def test_a_series_shows_its_dates_first_and_books_nothing_yet(page_for, staff, location, arabic):
    response = page_for(staff.user).post(
        reverse("web:institution-request"), series_data(arabic, location)
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert html.count('name="series-keep"') == 4
    assert 'name="series-count" value="4"' in html  # the form's values carried along
    assert Booking.objects.count() == 0


def test_sending_the_dates_kept_books_them_as_one_series(page_for, staff, location, arabic):
    data = series_data(arabic, location)
    first = datetime.date.fromisoformat(data["date"])
    kept = [first + datetime.timedelta(weeks=w) for w in (0, 2, 3)]

    response = page_for(staff.user).post(
        reverse("web:institution-request"),
        {**data, "series-keep": [d.isoformat() for d in kept], "series-send": "1"},
    )

    series = BookingSeries.objects.get()
    dates = list(series.bookings.order_by("starts_at"))
    assert response.status_code == 302
    assert response["Location"] == reverse("web:institution-booking", args=[dates[0].pk])
    assert [timezone.localtime(b.starts_at).date() for b in dates] == kept
    page = page_for(staff.user).get(response["Location"]).content.decode()
    assert page.count('class="status status--') >= 4  # the booking's own and three dates
    assert reverse("web:institution-booking", args=[dates[2].pk]) in page


def test_a_series_without_an_end_is_refused_next_to_the_field_and_nothing_is_booked(
    page_for, staff, location, arabic
):
    response = page_for(staff.user).post(
        reverse("web:institution-request"), series_data(arabic, location, **{"series-count": ""})
    )

    assert response.status_code == 400
    assert "Give the last day or the number of dates." in response.content.decode()
    assert Booking.objects.count() == 0


def test_a_series_past_the_limit_says_so_and_books_nothing(page_for, staff, location, arabic):
    far = (timezone.localdate() + datetime.timedelta(days=500)).isoformat()
    response = page_for(staff.user).post(
        reverse("web:institution-request"),
        series_data(arabic, location, **{"series-count": "", "series-until": far}),
    )

    assert response.status_code == 400
    assert "at most 12 months ahead" in response.content.decode()
    assert Booking.objects.count() == 0


def test_cancelling_from_a_date_says_how_many_and_cancels_those(page_for, staff, location, arabic):
    data = series_data(arabic, location)
    client = page_for(staff.user)
    client.post(reverse("web:institution-request"), {**data, "series-send": "1", "series-keep": [
        (datetime.date.fromisoformat(data["date"]) + datetime.timedelta(weeks=w)).isoformat()
        for w in range(4)]})  # fmt: skip
    series = BookingSeries.objects.get()
    first, second, third, fourth = series.bookings.order_by("starts_at")
    transition(third, to=Status.CONFIRMED, actor_role=ActorRole.SYSTEM,
               changes={"mediator": MediatorFactory(pool=staff.institution.pool)})  # fmt: skip
    url = reverse("web:institution-series-cancel", args=[series.pk]) + f"?from={second.pk}"

    shown = client.get(url)

    assert shown.status_code == 200
    text = shown.content.decode()
    assert "3 appointments from" in text and "1 mediator will be told." in text
    assert Booking.objects.filter(status=Status.CANCELLED).count() == 0

    refused = client.post(url, {"day": timezone.localtime(second.starts_at).date(), "reason": ""})
    assert refused.status_code == 400
    assert Booking.objects.filter(status=Status.CANCELLED).count() == 0

    done = client.post(url, {"day": timezone.localtime(second.starts_at).date(),
                             "reason": "Der Schüler ist umgezogen"})  # fmt: skip
    assert done.status_code == 302
    statuses = dict(Booking.objects.values_list("pk", "status"))
    assert statuses[first.pk] != Status.CANCELLED
    assert {statuses[b.pk] for b in (second, third, fourth)} == {Status.CANCELLED}


def test_another_institution_cannot_reach_the_series(page_for, staff, location, arabic):
    from tests.institutions.factories import StaffFactory

    data = series_data(arabic, location)
    page_for(staff.user).post(reverse("web:institution-request"), {**data, "series-send": "1",
        "series-keep": [data["date"], (datetime.date.fromisoformat(data["date"])
                                       + datetime.timedelta(weeks=1)).isoformat()]})  # fmt: skip
    series = BookingSeries.objects.get()
    first = series.bookings.order_by("starts_at").first()
    stranger = StaffFactory()

    url = reverse("web:institution-series-cancel", args=[series.pk]) + f"?from={first.pk}"
    assert page_for(stranger.user).get(url).status_code == 404
    assert page_for(stranger.user).post(url, {"day": data["date"], "reason": "x"}).status_code \
        == 404  # fmt: skip
    assert not Booking.objects.filter(status=Status.CANCELLED).exists()


def test_a_coordinator_sees_the_dates_and_cancels_the_series_from_a_date(
    page_for, staff, coordinator, location, arabic
):
    data = series_data(arabic, location, **{"series-count": "3"})
    first_day = datetime.date.fromisoformat(data["date"])
    page_for(staff.user).post(reverse("web:institution-request"), {**data, "series-send": "1",
        "series-keep": [(first_day + datetime.timedelta(weeks=w)).isoformat()
                        for w in range(3)]})  # fmt: skip
    series = BookingSeries.objects.get()
    first, second, third = series.bookings.order_by("starts_at")
    client = page_for(coordinator.user)

    page = client.get(reverse("web:coordinator-booking", args=[second.pk])).content.decode()
    url = reverse("web:coordinator-series-cancel", args=[series.pk]) + f"?from={second.pk}"

    assert reverse("web:coordinator-booking", args=[third.pk]) in page
    assert url.replace("?", "?") in page.replace("&amp;", "&")
    done = client.post(url, {"day": timezone.localtime(second.starts_at).date(),
                             "reason": "Schulwechsel"})  # fmt: skip
    assert done.status_code == 302
    assert done["Location"] == reverse("web:coordinator-booking", args=[second.pk])
    statuses = dict(Booking.objects.values_list("pk", "status"))
    assert statuses[first.pk] != Status.CANCELLED
    assert {statuses[second.pk], statuses[third.pk]} == {Status.CANCELLED}
    second.refresh_from_db()
    assert second.cancelled_by_role == ActorRole.COORDINATOR
