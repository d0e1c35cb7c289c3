"""Turning push notifications on in a real browser (Debian's Chromium at 360 px, in Arabic),
and one message arriving at a push service on loopback that checks the VAPID signature and
decrypts it (tests/support/push_service.py).

What is the browser's own here: the profile page and its script (static/js/push.js) under
the site's Content-Security-Policy, the permission prompt (granted by the test, as a person
would), the service worker's registration at /sw.js, the VAPID key handed to
``pushManager.subscribe``, the POST with the CSRF token, and the service worker showing the
notification from the very payload the push service decrypted (delivered to it through the
DevTools protocol, as a push service would). What is not: ``pushManager.subscribe`` itself.
Headless Chromium without Google's push service (FCM is out of reach here) answers it with
"AbortError: Registration failed - permission denied" even with the permission granted, so
the test replaces that one call with one that returns a subscription to the loopback
service, with keys the test made (what a browser makes when it subscribes).
"""

import json

from bookings.constants import Status
from bookings.state_machine import transition
from core.constants import ActorRole
from notifications.models import PushSubscription
from notifications.push import vapid_keys_generate
from tests.bookings.factories import BookingFactory
from tests.support.live import wait_until
from tests.support.push_service import LocalPushService

from .browser import PHONE, Visitor

SUBSCRIBE_STUB = """(() => {
  const subscription = %s;
  PushManager.prototype.getSubscription = async () => null;
  PushManager.prototype.subscribe = async function (options) {
    // Kept across the page's reload after the subscription is stored.
    const calls = JSON.parse(sessionStorage.getItem("subscribeCalls") || "[]");
    calls.push({
      userVisibleOnly: options.userVisibleOnly,
      keyLength: new Uint8Array(options.applicationServerKey).length,
    });
    sessionStorage.setItem("subscribeCalls", JSON.stringify(calls));
    return {endpoint: subscription.endpoint, toJSON: () => subscription};
  };
})();"""

SHOWN_JS = """async () => {
  const registration = await navigator.serviceWorker.ready;
  const shown = await registration.getNotifications();
  return shown.map(n => ({title: n.title, body: n.body, tag: n.tag, lang: n.lang}));
}"""


def wait_in_page(visitor, check, what, seconds=30):
    """Poll ``check`` while Playwright hands over the protocol's events (it does so only while
    it waits): its first truthy answer, or an AssertionError naming ``what``."""
    for _wait in range(seconds * 10):
        result = check()
        if result:
            return result
        visitor.page.wait_for_timeout(100)
    raise AssertionError(f"timed out after {seconds} s waiting for {what}")


def test_a_mediator_turns_on_push_on_the_phone_and_one_message_arrives(
    browser, live_server, pool_with_people, settings
):
    keys = vapid_keys_generate()
    public = keys[1]
    settings.VAPID_PRIVATE_KEY, settings.VAPID_PUBLIC_KEY = keys
    settings.VAPID_SUBJECT = "mailto:technik@kreis-viersen.example"
    mediator = pool_with_people["mediator"]
    with LocalPushService(public) as service:
        settings.PUSH_EXTRA_ENDPOINT_ORIGINS = [service.origin]
        device = service.device()
        amal = Visitor(browser, live_server, "push", language="ar")
        amal.context.grant_permissions(["notifications"], origin=live_server.url)
        amal.context.add_init_script(SUBSCRIBE_STUB % json.dumps(device.subscription()))
        amal.sign_in("amal")
        amal.page.set_viewport_size(PHONE)

        amal.go("/mediator/profile/")
        button = amal.page.locator("#push-on")
        assert button.is_visible()
        assert amal.page.locator("#push-unsupported").is_hidden()
        assert amal.axe_violations("push") == []
        amal.page.set_viewport_size(PHONE)
        button.click()
        # The page says so, and reloads with the device in its list.
        amal.page.wait_for_selector("#push table", timeout=15000)
        amal.page.wait_for_load_state("networkidle")

        stored = PushSubscription.objects.get()
        assert (stored.user_id, stored.endpoint, stored.p256dh) == (
            mediator.user_id,
            device.endpoint,
            device.p256dh,
        )
        assert stored.label.startswith(("Chrome", "Chromium"))
        assert amal.page.evaluate("JSON.parse(sessionStorage.getItem('subscribeCalls'))") == [
            {"userVisibleOnly": True, "keyLength": 65}
        ]
        script = amal.page.evaluate(
            "async () => (await navigator.serviceWorker.ready).active.scriptURL"
        )
        assert script == live_server.url + "/sw.js"

        # A booking is confirmed for her: the outbox delivers (eagerly, after the commit).
        booking = BookingFactory(
            institution=pool_with_people["staff"].institution,
            requested_by=pool_with_people["staff"].user,
            language=pool_with_people["arabic"],
        )
        transition(
            booking,
            to=Status.CONFIRMED,
            actor_role=ActorRole.SYSTEM,
            changes={"mediator": mediator},
        )

        (delivery,) = wait_until(lambda: service.received(device), timeout=30, what="the push")
        assert service.problems == []
        assert delivery.payload["lang"] == "ar" and delivery.payload["dir"] == "rtl"
        assert delivery.payload["url"] == f"{settings.SITE_URL}/mediator/bookings/{booking.pk}/"

        # The service worker shows what the push service decrypted.
        cdp = amal.context.new_cdp_session(amal.page)
        registrations, versions = [], []
        cdp.on(
            "ServiceWorker.workerRegistrationUpdated",
            lambda event: registrations.extend(event["registrations"]),
        )
        cdp.on(
            "ServiceWorker.workerVersionUpdated", lambda event: versions.extend(event["versions"])
        )
        cdp.send("ServiceWorker.enable")

        def active_registration():
            live = [r for r in registrations if not r.get("isDeleted")]
            ids = {r["registrationId"] for r in live}
            ready = [
                v for v in versions if v["registrationId"] in ids and v["status"] == "activated"
            ]
            return ready[-1]["registrationId"] if ready else None

        registration = wait_in_page(
            amal, active_registration, "the service worker's active version"
        )

        def deliver():
            cdp.send(
                "ServiceWorker.deliverPushMessage",
                {
                    "origin": live_server.url,
                    "registrationId": registration,
                    "data": json.dumps(delivery.payload, ensure_ascii=False),
                },
            )

        def notifications():
            return amal.page.evaluate(SHOWN_JS)

        deliver()
        try:
            shown = wait_in_page(amal, notifications, "the notification", seconds=15)
        except AssertionError:
            # Seen once on a loaded CI machine: nothing shown after the first delivery. A push
            # service delivers again what was not acknowledged; the tag makes it one notification.
            deliver()
            shown = wait_in_page(amal, notifications, "the notification, delivered again")
        assert shown == [
            {
                "title": delivery.payload["title"],
                "body": delivery.payload["body"],
                "tag": delivery.payload["tag"],
                "lang": "ar",
            }
        ]
        assert amal.csp_violations() == []
        amal.context.close()
