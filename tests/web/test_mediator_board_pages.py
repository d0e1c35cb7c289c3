"""The mediator's open requests board and one-off dates on the availability page; the
coordinator sees the dates on the mediator's page. Dates are relative to the real clock."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from bookings.constants import Status
from bookings.models import Booking
from mediators.models import AvailabilityDate
from tests.bookings.factories import BookingFactory
from tests.mediators.factories import AvailabilitySlotFactory, MediatorLanguageFactory

from .conftest import BERLIN

pytestmark = pytest.mark.django_db


def in_two_weeks() -> datetime.date:
    return (timezone.now() + datetime.timedelta(days=14)).astimezone(BERLIN).date()


def unfilled_request(pool, mediator):
    """An unfilled phone request in two weeks, 10-11, that the mediator may serve."""
    starts_at = datetime.datetime.combine(in_two_weeks(), datetime.time(10), tzinfo=BERLIN)
    booking = BookingFactory(institution__pool=pool, status=Status.UNFILLED, starts_at=starts_at,
                             mode="phone", location=None)  # fmt: skip
    MediatorLanguageFactory(mediator=mediator, language=booking.language)
    for weekday in range(7):
        AvailabilitySlotFactory(mediator=mediator, weekday=weekday)
    return booking


def test_one_off_dates_are_added_explained_and_removed(page_for, mediator):
    page = page_for(mediator.user)
    url = reverse("web:mediator-availability")
    day = in_two_weeks().isoformat()

    added = page.post(url, {"once-day": day, "once-start_time": "09:00", "once-end_time": "13:00"})
    overlap = page.post(
        url, {"once-day": day, "once-start_time": "12:00", "once-end_time": "14:00"}
    )
    reversed_hours = page.post(
        url, {"once-day": day, "once-start_time": "14:00", "once-end_time": "13:00"}
    )

    assert added.status_code == 302
    dated = AvailabilityDate.objects.get(mediator=mediator)
    assert (dated.start_time, dated.end_time) == (datetime.time(9), datetime.time(13))
    assert "This time overlaps" in overlap.content.decode()
    assert "must end after it starts" in reversed_hours.content.decode()
    assert 'id="id_once-day"' in overlap.content.decode()
    listed = page_for(mediator.user, "de").get(url).content.decode()
    assert "09:00–13:00" in listed
    page.post(reverse("web:mediator-availability-date-delete", args=[dated.pk]))
    assert not AvailabilityDate.objects.exists()


def test_a_date_in_the_past_is_refused(page_for, mediator):
    yesterday = (timezone.now() - datetime.timedelta(days=1)).astimezone(BERLIN).date()
    response = page_for(mediator.user).post(
        reverse("web:mediator-availability"),
        {"once-day": yesterday.isoformat(), "once-start_time": "09:00", "once-end_time": "13:00"},
    )
    assert response.status_code == 200
    assert "The date lies in the past." in response.content.decode()
    assert not AvailabilityDate.objects.exists()


def test_nobody_removes_another_mediators_dates(page_for, mediator):
    from tests.mediators.factories import MediatorFactory

    other = AvailabilityDate.objects.create(
        mediator=MediatorFactory(), day=in_two_weeks(), start_time=datetime.time(9),
        end_time=datetime.time(13),
    )  # fmt: skip
    response = page_for(mediator.user).post(
        reverse("web:mediator-availability-date-delete", args=[other.pk])
    )
    assert response.status_code == 404
    assert AvailabilityDate.objects.filter(pk=other.pk).exists()


def test_the_board_lists_an_open_request_and_taking_it_confirms_it(page_for, pool, mediator):
    booking = unfilled_request(pool, mediator)
    page = page_for(mediator.user)

    board = page.get(reverse("web:mediator-board")).content.decode()
    assert reverse("web:mediator-board-take", args=[booking.pk]) in board
    assert reverse("web:mediator-board") in board  # in the navigation

    response = page.post(reverse("web:mediator-board-take", args=[booking.pk]))

    assert response.status_code == 302
    assert response["Location"] == reverse("web:mediator-booking", args=[booking.pk])
    booking.refresh_from_db()
    assert (booking.status, booking.mediator_id) == (Status.CONFIRMED, mediator.pk)


def test_a_request_taken_meanwhile_is_explained_and_nothing_changes(page_for, pool, mediator):
    booking = unfilled_request(pool, mediator)
    Booking.objects.filter(pk=booking.pk).update(status=Status.CANCELLED)

    response = page_for(mediator.user).post(
        reverse("web:mediator-board-take", args=[booking.pk]), follow=True
    )

    assert "taken already or is no longer open" in response.content.decode()
    assert Booking.objects.get(pk=booking.pk).status == Status.CANCELLED


def test_the_coordinator_sees_the_mediators_one_off_dates(page_for, coordinator, mediator):
    AvailabilityDate.objects.create(
        mediator=mediator, day=in_two_weeks(), start_time=datetime.time(9),
        end_time=datetime.time(13),
    )  # fmt: skip
    page = (
        page_for(coordinator.user)
        .get(reverse("web:coordinator-mediator", args=[mediator.pk]))
        .content.decode()
    )
    assert 'id="availability-dates"' in page and "9:00\u202fAM–1:00\u202fPM" in page
