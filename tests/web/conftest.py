"""Fixtures for the pages and the statistics."""

import os
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.test import Client

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
from tests.support import people

from .browser import CHROMIUM, CHROMIUM_FLAGS, PASSWORD

BERLIN = ZoneInfo("Europe/Berlin")

# A pool and one person of each role, shared with the statistics' tests.
local = people.local
pool = people.pool
coordinator = people.coordinator
staff = people.staff
mediator = people.mediator


@pytest.fixture
def page_for():
    """A browser-like test client signed in as the given user, speaking the given language."""

    def make(user, language: str = "en") -> Client:
        client = Client(HTTP_ACCEPT_LANGUAGE=language)
        client.force_login(user)
        return client

    return make


@pytest.fixture(scope="module")
def browser():
    """Debian's Chromium, one per test module."""
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the test's own ORM calls
    # are still synchronous, so Django must not refuse them.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    assert Path(CHROMIUM).exists(), "Debian's chromium is missing: make test installs it"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


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
