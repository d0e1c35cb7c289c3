"""Failed messages are shown to coordinators (admin and dashboard), who can resend them."""

import pytest
from django.contrib.admin.sites import site
from django.core import mail
from django.test import RequestFactory

from notifications.constants import MessageStatus
from notifications.models import Message
from notifications.selectors import failed_messages_for
from notifications.services import message_resend
from tests.institutions.factories import CoordinatorFactory, UserFactory

pytestmark = pytest.mark.django_db


def fail(message, error="SMTPRecipientsRefused: 550 no such user"):
    Message.objects.filter(pk=message.pk).update(
        status=MessageStatus.FAILED, attempts=6, last_error=error
    )


def test_the_work_list_shows_the_pools_failed_messages_only(confirmed):
    failed, sent = Message.objects.filter(booking=confirmed).order_by("pk")
    fail(failed)
    Message.objects.filter(pk=sent.pk).update(status=MessageStatus.SENT, sent_at=sent.created_at)
    other_pool_coordinator = CoordinatorFactory()

    assert list(failed_messages_for(confirmed.pool)) == [failed]
    assert list(failed_messages_for(other_pool_coordinator.pool)) == []


def test_resending_a_failed_message_delivers_it_once(confirmed, django_capture_on_commit_callbacks):
    message = Message.objects.filter(booking=confirmed).first()
    fail(message)

    with django_capture_on_commit_callbacks(execute=True):
        assert message_resend(message=message) is True
    with django_capture_on_commit_callbacks(execute=True):
        assert message_resend(message=message) is False  # sent now: nothing to resend

    message.refresh_from_db()
    assert (message.status, message.attempts) == (MessageStatus.SENT, 1)
    assert len(mail.outbox) == 1


def test_a_coordinator_sees_and_resends_their_pools_failed_messages_in_the_admin(
    confirmed, django_capture_on_commit_callbacks
):
    coordinator = CoordinatorFactory(pool=confirmed.pool, user=UserFactory(is_staff=True))
    foreign = CoordinatorFactory(user=UserFactory(is_staff=True))
    message = Message.objects.filter(booking=confirmed).first()
    fail(message)
    model_admin = site._registry[Message]
    request = RequestFactory().post("/admin/notifications/message/")
    request.user = coordinator.user
    request._messages = type("M", (), {"add": lambda *a, **k: None})()

    visible = model_admin.get_queryset(request)
    request.user = foreign.user
    hidden = model_admin.get_queryset(request)
    request.user = coordinator.user
    with django_capture_on_commit_callbacks(execute=True):
        model_admin.resend(request, visible.filter(status=MessageStatus.FAILED))

    assert message in visible and message not in hidden
    message.refresh_from_db()
    assert message.status == MessageStatus.SENT
