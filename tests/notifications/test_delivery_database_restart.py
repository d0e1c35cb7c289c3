"""A database restart between the SMTP server's "accepted" and ``sent``: the worker waits for
the database and records the send, so the sweep does not send the message again (``make
faults`` found the window with PostgreSQL restarting while deliveries ran)."""

import psycopg
import pytest
from django.core import mail
from django.db import OperationalError, connection
from django.utils import timezone

from notifications import delivery
from notifications.constants import MessageStatus
from notifications.delivery import message_deliver
from notifications.models import Message

from .conftest import confirm

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def cut_this_connection() -> None:
    """What a restart does to a worker's connection: the server ends it."""
    connection.ensure_connection()
    pid = connection.connection.info.backend_pid
    s = connection.settings_dict
    with psycopg.connect(
        dbname=s["NAME"],
        user=s["USER"],
        password=s["PASSWORD"] or None,
        host=s["HOST"] or "127.0.0.1",
        port=s["PORT"] or 5432,
        autocommit=True,
    ) as other:
        other.execute("SELECT pg_terminate_backend(%s)", [pid])


@pytest.fixture
def cut_after_send(monkeypatch):
    """The server accepts the message (Django's test outbox), then the connection is cut."""
    send = delivery.connections.send

    def send_then_cut(email):
        send(email)
        cut_this_connection()

    monkeypatch.setattr(delivery.connections, "send", send_then_cut)


def test_messages_sent_while_the_database_restarts_are_recorded_sent_and_go_out_once(
    booking, mediator, cut_after_send
):
    # The change's deliveries run (eagerly here) and the connection is cut after each send.
    confirm(booking, mediator)

    rows = list(Message.objects.order_by("recipient_email"))
    assert [(m.status, m.attempts) for m in rows] == [(MessageStatus.SENT, 1)] * 2
    assert all(m.sent_at is not None and m.lease_until is None for m in rows)
    assert sorted(m.to[0] for m in mail.outbox) == ["lehrerin@example.org", "mona@example.org"]
    # Delivered again (the task repeated, the sweep): nothing more goes out.
    assert {message_deliver(message_id=m.pk).status for m in rows} == {"not_claimed"}
    assert len(mail.outbox) == 2


def test_a_database_away_longer_than_the_record_time_leaves_the_row_to_the_lease(
    booking, mediator, settings
):
    settings.NOTIFICATIONS_RECORD_SECONDS = 0
    confirm(booking, mediator)
    message = Message.objects.get(recipient_email="mona@example.org")
    # Due again, as the sweep leaves a row whose task was lost; a worker claims and sends it.
    Message.objects.filter(pk=message.pk).update(status=MessageStatus.PENDING)
    (claimed,) = delivery.messages_claim(message_ids=[message.pk], now=timezone.now())
    cut_this_connection()

    with pytest.raises(OperationalError):
        delivery._record_sent(claimed, sent_at=timezone.now())

    connection.close()
    message.refresh_from_db()
    assert message.status == MessageStatus.SENDING  # the sweep takes it back after the lease
    assert message.lease_until is not None
