"""On a phone (360 px) the header is one row: the name and a menu button behind which the
language switch and the navigation fold (static/js/app.js), reachable with the keyboard and
clean under axe-core in German, Arabic and Farsi; at desktop width everything shows as
before, for every role. The offer page answers the offer and leads back to the offers."""

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from bookings.constants import OfferStatus, Status
from bookings.models import Booking, Offer
from tests.bookings.factories import BookingFactory, OfferFactory

from .browser import PHONE, Visitor
from .test_accessibility import at_ten, readable

LARGE_DESKTOP = {"width": 1366, "height": 900}
MOST_HEADER_HEIGHT = 64  # px at 360 px wide: one row
HEADER_JS = """() => {
  const header = document.querySelector(".site-header").getBoundingClientRect();
  const links = [...document.querySelectorAll(".site-nav a, .site-nav button")];
  const shown = element => element.getClientRects().length > 0;
  return {
    height: header.height,
    button: shown(document.querySelector(".menu-button")),
    expanded: document.querySelector(".menu-button").getAttribute("aria-expanded"),
    links: links.length,
    linksShown: links.filter(shown).length,
    languageShown: shown(document.querySelector(".language-switch")),
  };
}"""


def signed_in(browser, live_server, username: str, language: str, name: str) -> Visitor:
    visitor = Visitor(browser, live_server, name, language=language)
    visitor.context.add_cookies(
        [{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": live_server.url}]
    )
    visitor.sign_in(username)
    return visitor


def header_at(visitor: Visitor, size: dict) -> dict:
    visitor.page.set_viewport_size(size)
    return visitor.page.evaluate(HEADER_JS)


@pytest.mark.parametrize("language", ["de", "ar", "fa"])
def test_on_a_phone_the_mediator_header_is_one_row_with_a_menu_everyone_can_reach(
    browser, live_server, pool_with_people, language
):
    amal = signed_in(browser, live_server, "amal", language, f"header-{language}")
    amal.go(reverse("web:mediator-assignments"))
    closed = header_at(amal, PHONE)
    violations = amal.axe_violations("menu-closed")
    amal.page.set_viewport_size(PHONE)

    # With the keyboard alone: to the menu button, open it, on to the profile link.
    amal.page.evaluate("document.activeElement && document.activeElement.blur()")
    amal.tab_to(".menu-button")
    amal.page.keyboard.press("Enter")
    opened = header_at(amal, PHONE)
    amal.tab_to(f".site-nav a[href='{reverse('web:mediator-profile')}']")
    violations += amal.axe_violations("menu-open")
    amal.page.set_viewport_size(PHONE)
    amal.page.keyboard.press("Escape")
    after_escape = header_at(amal, PHONE)
    focus_after_escape = amal.page.evaluate("document.activeElement.className")
    desktop = header_at(amal, LARGE_DESKTOP)

    assert closed["height"] <= MOST_HEADER_HEIGHT, closed
    assert closed["button"] and closed["expanded"] == "false"
    assert closed["linksShown"] == 0 and not closed["languageShown"]
    assert opened["expanded"] == "true"
    assert opened["linksShown"] == opened["links"] >= 9  # 7 places, data, two-factor, sign out
    assert opened["languageShown"]
    assert after_escape["expanded"] == "false" and after_escape["linksShown"] == 0
    assert focus_after_escape == "menu-button"
    assert not desktop["button"] and desktop["linksShown"] == desktop["links"]
    assert desktop["languageShown"]
    assert violations == [], readable(violations)
    assert amal.csp_violations() == []
    amal.context.close()


def test_the_staff_and_coordinator_headers_are_one_row_on_a_phone_and_whole_on_a_desktop(
    browser, live_server, pool_with_people
):
    found = {}
    for username, path in (
        ("schule", reverse("web:institution-bookings")),
        ("ki", reverse("web:coordinator-worklist")),
    ):
        visitor = signed_in(browser, live_server, username, "de", f"header-{username}")
        visitor.go(path)
        phone = header_at(visitor, PHONE)
        visitor.page.click(".menu-button")
        opened = header_at(visitor, PHONE)
        desktop = header_at(visitor, LARGE_DESKTOP)
        found[username] = (phone, opened, desktop)
        assert visitor.csp_violations() == []
        visitor.context.close()
    anonymous = Visitor(browser, live_server, "header-anonymous")
    anonymous.go(reverse("login"))
    signed_out = header_at(anonymous, PHONE)
    anonymous.context.close()

    for phone, opened, desktop in found.values():
        assert phone["height"] <= MOST_HEADER_HEIGHT, phone
        assert phone["linksShown"] == 0
        assert opened["linksShown"] == opened["links"] > 0
        assert not desktop["button"] and desktop["linksShown"] == desktop["links"]
    assert signed_out["height"] <= MOST_HEADER_HEIGHT, signed_out
    assert signed_out["links"] == 0 and not signed_out["languageShown"]


@pytest.fixture
def two_offers(pool_with_people):
    staff, amal = pool_with_people["staff"], pool_with_people["mediator"]
    common = {
        "institution": staff.institution,
        "language": pool_with_people["arabic"],
        "requested_by": staff.user,
        "status": Status.OFFERED,
    }
    return [
        OfferFactory(booking=BookingFactory(**common, starts_at=at_ten(days)), mediator=amal)
        for days in (7, 9)
    ]


def test_on_a_phone_the_offer_page_answers_the_offer_and_leads_back_to_the_offers(
    browser, live_server, pool_with_people, two_offers
):
    first, second = two_offers
    amal = signed_in(browser, live_server, "amal", "ar", "offer-page")
    amal.page.set_viewport_size(PHONE)
    amal.go(reverse("web:mediator-offers"))
    with amal.page.expect_navigation():
        amal.page.click(f"a[href='{reverse('web:mediator-offer', args=[first.pk])}']")
    on_offer_page = amal.page.url
    buttons = amal.page.locator("main .offer-answer button").all_inner_texts()
    violations = amal.axe_violations("offer-page")
    amal.page.set_viewport_size(PHONE)

    with amal.page.expect_navigation():
        amal.page.click("main .offer-answer form[action$='/decline/'] button")
    after_decline = amal.page.url
    first_still_listed = amal.page.locator(
        f"a[href='{reverse('web:mediator-offer', args=[first.pk])}']"
    ).count()
    second_listed = amal.page.locator(
        f"a[href='{reverse('web:mediator-offer', args=[second.pk])}']"
    ).count()
    amal.go(reverse("web:mediator-offer", args=[first.pk]))
    declined_page_buttons = amal.page.locator("main .offer-answer button").count()
    with amal.page.expect_navigation():
        amal.page.click(f"main a[href='{reverse('web:mediator-offers')}']")
    back_link_leads_to = amal.page.url

    amal.go(reverse("web:mediator-offer", args=[second.pk]))
    with amal.page.expect_navigation():
        amal.page.click("main .offer-answer form[action$='/accept/'] button")
    after_accept = amal.page.url

    with translation.override("ar"):
        expected_buttons = [translation.gettext("Accept"), translation.gettext("Decline")]
    assert on_offer_page == live_server.url + reverse("web:mediator-offer", args=[first.pk])
    assert [text.strip() for text in buttons] == expected_buttons
    assert after_decline == live_server.url + reverse("web:mediator-offers")
    assert Offer.objects.get(pk=first.pk).status == OfferStatus.DECLINED
    assert first_still_listed == 0 and second_listed == 1
    assert declined_page_buttons == 0
    assert back_link_leads_to == live_server.url + reverse("web:mediator-offers")
    assert after_accept == live_server.url + reverse(
        "web:mediator-booking", args=[second.booking_id]
    )
    booking = Booking.objects.get(pk=second.booking_id)
    assert booking.status == Status.CONFIRMED and booking.mediator_id == second.mediator_id
    assert violations == [], readable(violations)
    assert amal.csp_violations() == []
    amal.context.close()


def test_the_offer_page_of_another_mediator_s_offer_is_not_found(page_for, two_offers):
    from tests.mediators.factories import MediatorFactory

    someone_else = MediatorFactory(pool=two_offers[0].mediator.pool)
    response = page_for(someone_else.user).get(
        reverse("web:mediator-offer", args=[two_offers[0].pk])
    )

    assert response.status_code == 404
    assert Offer.objects.get(pk=two_offers[0].pk).status == OfferStatus.PENDING
