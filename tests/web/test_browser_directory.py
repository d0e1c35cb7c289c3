"""The coordinator's desk for the mediators in a real browser (Debian's Chromium), at phone
(360 px) and desktop width, with axe-core (WCAG 2 A/AA) on every page: find a mediator,
open their page, import a volunteer list through its preview, and pay last month out."""

import datetime

from django.utils import timezone

from bookings.constants import AllowanceKind, Status
from bookings.models import Allowance, PayoutMonth
from mediators.models import Mediator
from notifications.constants import MessageKind
from notifications.models import Message
from tests.bookings.factories import BookingFactory

from .browser import PHONE, Visitor
from .conftest import BERLIN
from .test_accessibility import readable

VOLUNTEER_LIST = (
    "\ufeffVorname;Nachname;E-Mail;PLZ;Geschlecht;Sprachen;Führungszeugnis gültig bis\r\n"
    "Nour;Khalil;nour@example.org;41747;w;ara:4;31.12.2030\r\n"
)


def last_month_allowance(pool_with_people):
    """An allowance of the mediator in the month before the real clock's."""
    today = timezone.now().astimezone(BERLIN).date()
    day = today.replace(day=1) - datetime.timedelta(days=20)
    mediator = pool_with_people["mediator"]
    booking = BookingFactory(
        institution=pool_with_people["staff"].institution,
        language=pool_with_people["arabic"],
        mediator=mediator,
        status=Status.CLOSED,
        starts_at=datetime.datetime.combine(day, datetime.time(10), tzinfo=BERLIN),
    )
    Allowance.objects.create(
        mediator=mediator,
        booking=booking,
        kind=AllowanceKind.APPOINTMENT,
        day=day,
        amount_cents=4_550,
    )
    return day


def test_a_coordinator_finds_imports_and_pays_out(browser, live_server, pool_with_people):
    month = last_month_allowance(pool_with_people)
    ki = Visitor(browser, live_server, "coordinator")
    ki.sign_in("ki")
    violations: list[str] = []

    # Find a mediator by name, on a phone.
    ki.go("/coordinator/mediators/")
    ki.page.set_viewport_size(PHONE)
    ki.page.fill("#id_q", "Haddad")
    with ki.page.expect_navigation():
        ki.page.click("form[role=search] button[type=submit]")
    ki.page.wait_for_load_state("networkidle")
    assert "q=Haddad" in ki.page.url
    assert ki.page.inner_text("#mediators-count") == "1 Sprachmittler/in gefunden"
    assert "Arabisch" in ki.page.inner_text("table.mediator-directory tbody")
    violations += ki.axe_violations("mediator-search")
    ki.shoot("mediator-search")

    # Their page.
    with ki.page.expect_navigation():
        ki.page.click("table.mediator-directory tbody a")
    ki.page.wait_for_load_state("networkidle")
    assert ki.page.is_visible("#year-heading") and ki.page.is_visible("#access-heading")
    violations += ki.axe_violations("mediator-page")
    ki.shoot("mediator-page")

    # Import a volunteer list: the preview first, then the import.
    ki.go("/coordinator/mediators/import/")
    ki.page.set_input_files(
        "#id_file",
        files=[{"name": "liste.csv", "mimeType": "text/csv", "buffer": VOLUNTEER_LIST.encode()}],
    )
    with ki.page.expect_navigation():
        ki.page.click("main form.stack button[type=submit]")
    ki.page.wait_for_load_state("networkidle")
    assert "Nour Khalil" in ki.page.inner_text("#import-preview"), ki.page.inner_text(
        "#import-preview"
    )
    assert not Mediator.objects.filter(user__email="nour@example.org").exists()
    violations += ki.axe_violations("import-preview")
    ki.shoot("import-preview")
    with ki.page.expect_navigation():
        ki.page.click("#import-preview button[type=submit]")
    ki.page.wait_for_load_state("networkidle")
    assert ki.page.url.endswith("/coordinator/mediators/")
    assert Mediator.objects.filter(user__email="nour@example.org").exists()
    assert Message.objects.filter(
        kind=MessageKind.ACCOUNT_INVITATION, recipient_email="nour@example.org"
    ).exists()

    # Pay last month out: the list, its CSV, and the mark.
    ki.go("/coordinator/payouts/")
    assert "Haddad, Amal" in ki.page.inner_text("table.payouts")
    violations += ki.axe_violations("payouts")
    ki.shoot("payouts")
    with ki.page.expect_download() as download:
        ki.page.click("a[href*='format=csv']")
    assert download.value.suggested_filename.startswith(f"payouts_{month:%Y-%m}")
    with ki.page.expect_navigation():
        ki.page.click("form[action$='/mark-paid/'] button[type=submit]")
    ki.page.wait_for_load_state("networkidle")
    assert ki.page.is_visible("#paid-state")
    assert PayoutMonth.objects.get().total_cents == 4_550
    violations += ki.axe_violations("payouts-paid")

    assert violations == [], readable(violations)
    assert ki.csp_violations() == []
    assert ki.other_hosts() == set()
    ki.context.close()
