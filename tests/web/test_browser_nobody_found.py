"""A coordinator's journey in a real browser (Debian's Chromium) when nobody is found: the
unfilled booking shows the near misses with their reasons; the coordinator asks one of them
anyway; the page then shows who was asked and until when. axe-core (WCAG 2 A/AA) at phone
(360 px) and desktop width, no Content-Security-Policy violation, no other host."""

import datetime

from django.utils import timezone

from bookings.constants import OfferStatus, Status
from bookings.models import Offer
from mediators.models import Mediator
from tests.bookings.matching.scenario import AACHEN, VIERSEN, make_booking

from .browser import Visitor
from .conftest import BERLIN


def test_a_coordinator_sees_the_near_misses_and_asks_one_anyway(
    browser, live_server, pool_with_people
):
    amal = pool_with_people["mediator"]
    Mediator.objects.filter(pk=amal.pk).update(
        home_latitude=AACHEN[0], home_longitude=AACHEN[1], max_travel_km=30
    )
    day = (timezone.now().astimezone(BERLIN) + datetime.timedelta(days=10)).date()
    starts_at = datetime.datetime.combine(day, datetime.time(10), tzinfo=BERLIN)
    booking = make_booking(
        amal.pool,
        language=pool_with_people["arabic"],
        starts_at=starts_at,
        place=VIERSEN,
        status=Status.UNFILLED,
    )

    ki = Visitor(browser, live_server, "coordinator-nobody-found")
    ki.sign_in("ki")
    ki.go(f"/coordinator/bookings/{booking.pk}/")

    near_misses = ki.page.inner_text("table.near-misses")
    assert "Amal Haddad" in near_misses
    assert "außerhalb des Radius von 30 km" in near_misses
    assert ki.axe_violations("near-misses") == []
    ki.shoot("near-misses")

    ki.page.fill(f"#ask-reason-{amal.pk}", "Sie fährt an diesem Tag ohnehin nach Viersen")
    with ki.page.expect_navigation():
        ki.page.click(f"form.ask-anyway:has(#ask-reason-{amal.pk}) button[type=submit]")
    ki.page.wait_for_load_state("networkidle")

    offer = Offer.objects.get(booking=booking, mediator=amal)
    assert offer.status == OfferStatus.PENDING
    assert offer.override.waived_rules == ["travel_range"]
    assert offer.override.reason == "Sie fährt an diesem Tag ohnehin nach Viersen"
    asked = ki.page.inner_text("table.offers")
    assert "Amal Haddad" in asked and "trotzdem gefragt" in asked
    assert ki.axe_violations("asked") == []
    ki.shoot("asked")

    assert ki.csp_violations() == []
    assert ki.other_hosts() == set()
    ki.context.close()
