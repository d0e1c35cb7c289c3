"""Push notifications through the outbox, to a push service on loopback that checks the
VAPID signature and decrypts what we send (tests/support/push_service.py)."""

import email
import email.policy
import json

import pytest
from django.core import mail
from django.core.management import call_command
from django.test import Client

from bookings.messages.hooks import offer_made_notify
from bookings.services import booking_cancel
from notifications.constants import MessageChannel, MessageKind, MessageStatus
from notifications.delivery import message_deliver
from notifications.models import Message, PushSubscription
from notifications.push import endpoint_problem, vapid_keys_generate
from tests.bookings.factories import OfferFactory
from tests.institutions.factories import StaffFactory, UserFactory
from tests.support.push_service import LocalPushService

from .conftest import confirm

pytestmark = pytest.mark.django_db

KEYS = vapid_keys_generate()


@pytest.fixture
def push(settings):
    settings.VAPID_PRIVATE_KEY, settings.VAPID_PUBLIC_KEY = KEYS
    settings.VAPID_SUBJECT = "mailto:technik@kreis-viersen.example"
    with LocalPushService(KEYS[1]) as service:
        settings.PUSH_EXTRA_ENDPOINT_ORIGINS = [service.origin]
        yield service


def subscribe(user, device, label="Chrome (Android)"):
    info = device.subscription()
    return PushSubscription.objects.create(
        user=user,
        endpoint=info["endpoint"],
        p256dh=info["keys"]["p256dh"],
        auth=info["keys"]["auth"],
        label=label,
    )


def subject_of(sent):
    parsed = email.message_from_bytes(sent.message().as_bytes(), policy=email.policy.default)
    return " ".join(str(parsed["Subject"]).split())


def mediator_mail(mediator):
    return [m for m in mail.outbox if m.to == [mediator.user.email]]


def test_a_confirmation_reaches_the_mediators_device_once_in_their_language_and_by_email(
    push, booking, mediator, django_capture_on_commit_callbacks
):
    mediator.language = "uk"
    mediator.save(update_fields=["language"])
    device = push.device()
    subscription = subscribe(mediator.user, device)

    with django_capture_on_commit_callbacks(execute=True):
        confirm(booking, mediator)

    (delivery,) = push.received(device)
    (sent,) = mediator_mail(mediator)
    assert " ".join(delivery.payload["title"].split()) == subject_of(sent)
    assert delivery.payload["title"].startswith("Підтверджено")  # Ukrainian, as the e-mail
    assert delivery.payload["lang"] == "uk"
    assert delivery.payload["url"].endswith(f"/mediator/bookings/{booking.pk}/")
    assert delivery.claims["sub"] == "mailto:technik@kreis-viersen.example"
    assert delivery.headers["topic"] == delivery.payload["tag"]
    row = Message.objects.get(channel=MessageChannel.PUSH)
    assert (row.kind, row.status, row.attempts) == (
        MessageKind.BOOKING_CONFIRMED,
        MessageStatus.SENT,
        1,
    )
    assert row.rendered is None
    subscription.refresh_from_db()
    assert subscription.last_success_at is not None
    assert push.problems == []


def test_each_device_gets_its_own_row_and_the_institution_gets_no_push(
    push, booking, mediator, staff, django_capture_on_commit_callbacks
):
    phone, laptop, staff_device = push.device(), push.device(), push.device()
    subscribe(mediator.user, phone)
    subscribe(mediator.user, laptop)
    subscribe(staff.user, staff_device)  # staff cannot subscribe; even so, nothing for them

    with django_capture_on_commit_callbacks(execute=True):
        confirm(booking, mediator)

    assert len(push.received(phone)) == len(push.received(laptop)) == 1
    assert push.received(staff_device) == []
    assert Message.objects.filter(channel=MessageChannel.PUSH).count() == 2
    assert len(mail.outbox) == 2  # both sides' e-mails, as without push


def test_a_second_delivery_of_a_push_row_sends_nothing(push, booking, mediator):
    device = push.device()
    subscribe(mediator.user, device)
    confirm(booking, mediator)  # not committed: the rows wait, as for the worker
    row = Message.objects.get(channel=MessageChannel.PUSH)

    first = message_deliver(message_id=row.pk)
    second = message_deliver(message_id=row.pk)

    assert (first.status, second.status) == (MessageStatus.SENT, "not_claimed")
    assert len(push.received(device)) == 1


def test_a_dead_subscription_is_removed_and_the_email_still_goes_out(
    push, booking, mediator, django_capture_on_commit_callbacks
):
    device = push.device()
    device.answer = 410
    subscribe(mediator.user, device)

    with django_capture_on_commit_callbacks(execute=True):
        confirm(booking, mediator)

    assert not PushSubscription.objects.exists()
    row = Message.objects.get(channel=MessageChannel.PUSH)
    assert row.status == MessageStatus.SKIPPED
    assert "410" in row.last_error
    assert len(mediator_mail(mediator)) == 1
    assert Message.objects.get(
        channel=MessageChannel.EMAIL, recipient_email=mediator.user.email
    ).status == (MessageStatus.SENT)


def test_without_a_subscription_only_the_email_is_written(
    push, booking, mediator, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        confirm(booking, mediator)

    assert not Message.objects.filter(channel=MessageChannel.PUSH).exists()
    assert len(mediator_mail(mediator)) == 1
    assert push.deliveries == []


def test_without_vapid_keys_there_is_no_push(
    push, booking, mediator, settings, django_capture_on_commit_callbacks
):
    subscribe(mediator.user, push.device())
    settings.VAPID_PRIVATE_KEY = ""

    with django_capture_on_commit_callbacks(execute=True):
        confirm(booking, mediator)

    assert not Message.objects.filter(channel=MessageChannel.PUSH).exists()
    assert len(mediator_mail(mediator)) == 1


def test_a_busy_push_service_is_tried_again_and_a_refusal_fails_the_row(push, booking, mediator):
    busy, refusing = push.device(), push.device()
    busy.answer, refusing.answer = 503, 400
    subscribe(mediator.user, busy)
    subscribe(mediator.user, refusing)
    confirm(booking, mediator)
    rows = {
        row.context["subscription_id"]: row
        for row in Message.objects.filter(channel=MessageChannel.PUSH)
    }
    by_token = {s.endpoint.rsplit("/", 1)[-1]: s.pk for s in PushSubscription.objects.all()}

    later = message_deliver(message_id=rows[by_token[busy.token]].pk)
    refused = message_deliver(message_id=rows[by_token[refusing.token]].pk)

    assert later.status == MessageStatus.PENDING and later.retry_in is not None
    assert refused.status == MessageStatus.FAILED
    assert PushSubscription.objects.count() == 2  # neither is gone


def test_a_cancelled_offer_voids_its_push_with_its_email(push, booking, mediator):
    subscribe(mediator.user, push.device())
    offer = OfferFactory(booking=booking, mediator=mediator)
    offer_made_notify(offer=offer)
    assert Message.objects.filter(channel=MessageChannel.PUSH, kind="offer_made").count() == 1

    booking_cancel(booking=booking, actor=booking.requested_by, reason="Termin entfällt")

    statuses = set(
        Message.objects.filter(kind=MessageKind.OFFER_MADE).values_list("channel", "status")
    )
    assert statuses == {
        (MessageChannel.EMAIL, MessageStatus.SKIPPED),
        (MessageChannel.PUSH, MessageStatus.SKIPPED),
    }


def test_a_turned_off_device_gets_nothing_already_written(push, booking, mediator):
    device = push.device()
    subscription = subscribe(mediator.user, device)
    confirm(booking, mediator)
    subscription.delete()
    row = Message.objects.get(channel=MessageChannel.PUSH)

    outcome = message_deliver(message_id=row.pk)

    assert outcome.status == MessageStatus.SKIPPED
    assert push.deliveries == []


@pytest.mark.parametrize(
    ("endpoint", "allowed"),
    [
        ("https://fcm.googleapis.com/fcm/send/abc", True),
        ("https://updates.push.services.mozilla.com/wpush/v2/abc", True),
        ("http://fcm.googleapis.com/fcm/send/abc", False),
        ("https://127.0.0.1/push/abc", False),
        ("https://[::1]/push/abc", False),
        ("https://localhost:8443/push", False),
        ("https://user:pw@push.example.org/abc", False),
        ("https://intranet/abc", False),
        ("not a url", False),
    ],
)
def test_only_https_endpoints_of_public_push_services_are_taken(endpoint, allowed, settings):
    settings.PUSH_EXTRA_ENDPOINT_ORIGINS = []
    assert (endpoint_problem(endpoint) == "") is allowed


def test_the_command_makes_a_key_pair_that_signs_and_verifies(capsys):
    from py_vapid import Vapid02

    call_command("vapid_keys")
    lines = dict(line.split("=", 1) for line in capsys.readouterr().out.splitlines() if "=" in line)
    vapid = Vapid02.from_raw(lines["VAPID_PRIVATE_KEY"].encode())
    headers = vapid.sign({"aud": "https://push.example.org", "sub": "mailto:a@b.c"})
    assert headers["Authorization"].endswith("k=" + lines["VAPID_PUBLIC_KEY"])
    assert lines["VAPID_SUBJECT"].startswith("mailto:")


# -- turning push on and off (the page's endpoint) ---------------------------------------------


def post_json(client, data, **extra):
    return client.post(
        "/mediator/push/subscribe/", json.dumps(data), content_type="application/json", **extra
    )


def test_a_mediator_turns_push_on_for_a_device_only_for_themselves(push, mediator):
    device = push.device()
    client = Client(
        HTTP_ACCEPT_LANGUAGE="en",
        HTTP_USER_AGENT="Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 Chrome/130.0",
    )
    client.force_login(mediator.user)

    response = post_json(client, device.subscription())

    assert response.status_code == 201
    stored = PushSubscription.objects.get()
    assert (stored.user, stored.endpoint, stored.label) == (
        mediator.user,
        device.endpoint,
        "Chrome (Android)",
    )
    page = client.get("/mediator/profile/")
    assert b"Chrome (Android)" in page.content
    assert b"js/push.js" in page.content


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"endpoint": "https://fcm.googleapis.com/x"},
        {"endpoint": "https://fcm.googleapis.com/x", "keys": {"p256dh": "AAAA", "auth": "AAAA"}},
        {"endpoint": "http://10.0.0.1/x", "keys": "valid"},
        {"endpoint": ["x"], "keys": {"p256dh": 1, "auth": 2}},
        "just a string",
    ],
)
def test_anything_but_a_push_subscription_is_refused_and_nothing_is_stored(push, mediator, data):
    client = Client()
    client.force_login(mediator.user)
    if isinstance(data, dict) and data.get("keys") == "valid":
        data["keys"] = push.device().subscription()["keys"]

    response = post_json(client, data)

    assert response.status_code == 400
    assert "detail" in response.json()
    assert not PushSubscription.objects.exists()


def test_the_subscription_needs_the_csrf_token_and_a_mediator(push, mediator, staff):
    device = push.device()
    guarded = Client(enforce_csrf_checks=True)
    guarded.force_login(mediator.user)
    assert post_json(guarded, device.subscription()).status_code == 403

    other = Client()
    other.force_login(staff.user)
    assert post_json(other, device.subscription()).status_code in (302, 403)
    assert not PushSubscription.objects.exists()


def test_without_vapid_keys_the_page_offers_no_push(mediator, settings):
    settings.VAPID_PRIVATE_KEY = settings.VAPID_PUBLIC_KEY = ""
    client = Client()
    client.force_login(mediator.user)

    assert b'id="push"' not in client.get("/mediator/profile/").content
    assert post_json(client, {}).status_code == 404


def test_a_mediator_turns_off_their_own_device_and_no_one_elses(push, mediator, staff):
    own = subscribe(mediator.user, push.device())
    other_mediator = StaffFactory(user=UserFactory(username="fremd")).user
    foreign = subscribe(other_mediator, push.device())
    client = Client()
    client.force_login(mediator.user)

    client.post(f"/mediator/push/devices/{foreign.pk}/delete/")
    response = client.post(f"/mediator/push/devices/{own.pk}/delete/")

    assert response.status_code == 302
    assert list(PushSubscription.objects.values_list("pk", flat=True)) == [foreign.pk]


def test_the_service_worker_imports_the_push_handling():
    response = Client().get("/sw.js")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    assert response["Service-Worker-Allowed"] == "/"
    assert b"importScripts(" in response.content and b"js/sw-push.js" in response.content
