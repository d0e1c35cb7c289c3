"""In a real browser at 360 px: no table hides its key column (the booking list's status,
the plan's mediator, the statement's amounts, the statistics' figures: the tables become
stacked cards); the confirmation pages, the error pages and the statistics meet WCAG 2 A/AA
at phone and desktop width, under the strict Content-Security-Policy."""

import datetime

from django.utils import timezone

from bookings.constants import AllowanceKind
from bookings.models import Allowance

from .browser import DESKTOP, PHONE, Visitor
from .conftest import BERLIN
from .test_accessibility import bookings, readable  # noqa: F401  (the fixture)

BOXES_JS = """selector => [...document.querySelectorAll(selector)].map(element => {
  const box = element.getBoundingClientRect();
  return {left: box.left, right: box.right, width: box.width, text: element.innerText};
})"""


def cells_within_the_screen(visitor: Visitor, path: str, selector: str) -> list[str]:
    """The cells matching ``selector`` that lie (partly) outside a 360 px wide screen or are
    not drawn at all."""
    visitor.page.set_viewport_size(PHONE)
    visitor.go(path)
    boxes = visitor.page.evaluate(BOXES_JS, selector)
    assert boxes, (
        f"no cell {selector} on {path} (at {visitor.page.url}): "
        f"{visitor.page.inner_text('main')[:600]!r}"
    )
    visitor.page.set_viewport_size(DESKTOP)
    return [
        f"{path} {selector}: {box}"
        for box in boxes
        if box["width"] <= 0 or box["left"] < 0 or box["right"] > PHONE["width"]
    ]


def test_on_a_phone_no_table_hides_its_key_column(browser, live_server, pool_with_people, bookings):  # noqa: F811
    mediator = pool_with_people["mediator"]
    today = timezone.now().astimezone(BERLIN).date()
    Allowance.objects.create(
        mediator=mediator,
        booking=bookings["reported"],
        kind=AllowanceKind.APPOINTMENT,
        day=today,
        amount_cents=123456,
    )
    period = f"from={today - datetime.timedelta(days=30)}&to={today + datetime.timedelta(days=30)}"
    coordinator = Visitor(browser, live_server, "coordinator-phone")
    coordinator.sign_in("ki")
    amal = Visitor(browser, live_server, "mediator-phone", language="ar")
    amal.sign_in("amal")

    outside = cells_within_the_screen(
        coordinator, "/coordinator/bookings/", "table.stacked tbody td:nth-child(4)"
    )
    outside += cells_within_the_screen(
        coordinator,
        f"/coordinator/plans/{bookings['plan'].pk}/",
        "table.stacked tbody td:nth-child(4)",
    )
    outside += cells_within_the_screen(
        coordinator, f"/coordinator/statistics/?{period}", "#table-by_month td.num"
    )
    outside += cells_within_the_screen(
        amal, f"/mediator/statement/?month={today:%Y-%m}", "table.stacked td.num"
    )

    assert outside == []
    for visitor in (coordinator, amal):
        assert visitor.csp_violations() == []
        visitor.context.close()


def test_confirmations_error_pages_and_statistics_meet_wcag_aa(
    browser,
    live_server,
    pool_with_people,
    bookings,  # noqa: F811
):
    mediator = pool_with_people["mediator"]
    today = timezone.now().astimezone(BERLIN).date()
    coordinator = Visitor(browser, live_server, "coordinator-confirm", language="en")
    coordinator.sign_in("ki")
    school = Visitor(browser, live_server, "institution-confirm")
    school.sign_in("schule")
    violations = []

    for label, path in (
        (
            "assign",
            f"/coordinator/bookings/{bookings['requested'].pk}/assign/?mediator={mediator.pk}",
        ),
        ("cancel", f"/coordinator/bookings/{bookings['confirmed'].pk}/cancel/"),
        ("apply-plan", f"/coordinator/plans/{bookings['plan'].pk}/apply/"),
        ("not-found", "/no-such-page/"),
        (
            "empty-statistics",
            f"/coordinator/statistics/?from={today.year - 3}-01-01&to={today.year - 3}-01-31",
        ),
    ):
        coordinator.go(path)
        assert coordinator.page.locator("main h1").count() == 1, label
        violations += coordinator.axe_violations(label)
    assert coordinator.page.locator("[data-testid=chart-empty-by_month]").is_visible()
    for label, path in (
        ("new-feed-address", "/institution/calendar-feed/?new=1"),
        ("forbidden", "/coordinator/work/"),
        ("cancel", f"/institution/bookings/{bookings['confirmed'].pk}/cancel/"),
    ):
        school.go(path)
        violations += school.axe_violations(label)

    # The confirmation's POST does it: a new feed address, without any script.
    school.go("/institution/calendar-feed/")
    before = school.page.input_value("#feed-url")
    school.go("/institution/calendar-feed/?new=1")
    with school.page.expect_navigation():
        school.page.click("main form button[type=submit]")
    assert school.page.input_value("#feed-url") != before

    assert violations == [], readable(violations)
    for visitor in (coordinator, school):
        assert visitor.csp_violations() == []
        assert visitor.other_hosts() == set()
        visitor.context.close()
