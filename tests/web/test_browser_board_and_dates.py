"""In Debian's Chromium, on a phone (360 px): a mediator sees an open request on the board
and takes it, then adds a single date to her availability. axe-core checks the board and
the availability page with its single dates (a list, and the form with its errors) in
German, Arabic and Farsi, under the site's Content-Security-Policy."""

import datetime

import pytest
from django.utils import timezone

from bookings.constants import Mode, Status
from bookings.models import Booking
from mediators.models import AvailabilityDate
from tests.bookings.factories import BookingFactory

from .browser import PHONE, Visitor
from .conftest import BERLIN


def in_days(days: int) -> datetime.date:
    return (timezone.now().astimezone(BERLIN) + datetime.timedelta(days=days)).date()


def open_request(people, days: int = 5) -> Booking:
    """An unfilled phone request in Arabic at 10:00, which Amal may serve."""
    staff = people["staff"]
    return BookingFactory(
        institution=staff.institution,
        language=people["arabic"],
        requested_by=staff.user,
        status=Status.UNFILLED,
        mode=Mode.PHONE,
        location=None,
        starts_at=datetime.datetime.combine(in_days(days), datetime.time(10), tzinfo=BERLIN),
    )


def submit(visitor: Visitor, form: str) -> None:
    with visitor.page.expect_navigation():
        visitor.page.click(f"{form} button[type=submit]")
    visitor.page.wait_for_load_state("networkidle")


def test_on_a_phone_a_mediator_takes_an_open_request_and_adds_a_date(
    browser, live_server, pool_with_people
):
    # Given Amal on her phone, and a request nobody has taken
    booking = open_request(pool_with_people)
    mediator = pool_with_people["mediator"]
    mediator.language = "de"  # the pages follow the language of her profile
    mediator.save(update_fields=["language"])
    visitor = Visitor(browser, live_server, "mediator-board", language="de")
    visitor.page.set_viewport_size(PHONE)
    visitor.sign_in("amal")

    # When she opens the board from the menu and takes the request
    visitor.go("/mediator/offers/")
    visitor.page.click(".menu-button")  # on a phone the places are behind the menu
    with visitor.page.expect_navigation():
        visitor.page.click("nav a[href='/mediator/open-requests/']")
    visitor.page.wait_for_load_state("networkidle")
    cards = visitor.page.locator("main .card form button[type=submit]")
    assert cards.count() == 1
    with visitor.page.expect_navigation():
        cards.first.click()
    visitor.page.wait_for_load_state("networkidle")

    # Then the appointment is hers, and she is on its page
    assert visitor.page.url.endswith(f"/mediator/bookings/{booking.pk}/")
    booking.refresh_from_db()
    assert (booking.status, booking.mediator_id) == (
        Status.CONFIRMED,
        pool_with_people["mediator"].pk,
    )
    visitor.go("/mediator/open-requests/")
    assert visitor.page.locator("main .card form").count() == 0

    # When she adds a single date, Saturday-like, 9 to 13
    day = in_days(10)
    visitor.go("/mediator/availability/")
    visitor.page.fill("#id_once-day", day.isoformat())
    visitor.page.fill("#id_once-start_time", "09:00")
    visitor.page.fill("#id_once-end_time", "13:00")
    submit(visitor, "#date-form")

    # Then it is listed and kept
    assert visitor.page.is_visible(".messages[role=status]")
    assert "09:00–13:00" in visitor.page.inner_text("main")
    dated = AvailabilityDate.objects.get(mediator=pool_with_people["mediator"])
    assert (dated.day, dated.start_time) == (day, datetime.time(9))
    assert visitor.csp_violations() == []
    assert visitor.other_hosts() == set()
    visitor.context.close()


@pytest.mark.parametrize("language", ["de", "ar", "fa"])
def test_the_board_and_the_single_dates_meet_wcag_aa(
    browser, live_server, pool_with_people, language
):
    mediator = pool_with_people["mediator"]
    mediator.language = language  # the pages follow the language of her profile
    mediator.save(update_fields=["language"])
    open_request(pool_with_people)
    AvailabilityDate.objects.create(
        mediator=mediator, day=in_days(10), start_time=datetime.time(9),
        end_time=datetime.time(13),
    )  # fmt: skip
    visitor = Visitor(browser, live_server, f"mediator-board-{language}", language=language)
    visitor.sign_in("amal")

    visitor.go("/mediator/open-requests/")
    assert visitor.page.get_attribute("html", "lang") == language
    assert visitor.page.locator("main .card form").count() == 1
    violations = visitor.axe_violations("board")
    visitor.go("/mediator/availability/")
    violations += visitor.axe_violations("availability-dates")
    # The single date's form with its errors (an end before the start).
    visitor.page.fill("#id_once-day", in_days(11).isoformat())
    visitor.page.fill("#id_once-start_time", "14:00")
    visitor.page.fill("#id_once-end_time", "13:00")
    submit(visitor, "#date-form")
    assert visitor.page.is_visible("#error-summary[role=alert]")
    violations += visitor.axe_violations("availability-date-errors")

    assert violations == [], "axe-core finds WCAG 2 A/AA violations:\n" + "\n".join(violations)
    assert visitor.csp_violations() == []
    visitor.context.close()
