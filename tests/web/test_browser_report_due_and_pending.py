"""On the phone (Debian's Chromium at 360 px), in Arabic and in Farsi: the mediator finds the
past appointment marked "report due" at the top of her assignments, writes the report with a
note for the coordinators and "please call me", and sees it on her statement as pending
confirmation with its breakdown. The coordinator finds "call … back" in the work list and
marks it done. axe-core finds no WCAG 2 A/AA violation on any of these pages."""

import datetime

import pytest

from bookings.constants import Mode, Status
from bookings.models import Report
from tests.bookings.factories import BookingFactory
from tests.institutions.factories import CompensationRuleFactory

from .browser import PHONE, Visitor
from .conftest import BERLIN

NOTE = "Ein schweres Gespräch."


def two_days_ago_at_ten() -> datetime.datetime:
    from django.utils import timezone

    day = (timezone.now().astimezone(BERLIN) - datetime.timedelta(days=2)).date()
    return datetime.datetime.combine(day, datetime.time(10, 0), tzinfo=BERLIN)


def readable(violations: list[str]) -> str:
    return "axe-core finds WCAG 2 A/AA violations:\n" + "\n".join(violations)


def tap_and_wait(visitor: Visitor, selector: str) -> None:
    with visitor.page.expect_navigation():
        visitor.page.click(selector)
    visitor.page.wait_for_load_state("networkidle")


@pytest.mark.parametrize("language", ["ar", "fa"])
def test_the_mediator_reports_a_due_appointment_on_her_phone_right_to_left(
    browser, live_server, pool_with_people, language
):
    # Given Amal's confirmed appointment two days ago, not yet reported
    mediator, staff = pool_with_people["mediator"], pool_with_people["staff"]
    mediator.language = language
    mediator.save(update_fields=["language"])
    starts_at = two_days_ago_at_ten()
    CompensationRuleFactory(pool=mediator.pool, valid_from=starts_at.date().replace(day=1))
    booking = BookingFactory(
        institution=staff.institution,
        language=pool_with_people["arabic"],
        requested_by=staff.user,
        status=Status.CONFIRMED,
        mediator=mediator,
        mode=Mode.ON_SITE,
        starts_at=starts_at,
    )
    visitor = Visitor(browser, live_server, f"report-due-{language}", language=language)
    visitor.page.set_viewport_size(PHONE)
    visitor.sign_in("amal")

    # When she opens her assignments on the phone
    visitor.go("/mediator/assignments/")
    violations = visitor.axe_violations("assignments")

    # Then the due appointment comes first, marked, with the way to the report form
    assert visitor.page.get_attribute("html", "dir") == "rtl"
    first_section = visitor.page.locator("main section, main h2").first
    assert first_section.get_attribute("id") == "report-due"
    assert visitor.page.locator("#report-due .report-due").is_visible()
    visitor.page.set_viewport_size(PHONE)
    tap_and_wait(visitor, "#report-due a.button")
    assert visitor.page.url.endswith(f"/mediator/bookings/{booking.pk}/#report")
    violations += visitor.axe_violations("report-form")

    # When she writes the report with a note and "please call me"
    visitor.page.set_viewport_size(PHONE)
    visitor.page.fill("#id_actual_minutes", "70")
    visitor.page.fill("#id_travel_km", "12")
    visitor.page.fill("#id_travel_minutes", "25")
    visitor.page.fill("#id_debrief_note", NOTE)
    visitor.page.check("#id_call_back")
    tap_and_wait(visitor, "#report button[type=submit]")

    # Then the report is kept with the note, and her page says a coordinator will call
    report = Report.objects.get(booking=booking)
    assert (report.actual_minutes, report.debrief_note, report.call_back) == (70, NOTE, True)
    assert visitor.page.locator("#call-back-state").is_visible()
    violations += visitor.axe_violations("reported")

    # And her statement of that month shows it as pending, with its breakdown
    visitor.go(f"/mediator/statement/?month={starts_at:%Y-%m}")
    pending = visitor.page.locator("#pending .pending-report")
    assert pending.count() == 1
    text = pending.inner_text()
    assert "70" in text and "25" in text and "12" in text and "€" in text
    assert visitor.page.locator("tfoot").inner_text().count("0.00") == 1  # nothing confirmed
    violations += visitor.axe_violations("statement-pending")

    # And the statement is no wider than the phone
    visitor.page.set_viewport_size(PHONE)
    width = visitor.page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"]

    assert violations == [], readable(violations)
    assert visitor.csp_violations() == []
    visitor.context.close()


def test_the_coordinator_calls_back_from_the_work_list(browser, live_server, pool_with_people):
    mediator, staff = pool_with_people["mediator"], pool_with_people["staff"]
    booking = BookingFactory(
        institution=staff.institution,
        language=pool_with_people["arabic"],
        status=Status.COMPLETED,
        mediator=mediator,
        starts_at=two_days_ago_at_ten(),
    )
    Report.objects.create(
        booking=booking, actual_minutes=60, travel_km=0, debrief_note=NOTE, call_back=True
    )
    visitor = Visitor(browser, live_server, "call-back", language="de")
    visitor.page.set_viewport_size(PHONE)
    visitor.sign_in("ki")

    visitor.go("/coordinator/work/")
    entry = visitor.page.locator("li.call-back")
    assert "Amal Haddad" in entry.inner_text() and NOTE in entry.inner_text()
    violations = visitor.axe_violations("worklist-call-back")
    visitor.go(f"/coordinator/bookings/{booking.pk}/")
    assert NOTE in visitor.page.locator("#debrief").inner_text()
    violations += visitor.axe_violations("booking-debrief")

    visitor.go("/coordinator/work/")
    tap_and_wait(visitor, "li.call-back button[type=submit]")

    assert visitor.page.locator("li.call-back").count() == 0
    assert Report.objects.get(booking=booking).call_back_done_at is not None
    assert violations == [], readable(violations)
    assert visitor.csp_violations() == []
    visitor.context.close()
