"""The main journey of each role in a real browser (Debian's Chromium via Playwright) against
a live server: an institution requests, a mediator accepts from the page, both see the
confirmed booking, the coordinator sees it in the statistics. Screenshots of the main pages
at phone (360 px) and desktop width go to var/screenshots/; no page loads anything from
another host."""

import datetime

from django.utils import timezone

from bookings.constants import Status
from bookings.models import Booking
from tests.support.two_factor import authenticator, code_of

from .browser import PASSWORD, Visitor
from .conftest import BERLIN


def test_request_accept_confirm_and_count_in_the_statistics(browser, live_server, pool_with_people):
    day = (timezone.now().astimezone(BERLIN) + datetime.timedelta(days=10)).date()

    # The institution requests an appointment.
    school = Visitor(browser, live_server, "institution")
    school.sign_in("schule")
    school.go("/institution/request/")
    school.shoot("request")
    school.page.select_option("#id_language", label="Arabisch")
    school.page.fill("#id_date", day.isoformat())
    school.page.fill("#id_time", "10:00")
    school.page.select_option("#id_location", index=1)
    school.page.select_option("#id_field", "school")
    school.page.click("#group-more > summary")  # the rare fields wait under "More"
    school.page.fill("#id_case_reference", "FALL-2026-17")
    school.page.click("#request-form button[type=submit]")
    school.page.wait_for_load_state("networkidle")
    booking = Booking.objects.get()
    assert school.page.url.endswith(f"/institution/bookings/{booking.pk}/")
    assert booking.status == Status.OFFERED, "the matching engine offers it to the mediator"

    # The mediator accepts from the offers page (on a phone, in Arabic).
    amal = Visitor(browser, live_server, "mediator", language="ar")
    amal.sign_in("amal")
    amal.go("/mediator/offers/")
    assert amal.page.get_attribute("html", "dir") == "rtl"
    amal.shoot("offers")
    amal.page.click("form[action*='/accept/'] button")
    amal.page.wait_for_load_state("networkidle")
    booking.refresh_from_db()
    assert booking.status == Status.CONFIRMED
    assert booking.mediator == pool_with_people["mediator"]
    # The case reference is on the booking's page, never in the list of assignments.
    assert "FALL-2026-17" in amal.page.inner_text(".facts")
    amal.shoot("booking")
    amal.go("/mediator/assignments/")
    assert "FALL-2026-17" not in amal.page.content()
    assert amal.page.locator(f"a[href='/mediator/bookings/{booking.pk}/']").count() == 1
    amal.shoot("assignments")
    for path, label in (
        ("/mediator/availability/", "availability"),
        ("/mediator/profile/", "profile"),
        ("/mediator/statement/", "statement"),
    ):
        amal.go(path)
        amal.shoot(label)

    # Both see the confirmed booking.
    school.go(f"/institution/bookings/{booking.pk}/")
    assert "bestätigt" in school.page.inner_text(".facts")
    assert "Amal Haddad" in school.page.inner_text(".facts")
    school.shoot("booking")
    school.go("/institution/bookings/")
    school.shoot("bookings")

    # The coordinator sees it in the statistics.
    ki = Visitor(browser, live_server, "coordinator")
    ki.sign_in("ki")
    ki.go("/coordinator/work/")
    ki.shoot("worklist")
    ki.go(f"/coordinator/bookings/{booking.pk}/")
    ki.shoot("booking")
    ki.go(f"/coordinator/statistics/?from={day:%Y-%m-01}&to={day.isoformat()}")
    assert ki.page.inner_text("[data-testid=kpi-requests]") == "1"
    assert ki.page.inner_text("[data-testid=kpi-fill-rate]").startswith("100")
    # The language by its name in the reader's language, never its code ("ara").
    assert ki.page.locator("#table-by_language th[scope=row]").first.inner_text() == "Arabisch"
    assert ki.page.evaluate("document.getElementById('chart-by_month').chart !== undefined")
    ki.shoot("statistics")
    for path, label in (
        ("/coordinator/mediators/", "mediators"),
        ("/coordinator/planner/", "planner"),
    ):
        ki.go(path)
        ki.shoot(label)

    for visitor in (school, amal, ki):
        assert visitor.other_hosts() == set(), f"{visitor.name} pages reach other hosts"
        visitor.context.close()


def test_the_pages_are_usable_by_keyboard_alone(browser, live_server, pool_with_people):
    visitor = Visitor(browser, live_server, "everyone")
    visitor.go("/accounts/password_reset/")
    visitor.shoot("password-reset")

    # The first Tab reaches the skip link, which jumps to the content.
    visitor.page.keyboard.press("Tab")
    assert visitor.page.evaluate("document.activeElement.className") == "skip-link"
    assert visitor.page.is_visible(".skip-link")
    visitor.page.keyboard.press("Enter")
    assert visitor.page.evaluate("document.activeElement.id") == "main"

    # Sign in without a mouse: the user name has the focus, Tab to the password, Enter;
    # then the code of the coordinator's authenticator has the focus, Enter.
    device = authenticator(pool_with_people["coordinator"].user)
    visitor.go("/accounts/login/")
    visitor.shoot("sign-in")
    assert visitor.page.evaluate("document.activeElement.id") == "id_username"
    visitor.page.keyboard.type("ki")
    visitor.page.keyboard.press("Tab")
    visitor.page.keyboard.type(PASSWORD)
    with visitor.page.expect_navigation():
        visitor.page.keyboard.press("Enter")
    visitor.page.wait_for_load_state("networkidle")
    assert "/accounts/two-factor/verify/" in visitor.page.url
    assert visitor.page.evaluate("document.activeElement.id") == "id_code"
    visitor.page.keyboard.type(code_of(device))
    with visitor.page.expect_navigation():
        visitor.page.keyboard.press("Enter")
    visitor.page.wait_for_load_state("networkidle")

    assert "/coordinator/work/" in visitor.page.url
    assert visitor.other_hosts() == set()
    visitor.context.close()
