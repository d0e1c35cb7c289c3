"""Accessibility in a real browser, under the site's Content-Security-Policy (no page of any
role reports a violation): axe-core checks the main pages of every role (the mediator's in
Arabic and in Farsi, right to left), the sign-in and password pages and forms showing errors
against the WCAG 2 A/AA rules, colour contrast included, at phone and at desktop width. An
institution files a request and a mediator accepts an offer with the keyboard alone; every Tab
stop shows a focus ring with 3:1 contrast. Errors are announced next to their field. No page
loads anything from another host."""

import datetime

import pytest
from django import forms
from django.contrib.auth.tokens import default_token_generator
from django.utils import timezone, translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from bookings.constants import Mode, Status
from bookings.models import Booking
from bookings.planner.services import plan_create
from bookings.services import report_submit
from mediators.models import AvailabilitySlot
from tests.bookings.factories import BookingFactory, OfferFactory

from .browser import PASSWORD, PHONE, Visitor
from .conftest import BERLIN


def at_ten(days: int) -> datetime.datetime:
    day = (timezone.now().astimezone(BERLIN) + datetime.timedelta(days=days)).date()
    return datetime.datetime.combine(day, datetime.time(10, 0), tzinfo=BERLIN)


@pytest.fixture
def bookings(pool_with_people):
    """Bookings in every state the pages show, and a plan of the open requests."""
    staff, mediator = pool_with_people["staff"], pool_with_people["mediator"]
    common = {
        "institution": staff.institution,
        "language": pool_with_people["arabic"],
        "requested_by": staff.user,
    }
    made = {
        "requested": BookingFactory(**common, status=Status.REQUESTED, starts_at=at_ten(9)),
        "offered": BookingFactory(**common, status=Status.OFFERED, starts_at=at_ten(10)),
        "unfilled": BookingFactory(**common, status=Status.UNFILLED, starts_at=at_ten(3)),
        "approval": BookingFactory(**common, status=Status.AWAITING_APPROVAL, starts_at=at_ten(4)),
        "cancelled": BookingFactory(**common, status=Status.CANCELLED, starts_at=at_ten(5)),
        "confirmed": BookingFactory(
            **common, status=Status.CONFIRMED, mediator=mediator, starts_at=at_ten(12)
        ),
        "report_due": BookingFactory(
            **common, status=Status.CONFIRMED, mediator=mediator, starts_at=at_ten(-2)
        ),
        "reported": BookingFactory(
            **common, status=Status.CONFIRMED, mediator=mediator, starts_at=at_ten(-3)
        ),
    }
    OfferFactory(booking=made["offered"], mediator=mediator)
    report_submit(booking=made["reported"], actor=mediator.user, actual_minutes=60, travel_km=12)
    today = timezone.now().astimezone(BERLIN).date()
    made["plan"] = plan_create(
        pool=staff.institution.pool,
        starts_on=today,
        ends_on=today + datetime.timedelta(days=13),
        actor=pool_with_people["coordinator"].user,
        seconds=0.5,
    )
    return made


def axe_check(visitor: Visitor, pages: list[tuple[str, str]]) -> list[str]:
    violations = []
    for label, path in pages:
        visitor.go(path)
        violations += visitor.axe_violations(label)
    return violations


def submit(visitor: Visitor, form: str):
    with visitor.page.expect_navigation():
        visitor.page.click(f"{form} button[type=submit]")
    visitor.page.wait_for_load_state("networkidle")


def axe_check_errors(visitor: Visitor, path: str, form: str, label: str) -> list[str]:
    """Send the form as it is (empty or as filled in) and check the page with its errors."""
    submit(visitor, form)
    assert visitor.page.is_visible("#error-summary[role=alert]"), f"{label} shows no error"
    return visitor.axe_violations(label)


def readable(violations: list[str]) -> str:
    return "axe-core finds WCAG 2 A/AA violations:\n" + "\n".join(violations)


def test_the_sign_in_and_password_pages_meet_wcag_aa(browser, live_server, pool_with_people):
    user = pool_with_people["staff"].user
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    visitor = Visitor(browser, live_server, "anonymous")

    violations = axe_check(
        visitor,
        [
            ("sign-in", "/accounts/login/"),
            ("password-reset", "/accounts/password_reset/"),
            ("password-reset-done", "/accounts/password_reset/done/"),
            ("set-password", f"/accounts/set-password/{uid}/{token}/"),
        ],
    )
    visitor.go("/accounts/login/")
    visitor.page.fill("#id_username", "schule")
    visitor.page.fill("#id_password", "not the password")
    violations += axe_check_errors(visitor, "/accounts/login/", "main form", "sign-in-refused")

    assert violations == [], readable(violations)
    assert visitor.csp_violations() == []
    assert visitor.page.get_attribute("html", "lang") == "de"
    assert visitor.other_hosts() == set()
    visitor.context.close()


def test_the_institution_pages_meet_wcag_aa(browser, live_server, pool_with_people, bookings):
    visitor = Visitor(browser, live_server, "institution")
    visitor.sign_in("schule")

    violations = axe_check(
        visitor,
        [
            ("request", "/institution/request/"),
            ("bookings", "/institution/bookings/"),
            ("booking", f"/institution/bookings/{bookings['confirmed'].pk}/"),
            ("report-review", f"/institution/bookings/{bookings['reported'].pk}/"),
            ("calendar-feed", "/institution/calendar-feed/"),
        ],
    )
    visitor.go("/institution/request/")
    violations += axe_check_errors(visitor, "", "#request-form", "request-errors")

    assert violations == [], readable(violations)
    assert visitor.csp_violations() == []
    assert visitor.other_hosts() == set()
    visitor.context.close()


@pytest.mark.parametrize("language", ["ar", "fa"])
def test_the_mediator_pages_right_to_left_meet_wcag_aa(
    browser, live_server, pool_with_people, bookings, language
):
    mediator = pool_with_people["mediator"]
    mediator.language = language  # the pages follow the language of her profile
    mediator.save(update_fields=["language"])
    visitor = Visitor(browser, live_server, f"mediator-{language}", language=language)
    visitor.sign_in("amal")
    visitor.go("/mediator/offers/")
    assert visitor.page.get_attribute("html", "dir") == "rtl"
    assert visitor.page.get_attribute("html", "lang") == language

    violations = axe_check(
        visitor,
        [
            ("offers", "/mediator/offers/"),
            ("assignments", "/mediator/assignments/"),
            ("booking", f"/mediator/bookings/{bookings['confirmed'].pk}/"),
            ("report", f"/mediator/bookings/{bookings['report_due'].pk}/"),
            ("absences", "/mediator/absences/"),
            ("profile", "/mediator/profile/"),
            ("statement", "/mediator/statement/"),
            ("calendar-feed", "/mediator/calendar-feed/"),
        ],
    )
    # A message after a change, and a form with its errors.
    visitor.go("/mediator/availability/")
    visitor.page.select_option("#id_weekday", "6")
    visitor.page.fill("#id_start_time", "18:00")
    visitor.page.fill("#id_end_time", "20:00")
    submit(visitor, "main form.stack")
    assert visitor.page.is_visible(".messages[role=status]")
    violations += visitor.axe_violations("availability")
    visitor.go("/mediator/absences/")
    violations += axe_check_errors(visitor, "", "main form.stack", "absence-errors")

    assert violations == [], readable(violations)
    assert visitor.csp_violations() == []
    assert visitor.other_hosts() == set()
    visitor.context.close()


def test_the_coordinator_pages_and_the_statistics_meet_wcag_aa(
    browser, live_server, pool_with_people, bookings
):
    visitor = Visitor(browser, live_server, "coordinator")
    visitor.sign_in("ki")
    mediator = pool_with_people["mediator"]
    day = timezone.now().astimezone(BERLIN).date()

    violations = axe_check(
        visitor,
        [
            ("worklist", "/coordinator/work/"),
            ("bookings", "/coordinator/bookings/"),
            ("candidates", f"/coordinator/bookings/{bookings['requested'].pk}/"),
            ("approval", f"/coordinator/bookings/{bookings['approval'].pk}/"),
            ("planner", "/coordinator/planner/"),
            ("plan", f"/coordinator/plans/{bookings['plan'].pk}/"),
            ("mediators", "/coordinator/mediators/"),
            ("mediator", f"/coordinator/mediators/{mediator.pk}/"),
            ("onboarding", "/coordinator/mediators/new/"),
            (
                "statistics",
                f"/coordinator/statistics/?from={day - datetime.timedelta(days=30)}"
                f"&to={day + datetime.timedelta(days=30)}",
            ),
        ],
    )
    assert visitor.page.evaluate("document.getElementById('chart-by_month').chart !== undefined")
    visitor.go("/coordinator/mediators/new/")
    violations += axe_check_errors(visitor, "", "main form.stack", "onboarding-errors")

    assert violations == [], readable(violations)
    assert visitor.csp_violations() == []
    assert visitor.other_hosts() == set()
    visitor.context.close()


def test_an_institution_files_a_request_with_the_keyboard_alone(
    browser, live_server, pool_with_people
):
    # The date field takes its order of day and month from the browser's own locale: on a
    # day like the 12th of December both orders type the same.
    day = (timezone.now().astimezone(BERLIN) + datetime.timedelta(days=3)).date()
    while day.day != day.month:
        day += datetime.timedelta(days=1)
    visitor = Visitor(browser, live_server, "keyboard")

    # Sign in: the user name has the focus, Tab to the password, Enter.
    visitor.go("/accounts/login/")
    assert visitor.focused()["id"] == "id_username"
    visitor.page.keyboard.type("schule")
    visitor.tab_to("#id_password")
    visitor.page.keyboard.type(PASSWORD)
    with visitor.page.expect_navigation():
        visitor.page.keyboard.press("Enter")
    visitor.page.wait_for_load_state("networkidle")
    assert visitor.page.url.endswith("/institution/bookings/")

    # Through the navigation to the request form (the ring is white on the blue header).
    link = visitor.tab_to("nav a[href='/institution/request/']")
    assert link["outline"] >= 2
    with visitor.page.expect_navigation():
        visitor.page.keyboard.press("Enter")
    visitor.page.wait_for_load_state("networkidle")

    # Search the language, then choose it in the list.
    visitor.tab_to("#language-search")
    visitor.page.keyboard.type("Arab")
    visitor.tab_to("#id_language")
    visitor.arrow_to(str(pool_with_people["arabic"].pk))
    visitor.tab_to("#id_date")
    visitor.page.keyboard.type(day.strftime("%d%m%Y"))
    assert visitor.page.input_value("#id_date") == day.isoformat()
    visitor.tab_to("#id_time")
    visitor.page.keyboard.type("1030A")  # "A" for a.m. where the browser counts 12 hours
    assert visitor.page.input_value("#id_time") == "10:30"
    visitor.tab_to("input[name=mode]:checked")  # on site, as proposed
    visitor.tab_to("#id_location")
    visitor.arrow_to(str(pool_with_people["staff"].institution.locations.get().pk))
    visitor.tab_to("#id_field")
    visitor.arrow_to("school")
    # The rare fields wait under "More": opened with Enter on its summary.
    visitor.tab_to("#group-more > summary")
    visitor.page.keyboard.press("Enter")
    visitor.tab_to("#id_sensitive")
    visitor.page.keyboard.press("Space")
    # One field too far: back with Shift+Tab to the case reference.
    visitor.tab_to("#request-form button[type=submit]")
    visitor.tab_to("#id_case_reference", backwards=True)
    visitor.page.keyboard.type("FALL-2026-18")
    visitor.tab_to("#request-form button[type=submit]")
    with visitor.page.expect_navigation():
        visitor.page.keyboard.press("Enter")
    visitor.page.wait_for_load_state("networkidle")

    booking = Booking.objects.get()
    assert visitor.page.url.endswith(f"/institution/bookings/{booking.pk}/")
    assert booking.language == pool_with_people["arabic"]
    assert booking.starts_at == datetime.datetime.combine(day, datetime.time(10, 30), tzinfo=BERLIN)
    assert (booking.mode, booking.field, booking.sensitive) == (Mode.ON_SITE, "school", True)
    assert booking.case_reference == "FALL-2026-18"
    assert visitor.page.is_visible(".messages[role=status]")
    assert visitor.other_hosts() == set()
    visitor.context.close()


def test_every_tab_stop_shows_its_focus_on_a_phone_and_in_arabic(
    browser, live_server, pool_with_people, bookings
):
    coordinator = Visitor(browser, live_server, "coordinator-tabs")
    coordinator.sign_in("ki")
    coordinator.page.set_viewport_size(PHONE)
    coordinator.go("/coordinator/statistics/")
    stops = coordinator.tab_through()
    # Each table that scrolls sideways on a phone is a stop of its own.
    assert sum(stop["tag"] == "div" for stop in stops) >= 5
    coordinator.context.close()

    # The mediator accepts the offer on the Arabic page with the keyboard alone.
    mediator = Visitor(browser, live_server, "mediator-tabs", language="ar")
    mediator.sign_in("amal")
    mediator.go("/mediator/offers/")
    mediator.tab_through()
    mediator.tab_to("form[action*='/accept/'] button")
    with mediator.page.expect_navigation():
        mediator.page.keyboard.press("Space")
    mediator.page.wait_for_load_state("networkidle")

    bookings["offered"].refresh_from_db()
    assert bookings["offered"].status == Status.CONFIRMED
    assert bookings["offered"].mediator == pool_with_people["mediator"]
    assert mediator.other_hosts() == set()
    mediator.context.close()


def error_of(visitor: Visitor, field_id: str) -> dict:
    """How a field presents its error to assistive technology."""
    return visitor.page.evaluate(
        """id => {
          const input = document.getElementById(id);
          const described = (input.getAttribute("aria-describedby") || "").split(" ");
          const error = document.getElementById(id + "_error");
          return {
            invalid: input.getAttribute("aria-invalid"),
            describedBy: described,
            error: error ? error.innerText.trim() : null,
            sameField: !!error && error.closest(".field") === input.closest(".field"),
          };
        }""",
        field_id,
    )


def test_errors_of_the_request_form_are_announced_next_to_their_field(
    browser, live_server, pool_with_people
):
    visitor = Visitor(browser, live_server, "institution-errors")
    visitor.sign_in("schule")
    visitor.go("/institution/request/")
    visitor.page.fill("#id_time", "10:00")

    submit(visitor, "#request-form")
    with translation.override("de"):
        required = str(forms.Field.default_error_messages["required"])

    # The summary is announced and takes the focus; each entry leads to its field.
    assert visitor.focused()["id"] == "error-summary"
    assert visitor.page.get_attribute("#error-summary", "role") == "alert"
    for field_id in ("id_language", "id_date"):
        error = error_of(visitor, field_id)
        assert error["invalid"] == "true"
        assert f"{field_id}_error" in error["describedBy"]
        assert error["error"] == required
        assert error["sameField"], f"the error of {field_id} is not next to it"
    time = error_of(visitor, "id_time")
    assert time["invalid"] is None and time["error"] is None
    assert time["describedBy"] == ["id_time_helptext"]
    visitor.tab_to("#error-summary a[href='#id_date']")
    visitor.page.keyboard.press("Enter")
    assert visitor.focused()["id"] == "id_date"
    assert Booking.objects.count() == 0
    visitor.context.close()


def test_a_rule_broken_on_the_availability_form_is_announced_next_to_its_field(
    browser, live_server, pool_with_people
):
    visitor = Visitor(browser, live_server, "mediator-errors", language="ar")
    visitor.sign_in("amal")
    visitor.go("/mediator/availability/")
    slots = AvailabilitySlot.objects.count()
    visitor.page.fill("#id_start_time", "18:00")
    visitor.page.fill("#id_end_time", "17:00")

    submit(visitor, "main form.stack")

    assert visitor.focused()["id"] == "error-summary"
    end = error_of(visitor, "id_end_time")
    assert end["invalid"] == "true"
    assert "id_end_time_error" in end["describedBy"]
    assert end["error"]  # the service's message, in Arabic where translated
    assert end["sameField"]
    assert error_of(visitor, "id_start_time")["invalid"] is None
    assert AvailabilitySlot.objects.count() == slots
    visitor.context.close()
