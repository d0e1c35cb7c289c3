"""In a real browser (Debian's Chromium), at 360 px and at desktop width, with axe-core
(WCAG 2 A/AA), no Content-Security-Policy violation and no other host: the coordinator widens
an unfilled booking to a pool that helps on request, with a reason; declares a conflict of
interest after the confirmation says what it releases; and lifts it again with a reason."""

import datetime

import pytest
from django.utils import timezone

from bookings.constants import Status
from bookings.models import BookingEvent
from mediators.models import ConflictOfInterest, Mediator
from tests.bookings.matching.scenario import AACHEN, VIERSEN, make_booking, make_mediator
from tests.institutions.factories import PoolFactory

from .browser import DESKTOP, PHONE, Visitor
from .conftest import BERLIN

WIDTHS = pytest.mark.parametrize("size", [PHONE, DESKTOP], ids=["360", "desktop"])


def at(days: int, hour: int = 10) -> datetime.datetime:
    day = (timezone.now().astimezone(BERLIN) + datetime.timedelta(days=days)).date()
    return datetime.datetime.combine(day, datetime.time(hour, 0), tzinfo=BERLIN)


def coordinator_tab(browser, live_server, size, name) -> Visitor:
    ki = Visitor(browser, live_server, f"{name}-{size['width']}", language="en")
    ki.sign_in("ki")
    ki.page.set_viewport_size(size)
    return ki


def click_and_wait(visitor: Visitor, selector: str) -> None:
    with visitor.page.expect_navigation():
        visitor.page.click(selector)
    visitor.page.wait_for_load_state("networkidle")
    visitor.collect_violations()


def finish(visitor: Visitor) -> None:
    assert visitor.csp_violations() == []
    assert visitor.other_hosts() == set()
    visitor.context.close()


@WIDTHS
def test_the_coordinator_widens_an_unfilled_booking_with_a_reason(
    browser, live_server, pool_with_people, size
):
    amal = pool_with_people["mediator"]
    Mediator.objects.filter(pk=amal.pk).update(
        home_latitude=AACHEN[0], home_longitude=AACHEN[1], max_travel_km=30
    )
    krefeld = PoolFactory(name="KI Krefeld")
    krefeld.helps_on_request.add(amal.pool)
    make_mediator(krefeld, home=VIERSEN, language=pool_with_people["arabic"])
    booking = make_booking(
        amal.pool,
        language=pool_with_people["arabic"],
        starts_at=at(10),
        place=VIERSEN,
        status=Status.UNFILLED,
    )
    ki = coordinator_tab(browser, live_server, size, "widen")
    ki.go(f"/coordinator/bookings/{booking.pk}/")

    assert "KI Krefeld" in ki.page.inner_text("form.widen")
    assert ki.axe_violations("widen-form") == []
    ki.page.fill(f"#widen-reason-{krefeld.pk}", "Krefeld hat eine Sprecherin in Viersen")
    click_and_wait(ki, "form.widen button[type=submit]")

    assert list(booking.widened_to.all()) == [krefeld]
    event = BookingEvent.objects.get(booking=booking, data__widened_to__pool_id=krefeld.pk)
    assert event.reason == "Krefeld hat eine Sprecherin in Viersen"
    assert "KI Krefeld" in ki.page.inner_text("main")
    assert ki.axe_violations("widened") == []
    finish(ki)


@WIDTHS
def test_the_coordinator_declares_a_conflict_after_confirming_and_lifts_it_with_a_reason(
    browser, live_server, pool_with_people, size
):
    amal = pool_with_people["mediator"]
    institution = pool_with_people["staff"].institution
    booking = make_booking(
        amal.pool, institution=institution, starts_at=at(12), case_reference="JA-2027-11"
    )
    held = make_booking(
        amal.pool,
        institution=institution,
        starts_at=at(14),
        case_reference="JA-2027-11",
        status=Status.CONFIRMED,
        mediator=amal,
        language=pool_with_people["arabic"],
    )
    ki = coordinator_tab(browser, live_server, size, "conflict")
    ki.go(f"/coordinator/bookings/{booking.pk}/")

    ki.page.select_option("#conflicts select[name=mediator]", str(amal.pk))
    ki.page.fill("#conflicts input[name=reason]", "Nachbarin der Familie")
    click_and_wait(ki, "#conflicts form.stack button[type=submit]")

    # The confirmation says what will happen; nothing is done yet.
    consequences = " ".join(ki.page.inner_text("[data-testid=consequences]").split())
    # (the coordinator reads German, their language)
    assert "wird von 1 bestätigten Buchung dieses Falls entbunden" in consequences
    assert not ConflictOfInterest.objects.exists()
    assert ki.axe_violations("conflict-confirm") == []
    click_and_wait(ki, "main form button[type=submit]")

    conflict = ConflictOfInterest.objects.get()
    assert (conflict.mediator, conflict.reason) == (amal, "Nachbarin der Familie")
    held.refresh_from_db()
    assert held.mediator is None
    assert ki.axe_violations("conflict-declared") == []

    ki.page.fill(f"#lift-reason-{conflict.pk}", "Familie ist verzogen")
    click_and_wait(ki, f"form:has(#lift-reason-{conflict.pk}) button[type=submit]")

    conflict.refresh_from_db()
    assert conflict.lifted_at is not None
    assert conflict.lift_reason == "Familie ist verzogen"
    assert f"lift-reason-{conflict.pk}" not in ki.page.content()
    assert ki.axe_violations("conflict-lifted") == []
    finish(ki)
