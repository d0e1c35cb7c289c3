"""Push through a real Celery worker, Redis and PostgreSQL, to a push service on loopback
that checks the VAPID signature and decrypts (tests/support/push_service.py); the e-mails
over SMTP on loopback as always."""

from email import message_from_bytes, policy

import pytest

from notifications.constants import MessageChannel, MessageStatus
from notifications.models import Message, PushSubscription
from notifications.push import vapid_keys_generate
from tests.support.live import wait_until
from tests.support.push_service import LocalPushService

from ..conftest import confirm

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

SUBJECT = "mailto:technik@kreis-viersen.example"


def worker_with_push(live, settings, service, keys):
    private, public = keys
    settings.VAPID_PRIVATE_KEY, settings.VAPID_PUBLIC_KEY = private, public
    settings.VAPID_SUBJECT = SUBJECT
    settings.PUSH_EXTRA_ENDPOINT_ORIGINS = [service.origin]
    live.start_worker(
        env_extra={
            "VAPID_PRIVATE_KEY": private,
            "VAPID_PUBLIC_KEY": public,
            "VAPID_SUBJECT": SUBJECT,
            "PUSH_EXTRA_ENDPOINT_ORIGINS": service.origin,
        }
    )


def done():
    return not Message.objects.filter(
        status__in=[MessageStatus.PENDING, MessageStatus.SENDING]
    ).exists()


def subscribe(user, device):
    info = device.subscription()
    return PushSubscription.objects.create(
        user=user,
        endpoint=info["endpoint"],
        p256dh=info["keys"]["p256dh"],
        auth=info["keys"]["auth"],
    )


def test_one_confirmation_is_one_push_at_the_device_and_one_email(
    live, settings, booking, mediator
):
    keys = vapid_keys_generate()
    mediator.language = "ar"
    mediator.save(update_fields=["language"])
    with LocalPushService(keys[1]) as service:
        worker_with_push(live, settings, service, keys)
        device = service.device()
        subscribe(mediator.user, device)

        confirm(booking, mediator)

        wait_until(lambda: service.received(device), timeout=60, what="the push")
        wait_until(lambda: live.smtp.to(mediator.user.email), timeout=60, what="the e-mail")
        wait_until(done, timeout=60, what="every row to be done")
        (delivery,) = service.received(device)
        assert delivery.payload["lang"] == "ar" and delivery.payload["dir"] == "rtl"
        (sent,) = live.smtp.to(mediator.user.email)
        subject = message_from_bytes(sent.raw, policy=policy.default)["Subject"]
        assert " ".join(delivery.payload["title"].split()) == " ".join(str(subject).split())
        assert service.problems == []
        push_row = Message.objects.get(channel=MessageChannel.PUSH)
        assert (push_row.status, push_row.attempts) == (MessageStatus.SENT, 1)


def test_a_gone_device_is_removed_by_the_worker_and_the_email_still_arrives(
    live, settings, booking, mediator
):
    keys = vapid_keys_generate()
    with LocalPushService(keys[1]) as service:
        worker_with_push(live, settings, service, keys)
        device = service.device()
        device.answer = 410
        subscribe(mediator.user, device)

        confirm(booking, mediator)

        wait_until(lambda: live.smtp.to(mediator.user.email), timeout=60, what="the e-mail")
        wait_until(done, timeout=60, what="every row to be done")
        assert not PushSubscription.objects.exists()
        assert Message.objects.get(channel=MessageChannel.PUSH).status == MessageStatus.SKIPPED
        assert [d.status for d in service.deliveries] == [410]
