"""Far-reaching actions are confirmed first: the confirmation page (GET) says what will
happen and changes nothing; only its POST performs the action."""

import datetime
import re

import pytest
from django.urls import reverse

from bookings.constants import OfferStatus, Status
from bookings.models import BookingEvent
from bookings.planner.models import PlanItem, PlanRun
from notifications.models import CalendarFeed
from tests.bookings.factories import BookingFactory, OfferFactory
from tests.clock import frozen
from tests.mediators.factories import (
    AvailabilitySlotFactory,
    LanguageFactory,
    MediatorFactory,
    MediatorLanguageFactory,
)
from tests.support.people import local

NOW = local(2026, 11, 16, 9, 0)
pytestmark = [pytest.mark.django_db, frozen(NOW)]


def consequences(html: str) -> list[str]:
    block = re.search(r'data-testid="consequences">(.*?)</ul>', html, re.S)
    assert block, "the page says what will happen"
    return [re.sub(r"\s+", " ", line).strip() for line in re.findall(r"<li>(.*?)</li>", block[1])]


def eligible(pool, language):
    mediator = MediatorFactory(pool=pool)
    MediatorLanguageFactory(mediator=mediator, language=language)
    for weekday in range(7):
        AvailabilitySlotFactory(mediator=mediator, weekday=weekday)
    return mediator


@pytest.fixture
def open_booking(coordinator):
    arabic = LanguageFactory(code="ara", name_en="Arabic")
    booking = BookingFactory(
        institution__pool=coordinator.pool,
        institution__name="Grundschule Am Park",
        language=arabic,
        status=Status.UNFILLED,
        starts_at=local(2026, 11, 30, 10, 0),
    )
    return booking, eligible(coordinator.pool, arabic)


def test_the_booking_page_asks_before_it_assigns(page_for, coordinator, open_booking):
    booking, mediator = open_booking
    page = page_for(coordinator.user)

    html = page.get(reverse("web:coordinator-booking", args=[booking.pk])).content.decode()

    form = re.search(r'<form method="(\w+)" action="([^"]+/assign/)"', html)
    assert form and form[1] == "get", "the candidate's button opens the confirmation"


def test_the_assignment_is_confirmed_with_who_and_what_and_only_the_post_assigns(
    page_for, coordinator, open_booking
):
    booking, mediator = open_booking
    other = OfferFactory(booking=booking, mediator=MediatorFactory(pool=coordinator.pool))
    page = page_for(coordinator.user)
    url = reverse("web:coordinator-assign", args=[booking.pk])
    events = BookingEvent.objects.count()

    confirm = page.get(url, {"mediator": mediator.pk})

    html = confirm.content.decode()
    booking.refresh_from_db()
    assert confirm.status_code == 200
    assert booking.status == Status.UNFILLED and BookingEvent.objects.count() == events
    lines = consequences(html)
    assert str(mediator) in lines[0] and "Nov 30, 2026, 10:00 AM" in lines[0]
    assert "Arabic" in lines[0] and "Grundschule Am Park" in lines[0]
    assert any("open offer to another mediator ends" in line for line in lines)
    assert f'<form method="post" action="{url}"' in html
    assert f'name="mediator" value="{mediator.pk}"' in html
    assert "Go back without changes" in html

    done = page.post(url, {"mediator": mediator.pk})

    booking.refresh_from_db()
    assert done.status_code == 302
    assert (booking.status, booking.mediator) == (Status.CONFIRMED, mediator)
    other.refresh_from_db()
    assert other.status != OfferStatus.PENDING


def test_a_confirmation_for_a_mediator_out_of_reach_answers_400(
    page_for, coordinator, open_booking
):
    booking, _mediator = open_booking
    stranger = MediatorFactory()

    response = page_for(coordinator.user).get(
        reverse("web:coordinator-assign", args=[booking.pk]), {"mediator": stranger.pk}
    )

    assert response.status_code == 400
    assert "Unknown mediator." in response.content.decode()


def test_cancelling_a_held_booking_late_says_the_mediator_is_told_and_paid(page_for, staff):
    mediator = MediatorFactory(pool=staff.institution.pool)
    booking = BookingFactory(
        institution=staff.institution,
        status=Status.CONFIRMED,
        mediator=mediator,
        starts_at=NOW + datetime.timedelta(hours=5),
    )
    page = page_for(staff.user)
    url = reverse("web:institution-cancel", args=[booking.pk])

    booking_page = page.get(reverse("web:institution-booking", args=[booking.pk])).content.decode()
    confirm = page.get(url)

    assert f'href="{url}"' in booking_page
    lines = consequences(confirm.content.decode())
    assert "cannot be undone" in lines[0]
    assert any(str(mediator) in line and "told" in line for line in lines)
    assert any("late cancellation" in line and "paid" in line for line in lines)
    assert 'name="reason"' in confirm.content.decode()
    booking.refresh_from_db()
    assert booking.status == Status.CONFIRMED

    refused = page.post(url, {"reason": " "})
    assert refused.status_code == 400 and consequences(refused.content.decode())

    page.post(url, {"reason": "Die Familie ist umgezogen."})
    booking.refresh_from_db()
    assert booking.status == Status.CANCELLED


def test_the_coordinators_cancellation_is_confirmed_with_the_reason(page_for, coordinator):
    booking = BookingFactory(
        institution__pool=coordinator.pool,
        status=Status.REQUESTED,
        starts_at=NOW + datetime.timedelta(days=10),
    )
    OfferFactory(booking=booking, mediator=MediatorFactory(pool=coordinator.pool))
    page = page_for(coordinator.user)
    url = reverse("web:coordinator-decide", args=[booking.pk, "cancel"])

    confirm = page.get(url).content.decode()

    lines = consequences(confirm)
    assert any("open offer to a mediator ends" in line for line in lines)
    assert not any("late" in line for line in lines)
    assert 'class="button button--danger">Cancel the booking</button>' in confirm
    assert (
        page.get(reverse("web:coordinator-decide", args=[booking.pk, "approve"])).status_code == 405
    )

    page.post(url, {"reason": "Doppelt angefragt"})
    booking.refresh_from_db()
    assert (booking.status, booking.cancellation_reason) == (Status.CANCELLED, "Doppelt angefragt")


def test_applying_a_plan_says_how_many_assignments_and_mediators(page_for, coordinator):
    arabic = LanguageFactory(code="ara")
    first, second = eligible(coordinator.pool, arabic), eligible(coordinator.pool, arabic)
    run = PlanRun.objects.create(
        pool=coordinator.pool, starts_on=NOW.date(), ends_on=NOW.date() + datetime.timedelta(7)
    )
    for days, mediator in ((1, first), (2, first), (3, second)):
        booking = BookingFactory(
            institution__pool=coordinator.pool,
            language=arabic,
            starts_at=NOW + datetime.timedelta(days=days),
        )
        PlanItem.objects.create(run=run, booking=booking, mediator=mediator)
    page = page_for(coordinator.user)
    url = reverse("web:coordinator-plan-decide", args=[run.pk, "apply"])

    plan_page = page.get(reverse("web:coordinator-plan", args=[run.pk])).content.decode()
    confirm = page.get(url).content.decode()

    assert f'href="{url}"' in plan_page
    assert consequences(confirm)[0] == "3 assignments are made. 2 mediators will be told."
    run.refresh_from_db()
    assert run.status == "draft"

    page.post(url)
    run.refresh_from_db()
    assert run.status == "applied"
    assert page.get(url).status_code == 302  # nothing left to confirm


def test_a_new_feed_address_is_confirmed_first_and_made_only_by_the_post(page_for, mediator):
    page = page_for(mediator.user)
    url = reverse("web:mediator-feed")
    before = re.search(r'value="([^"]+\.ics)"', page.get(url).content.decode())[1]

    confirm = page.get(url, {"new": "1"}).content.decode()

    lines = consequences(confirm)
    assert any("stops working" in line for line in lines)
    assert re.search(rf'<form method="post" action="{url}"', confirm)
    assert re.search(r'value="([^"]+\.ics)"', page.get(url).content.decode())[1] == before
    assert CalendarFeed.objects.count() == 1

    after = re.search(r'value="([^"]+\.ics)"', page.post(url).content.decode())[1]
    assert after != before
