"""The coordinator's daily tasks in a real browser (Debian's Chromium via Playwright) against a
live server, on a 360 px phone and on a desktop: a school phones in and the coordinator files
its request; the coordinator moves an appointment after seeing what will happen; the
coordinator decides a disputed report from the work list. Every page passes axe-core's WCAG 2
A/AA rules at both widths, reports no Content-Security-Policy violation and loads nothing from
another host. The dates follow the real clock (the live server runs in its own thread)."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from bookings.constants import ReportStatus, Status
from bookings.models import Booking, Report
from institutions.models import TaxFreeLimit
from tests.bookings.factories import BookingFactory
from tests.institutions.factories import CompensationRuleFactory

from .browser import DESKTOP, PHONE, Visitor
from .conftest import BERLIN

WIDTHS = pytest.mark.parametrize("size", [PHONE, DESKTOP], ids=["360", "desktop"])


def at(days: int, hour: int = 10) -> datetime.datetime:
    day = (timezone.now().astimezone(BERLIN) + datetime.timedelta(days=days)).date()
    return datetime.datetime.combine(day, datetime.time(hour, 0), tzinfo=BERLIN)


def coordinator_tab(browser, live_server, size) -> Visitor:
    ki = Visitor(browser, live_server, f"tasks-{size['width']}", language="en")
    ki.sign_in("ki")
    ki.page.set_viewport_size(size)
    return ki


def click_and_wait(visitor: Visitor, selector: str) -> None:
    with visitor.page.expect_navigation():
        visitor.page.click(selector)
    visitor.page.wait_for_load_state("networkidle")
    visitor.collect_violations()


def finish(visitor: Visitor, violations: list[str]) -> None:
    assert violations == []
    assert visitor.csp_violations() == []
    assert visitor.other_hosts() == set()
    visitor.context.close()


@WIDTHS
def test_a_school_phones_in_and_the_coordinator_files_its_request(
    browser, live_server, pool_with_people, size
):
    staff = pool_with_people["staff"]
    ki = coordinator_tab(browser, live_server, size)
    violations: list[str] = []

    ki.go("/coordinator/work/")
    click_and_wait(ki, "main a[href='/coordinator/requests/new/']")
    violations += ki.axe_violations("request-pick")
    ki.page.set_viewport_size(size)
    ki.page.select_option(
        "#id_institution", label=f"{staff.institution.name} ({staff.institution.town})"
    )
    click_and_wait(ki, "main button[type=submit]")

    # Sent without the date first: the errors are announced and listed.
    click_and_wait(ki, "#request-form button[type=submit]")
    assert ki.page.is_visible("#error-summary")
    violations += ki.axe_violations("request-errors")
    ki.page.set_viewport_size(size)

    ki.page.select_option("#id_on_behalf_of", index=1)
    ki.page.select_option("#id_language", label="Arabisch")
    ki.page.fill("#id_date", at(10).date().isoformat())
    ki.page.fill("#id_time", "10:00")
    ki.page.select_option("#id_location", index=1)
    ki.page.select_option("#id_field", "school")
    ki.page.click("#group-more > summary")  # the rare fields wait under "More"
    ki.page.fill("#id_case_reference", "GS-2026-31")
    violations += ki.axe_violations("request-form")
    ki.page.set_viewport_size(size)
    click_and_wait(ki, "#request-form button[type=submit]")

    booking = Booking.objects.get()
    assert ki.page.url.endswith(f"/coordinator/bookings/{booking.pk}/")
    assert booking.requested_by == staff.user
    assert booking.events.first().actor == pool_with_people["coordinator"].user
    assert ki.page.locator(".message--success").count() == 1
    violations += ki.axe_violations("request-filed")
    finish(ki, violations)


@WIDTHS
def test_the_coordinator_moves_an_appointment_after_seeing_what_will_happen(
    browser, live_server, pool_with_people, size
):
    staff, mediator = pool_with_people["staff"], pool_with_people["mediator"]
    booking = BookingFactory(
        institution=staff.institution,
        language=pool_with_people["arabic"],
        requested_by=staff.user,
        status=Status.CONFIRMED,
        mediator=mediator,
        starts_at=at(12),
    )
    ki = coordinator_tab(browser, live_server, size)
    violations: list[str] = []

    ki.go(f"/coordinator/bookings/{booking.pk}/")
    click_and_wait(ki, "main a[href$='/reschedule/']")
    violations += ki.axe_violations("reschedule-form")
    ki.page.set_viewport_size(size)
    ki.page.fill("#id_time", "11:00")
    ki.page.fill("#id_reason", "Die Klassenkonferenz beginnt später")
    click_and_wait(ki, "#reschedule-form button[type=submit]")

    assert ki.page.locator("#what-happens").count() == 1
    assert ki.page.locator("#what-happens.panel--alert").count() == 0, "the mediator stays"
    booking.refresh_from_db()
    assert booking.starts_at == at(12), "nothing changes before the confirmation"
    violations += ki.axe_violations("reschedule-summary")
    ki.page.set_viewport_size(size)
    click_and_wait(ki, "main form button[type=submit]")

    booking.refresh_from_db()
    assert booking.starts_at == at(12, 11)
    assert (booking.status, booking.mediator) == (Status.CONFIRMED, mediator)
    assert ki.page.locator(".message--success").count() == 1
    violations += ki.axe_violations("rescheduled")
    finish(ki, violations)


@WIDTHS
def test_the_coordinator_decides_a_disputed_report_from_the_work_list(
    browser, live_server, pool_with_people, size
):
    staff, mediator = pool_with_people["staff"], pool_with_people["mediator"]
    booking = BookingFactory(
        institution=staff.institution,
        language=pool_with_people["arabic"],
        requested_by=staff.user,
        status=Status.COMPLETED,
        mediator=mediator,
        starts_at=at(-2),
    )
    CompensationRuleFactory(pool=booking.pool, valid_from=at(-400).date())
    # The law's tax-free amount (seeded by a migration; an earlier live-server test of the
    # module may have flushed it).
    TaxFreeLimit.objects.get_or_create(
        valid_from=datetime.date(2026, 1, 1), defaults={"yearly_cents": 96000}
    )
    Report.objects.create(
        booking=booking,
        actual_minutes=120,
        travel_km=Decimal("14.0"),
        status=ReportStatus.DISPUTED,
        dispute_reason="Das Gespräch dauerte nur eine Stunde",
    )
    ki = coordinator_tab(browser, live_server, size)
    violations: list[str] = []

    ki.go("/coordinator/work/")
    violations += ki.axe_violations("worklist-disputed")
    ki.page.set_viewport_size(size)
    click_and_wait(ki, "a[href$='#settle-report']")
    assert "nur eine Stunde" in ki.page.inner_text("#settle-report")
    violations += ki.axe_violations("settle-report")
    ki.page.set_viewport_size(size)
    ki.page.fill("#id_actual_minutes", "60")
    ki.page.fill("#id_reason", "Mit der Schule geklärt: 60 Minuten")
    click_and_wait(ki, "button[name=decision][value=correct]")

    booking.refresh_from_db()
    assert booking.status == Status.CLOSED
    assert booking.report.actual_minutes == 60
    assert ki.page.locator(".message--success").count() == 1
    finish(ki, violations)
