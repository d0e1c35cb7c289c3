"""The mediator pages as an installable app (web/offline.py, web/views/app.py): the manifest
in the reader's language, the service worker at the site's root, offline reading of the
mediator's own appointments and of the offers last seen with an "offline" note, and nothing
of anyone left readable after signing out, nor seen by the next person on the device."""

import json

import pytest
from django.urls import reverse
from django.utils import translation

from bookings.constants import Status
from tests.bookings.factories import BookingFactory, OfferFactory
from tests.institutions.factories import InstitutionFactory, UserFactory
from tests.mediators.factories import MediatorFactory, MediatorLanguageFactory
from web.offline import KEEP_HEADER, KEY_HEADER, offline_key

from .browser import PASSWORD, PHONE, Visitor
from .test_accessibility import at_ten

pytestmark = pytest.mark.django_db

SW_READY_JS = """async () => {
  const registration = await navigator.serviceWorker.ready;
  return {scope: registration.scope, script: registration.active.scriptURL};
}"""
CONTROLLED_JS = (
    "() => navigator.serviceWorker.controller && navigator.serviceWorker.controller.scriptURL"
)
OUR_CACHES_JS = "async () => (await caches.keys()).filter(name => name.startsWith('smp-'))"
MANIFEST_JS = """async () => {
  const link = document.querySelector("link[rel=manifest]");
  const manifest = await (await fetch(link.href)).json();
  const icons = [];
  for (const icon of manifest.icons) {
    const image = new Image();
    image.src = icon.src;
    await image.decode();
    icons.push({...icon, width: image.naturalWidth, height: image.naturalHeight});
  }
  return {href: link.getAttribute("href"), manifest, icons};
}"""


def offline_note_start(language: str) -> str:
    """The beginning of the translated "offline" note, before the time."""
    with translation.override(language):
        note = translation.gettext(
            "Offline: this is the state of %(time)s. Changes need a connection."
        )
    return note.split("%(time)s")[0].strip()


@pytest.fixture
def amal_s_day(pool_with_people):
    """Amal's upcoming appointment and an open offer; a second mediator, Berna, with her own."""
    staff, amal = pool_with_people["staff"], pool_with_people["mediator"]
    arabic = pool_with_people["arabic"]
    common = {"institution": staff.institution, "language": arabic, "requested_by": staff.user}
    berna = MediatorFactory(
        pool=amal.pool,
        language="tr",
        user=UserFactory(username="berna", first_name="Berna", last_name="Kaya", password=PASSWORD),
    )
    MediatorLanguageFactory(mediator=berna, language=arabic)
    kita = InstitutionFactory(pool=amal.pool, name="Kita Sonnenschein")
    return {
        "amal": amal,
        "berna": berna,
        "appointment": BookingFactory(
            **common, status=Status.CONFIRMED, mediator=amal, starts_at=at_ten(5)
        ),
        "offer": OfferFactory(
            booking=BookingFactory(**common, status=Status.OFFERED, starts_at=at_ten(8)),
            mediator=amal,
        ),
        "berna_appointment": BookingFactory(
            institution=kita,
            language=arabic,
            requested_by=staff.user,
            status=Status.CONFIRMED,
            mediator=berna,
            starts_at=at_ten(6),
        ),
    }


# ---- the server's side, through the test client -------------------------------------------


def test_the_manifest_names_the_app_in_the_reader_s_language(client):
    response = client.get("/manifest.webmanifest", HTTP_ACCEPT_LANGUAGE="fa")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/manifest+json")
    manifest = json.loads(response.content)
    with translation.override("fa"):
        assert manifest["name"] == translation.gettext("Language mediator pool")
    assert manifest["name"] != "Language mediator pool"
    assert manifest["lang"] == "fa" and manifest["dir"] == "rtl"
    assert manifest["display"] == "standalone"
    assert manifest["start_url"] == reverse("web:mediator-assignments")
    assert {(icon["sizes"], icon["purpose"]) for icon in manifest["icons"]} == {
        ("192x192", "any"),
        ("512x512", "any"),
        ("512x512", "maskable"),
    }


def test_the_service_worker_comes_from_the_root_and_is_never_cached(client):
    response = client.get("/sw.js")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    assert response["Service-Worker-Allowed"] == "/"
    assert "no-cache" in response["Cache-Control"] and "no-store" in response["Cache-Control"]
    assert client.post("/sw.js").status_code == 405


def test_only_the_mediator_s_own_pages_are_marked_for_offline_reading(
    client, page_for, amal_s_day, pool_with_people
):
    amal = page_for(amal_s_day["amal"].user)
    coordinator = page_for(pool_with_people["coordinator"].user)
    offer = amal_s_day["offer"]

    kept = [
        amal.get(reverse("web:mediator-assignments")),
        amal.get(reverse("web:mediator-offers")),
        amal.get(reverse("web:mediator-offer", args=[offer.pk])),
        amal.get(reverse("web:mediator-booking", args=[amal_s_day["appointment"].pk])),
    ]
    not_kept = [
        amal.get(reverse("web:mediator-profile")),
        amal.get(reverse("web:api-tokens")),
        amal.post(reverse("web:mediator-offer-answer", args=[offer.pk, "decline"])),
        coordinator.get(reverse("web:coordinator-worklist")),
        coordinator.get(reverse("web:coordinator-bookings")),
    ]

    assert all(response.status_code == 200 for response in kept)
    assert all(response[KEEP_HEADER] == "keep" for response in kept)
    assert all(KEEP_HEADER not in response for response in not_kept)
    assert {response[KEY_HEADER] for response in kept} == {offline_key(amal_s_day["amal"].user)}
    assert offline_key(amal_s_day["berna"].user) != offline_key(amal_s_day["amal"].user)
    assert KEY_HEADER not in client.get("/")  # nobody signed in


def test_signing_out_tells_the_browser_to_forget_the_site_s_caches_and_storage(
    page_for, amal_s_day
):
    amal = page_for(amal_s_day["amal"].user)

    response = amal.post(reverse("logout"))

    assert response.status_code == 302
    assert response["Clear-Site-Data"] == '"cache", "storage"'
    assert KEY_HEADER not in response
    assert amal.get(reverse("web:mediator-offers")).status_code == 302  # signed out indeed


# ---- in the browser, at 360 px ------------------------------------------------------------


def open_phone(browser, live_server, name: str, language: str) -> Visitor:
    visitor = Visitor(browser, live_server, name, language=language)
    visitor.page.set_viewport_size(PHONE)
    return visitor


def go_offline(visitor: Visitor, path: str) -> str | None:
    """Open ``path`` without a network: the page's text, or None when nothing is shown."""
    from playwright.sync_api import Error as PlaywrightError

    try:
        visitor.page.goto(visitor.base + path)
    except PlaywrightError as error:  # the navigation failed: no page at all
        assert "ERR_" in str(error), error
        return None
    return visitor.page.inner_text("body")


def test_on_a_phone_the_app_installs_and_reads_appointments_and_the_last_offer_offline(
    browser, live_server, amal_s_day
):
    amal = open_phone(browser, live_server, "app-amal", "ar")
    amal.sign_in("amal")
    appointment, offer = amal_s_day["appointment"], amal_s_day["offer"]
    offer_path = reverse("web:mediator-offer", args=[offer.pk])

    # Installable: the manifest is linked and complete, the worker controls the pages.
    amal.go(reverse("web:mediator-assignments"))
    found = amal.page.evaluate(MANIFEST_JS)
    registration = amal.page.evaluate(SW_READY_JS)
    amal.go(reverse("web:mediator-assignments"))  # now through the worker: a copy is kept
    amal.go(reverse("web:mediator-offers"))
    amal.go(offer_path)
    online_note_hidden = amal.page.locator("[data-offline-note]").is_hidden()
    controller = amal.page.evaluate(CONTROLLED_JS)

    amal.context.set_offline(True)
    assignments_offline = go_offline(amal, reverse("web:mediator-assignments"))
    assignments_note = amal.page.locator("[data-offline-note]").is_visible()
    offer_offline = go_offline(amal, offer_path)
    offer_note = amal.page.inner_text("[data-offline-note]")
    profile_offline = go_offline(amal, reverse("web:mediator-profile"))  # never kept
    amal.context.set_offline(False)

    assert found["href"] == "/manifest.webmanifest"
    manifest = found["manifest"]
    assert manifest["display"] == "standalone" and manifest["lang"] == "ar"
    assert manifest["start_url"] == "/mediator/assignments/"
    assert {(icon["width"], icon["purpose"]) for icon in found["icons"]} == {
        (192, "any"),
        (512, "any"),
        (512, "maskable"),
    }
    assert registration == {"scope": live_server.url + "/", "script": live_server.url + "/sw.js"}
    assert controller == live_server.url + "/sw.js"
    assert online_note_hidden
    assert assignments_offline is not None and assignments_note
    assert appointment.institution.name in assignments_offline
    assert offer_offline is not None
    assert offer_note.startswith(offline_note_start("ar"))
    assert offer.booking.institution.name in offer_offline
    assert profile_offline is None or "Amal" not in profile_offline
    assert amal.csp_violations() == []
    assert amal.other_hosts() == set()
    amal.context.close()


def test_after_signing_out_nothing_of_the_mediator_is_readable_and_the_next_one_never_sees_it(
    browser, live_server, amal_s_day
):
    device = open_phone(browser, live_server, "app-shared-phone", "de")
    offer_path = reverse("web:mediator-offer", args=[amal_s_day["offer"].pk])
    amal_place = amal_s_day["appointment"].institution.name  # Grundschule Am Park
    device.sign_in("amal")
    device.go(reverse("web:mediator-assignments"))
    device.page.evaluate(SW_READY_JS)
    device.go(reverse("web:mediator-assignments"))
    device.go(offer_path)
    kept_while_signed_in = device.page.evaluate(OUR_CACHES_JS)

    # Sign out through the phone's menu.
    device.page.click(".menu-button")
    with device.page.expect_navigation():
        device.page.click(".site-nav button[type=submit]")
    device.page.wait_for_load_state("networkidle")
    left_after_sign_out = device.page.evaluate(OUR_CACHES_JS)
    device.context.set_offline(True)
    amal_offline = [
        go_offline(device, path) for path in (reverse("web:mediator-assignments"), offer_path)
    ]
    device.context.set_offline(False)

    # Berna signs in on the same phone, reads her pages, then goes offline.
    device.sign_in("berna")
    device.go(reverse("web:mediator-assignments"))
    device.page.evaluate(SW_READY_JS)
    device.go(reverse("web:mediator-assignments"))
    device.context.set_offline(True)
    berna_assignments = go_offline(device, reverse("web:mediator-assignments"))
    berna_opens_amal_s_offer = go_offline(device, offer_path)
    device.context.set_offline(False)

    assert any(name.startswith("smp-pages-") for name in kept_while_signed_in)
    assert left_after_sign_out == []
    assert all(text is None or amal_place not in text for text in amal_offline)
    assert berna_assignments is not None
    assert "Kita Sonnenschein" in berna_assignments
    assert amal_place not in berna_assignments
    assert berna_opens_amal_s_offer is None or amal_place not in berna_opens_amal_s_offer
    assert device.csp_violations() == []
    device.context.close()


def test_a_new_person_on_the_device_deletes_the_copies_of_the_one_before(
    browser, live_server, amal_s_day
):
    """Without signing out (the session ran out, the cookies were cleared): the next person's
    first page deletes the other copies before any is shown."""
    device = open_phone(browser, live_server, "app-no-sign-out", "de")
    device.sign_in("amal")
    device.go(reverse("web:mediator-assignments"))
    device.page.evaluate(SW_READY_JS)
    device.go(reverse("web:mediator-assignments"))
    amal_caches = device.page.evaluate(OUR_CACHES_JS)
    device.context.clear_cookies()

    device.sign_in("berna")
    device.go(reverse("web:mediator-assignments"))
    berna_caches = device.page.evaluate(OUR_CACHES_JS)

    amal_pages = f"smp-pages-{offline_key(amal_s_day['amal'].user)}"
    berna_pages = f"smp-pages-{offline_key(amal_s_day['berna'].user)}"
    assert amal_pages in amal_caches
    assert amal_pages not in berna_caches
    assert berna_pages in berna_caches
    device.context.close()
