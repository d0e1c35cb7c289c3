"""A series in a real browser (Debian's Chromium), at phone width and at desktop: the school
asks for a weekly series, sees the dates, leaves one out, sends; the booking page lists the
dates of the series; the series is cancelled from a date on after a confirmation page. axe
finds no WCAG 2 A/AA violation on the new pages; the pages report no CSP violation."""

import datetime

import pytest
from django.utils import timezone

from bookings.constants import Status
from bookings.models import BookingSeries

from .browser import DESKTOP, PHONE, Visitor
from .conftest import BERLIN


@pytest.mark.parametrize("size", [PHONE, DESKTOP], ids=["360", "desktop"])
def test_a_weekly_series_from_request_to_cancelling_from_a_date(
    browser, live_server, pool_with_people, size
):
    first = (timezone.now().astimezone(BERLIN) + datetime.timedelta(days=10)).date()
    school = Visitor(browser, live_server, f"series-{size['width']}")
    school.page.set_viewport_size(size)
    school.sign_in("schule")
    school.go("/institution/request/")
    school.page.set_viewport_size(size)
    school.page.select_option("#id_language", value=str(pool_with_people["arabic"].pk))
    school.page.fill("#id_date", first.isoformat())
    school.page.fill("#id_time", "08:00")
    school.page.select_option("#id_location", index=1)
    school.page.select_option("#id_field", "school")
    school.page.check("#id_series-repeat")
    school.page.select_option("#id_series-interval_weeks", "1")
    school.page.fill("#id_series-count", "4")
    violations = school.axe_violations("request with series")
    school.page.set_viewport_size(size)
    school.page.click("#request-form button[type=submit]")
    school.page.wait_for_load_state("networkidle")

    # The dates, to leave one out (the second: a holiday).
    boxes = school.page.locator("#series-preview input[name='series-keep']")
    assert boxes.count() == 4
    violations += school.axe_violations("series dates")
    school.page.set_viewport_size(size)
    boxes.nth(1).uncheck()
    school.page.click("#series-preview button[type=submit]")
    school.page.wait_for_load_state("networkidle")

    series = BookingSeries.objects.get()
    dates = list(series.bookings.order_by("starts_at"))
    assert [timezone.localtime(b.starts_at).date() for b in dates] == [
        first, first + datetime.timedelta(weeks=2), first + datetime.timedelta(weeks=3)
    ]  # fmt: skip
    assert {timezone.localtime(b.starts_at).strftime("%H:%M") for b in dates} == {"08:00"}
    assert school.page.url.endswith(f"/institution/bookings/{dates[0].pk}/")
    listed = school.page.locator("[data-testid='series-dates'] li")
    assert listed.count() == 3
    violations += school.axe_violations("booking in a series")

    # From the second date's page: cancel the series from there on.
    school.page.set_viewport_size(size)
    school.page.click(f"[data-testid='series-dates'] a[href$='/bookings/{dates[1].pk}/']")
    school.page.wait_for_load_state("networkidle")
    school.page.click("#series a.button--danger")
    school.page.wait_for_load_state("networkidle")
    summary = school.page.inner_text("[data-testid='consequences']")
    assert "2 Termine" in summary, summary
    violations += school.axe_violations("cancel series")
    school.page.set_viewport_size(size)
    school.page.fill("#id_reason", "Die Familie ist umgezogen")
    school.page.click("main form button[type=submit]")
    school.page.wait_for_load_state("networkidle")

    statuses = [b.status for b in series.bookings.order_by("starts_at")]
    assert statuses[0] != Status.CANCELLED
    assert statuses[1:] == [Status.CANCELLED, Status.CANCELLED]
    assert school.page.locator("[data-testid='series-dates'] .status--cancelled").count() == 2
    assert violations == []
    assert school.csp_violations() == []
