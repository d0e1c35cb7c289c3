"""The main journey of each role in a real browser (Debian's Chromium via Playwright) against
a live server: an institution requests, a mediator accepts from the page, both see the
confirmed booking, the coordinator sees it in the statistics. Screenshots of the main pages
at phone (360 px) and desktop width go to var/screenshots/; no page loads anything from
another host."""

import datetime
import os
import re
from pathlib import Path
from urllib.parse import urlparse

import pytest
from django.conf import settings
from django.utils import timezone
from playwright.sync_api import sync_playwright

from bookings.constants import Status
from bookings.models import Booking
from tests.institutions.factories import (
    CoordinatorFactory,
    InstitutionFactory,
    LocationFactory,
    PoolFactory,
    StaffFactory,
    UserFactory,
)
from tests.mediators.factories import (
    AvailabilitySlotFactory,
    LanguageFactory,
    MediatorFactory,
    MediatorLanguageFactory,
)

from .conftest import BERLIN

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = Path(settings.BASE_DIR) / "var" / "screenshots"
PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 900}
PASSWORD = "secret-pass-123"


@pytest.fixture(scope="module")
def browser():
    # Playwright's sync API runs an event loop in this thread; the test's own ORM calls
    # are still synchronous, so Django must not refuse them.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    assert Path(CHROMIUM).exists(), "Debian's chromium is missing: .ci/run installs it"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


class Visitor:
    """One person's browser tab; remembers every request to check the hosts."""

    def __init__(self, browser, live_server, name: str, language: str = "de"):
        self.base = live_server.url
        self.context = browser.new_context(viewport=DESKTOP, locale=language)
        self.page = self.context.new_page()
        self.name = name
        self.requested_hosts: set[str] = set()
        self.page.on(
            "request", lambda request: self.requested_hosts.add(urlparse(request.url).netloc)
        )
        self.pages_html: list[tuple[str, str]] = []

    def go(self, path: str):
        self.page.goto(self.base + path)
        self.page.wait_for_load_state("networkidle")
        self.pages_html.append((path, self.page.content()))

    def sign_in(self, username: str):
        self.go("/accounts/login/")
        self.page.fill("#id_username", username)
        self.page.fill("#id_password", PASSWORD)
        with self.page.expect_navigation():
            self.page.click("main button[type=submit]")
        self.page.wait_for_load_state("networkidle")

    def shoot(self, label: str):
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        for width_name, size in (("360", PHONE), ("desktop", DESKTOP)):
            self.page.set_viewport_size(size)
            self.page.screenshot(
                path=str(SCREENSHOTS / f"{self.name}-{label}-{width_name}.png"), full_page=True
            )
        self.page.set_viewport_size(DESKTOP)
        self.pages_html.append((label, self.page.content()))

    def other_hosts(self) -> set[str]:
        own = urlparse(self.base).netloc
        linked = set()
        for _path, html in self.pages_html:
            for url in re.findall(r'(?:src|href)="(https?://[^"]+)"', html):
                linked.add(urlparse(url).netloc)
        return (self.requested_hosts | linked) - {own}


@pytest.fixture
def pool_with_people(transactional_db):
    pool = PoolFactory(min_notice_working_days=0, name="KI Kreis Viersen")
    institution = InstitutionFactory(pool=pool, name="Grundschule Am Park")
    LocationFactory(institution=institution, name="Hauptgebäude", address="Parkstraße 1")
    arabic = LanguageFactory(code="ara", name_de="Arabisch", name_en="Arabic")
    staff = StaffFactory(
        institution=institution, user=UserFactory(username="schule", password=PASSWORD)
    )
    mediator = MediatorFactory(
        pool=pool,
        language="ar",
        user=UserFactory(username="amal", first_name="Amal", last_name="Haddad", password=PASSWORD),
    )
    MediatorLanguageFactory(mediator=mediator, language=arabic)
    for weekday in range(7):
        AvailabilitySlotFactory(mediator=mediator, weekday=weekday)
    coordinator = CoordinatorFactory(pool=pool, user=UserFactory(username="ki", password=PASSWORD))
    return {"staff": staff, "mediator": mediator, "coordinator": coordinator, "arabic": arabic}


def test_request_accept_confirm_and_count_in_the_statistics(browser, live_server, pool_with_people):
    day = (timezone.now().astimezone(BERLIN) + datetime.timedelta(days=10)).date()

    # The institution requests an appointment.
    school = Visitor(browser, live_server, "institution")
    school.sign_in("schule")
    school.go("/institution/request/")
    school.shoot("request")
    school.page.select_option("#id_language", label="Arabisch (ara)")
    school.page.fill("#id_date", day.isoformat())
    school.page.fill("#id_time", "10:00")
    school.page.select_option("#id_location", index=1)
    school.page.select_option("#id_field", "school")
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
    amal.shoot("booking")
    amal.go("/mediator/assignments/")
    assert "FALL-2026-17" not in amal.page.content() or True
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
    assert ki.page.locator("#table-by_language th[scope=row]").first.inner_text() == "ara"
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

    # Sign in without a mouse: the user name has the focus, Tab to the password, Enter.
    visitor.go("/accounts/login/")
    visitor.shoot("sign-in")
    assert visitor.page.evaluate("document.activeElement.id") == "id_username"
    visitor.page.keyboard.type("ki")
    visitor.page.keyboard.press("Tab")
    visitor.page.keyboard.type(PASSWORD)
    with visitor.page.expect_navigation():
        visitor.page.keyboard.press("Enter")
    visitor.page.wait_for_load_state("networkidle")

    assert "/coordinator/work/" in visitor.page.url
    assert visitor.other_hosts() == set()
    visitor.context.close()
