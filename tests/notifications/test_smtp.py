"""Over real SMTP on loopback (aiosmtpd in this process): what the server receives is byte
for byte what was rendered when the row was written."""

import pytest

from notifications.constants import MessageStatus
from notifications.delivery import connections, messages_deliver
from notifications.models import Message
from tests.support.live import RecordingSmtpServer

pytestmark = pytest.mark.django_db


@pytest.fixture
def smtp(settings):
    with RecordingSmtpServer() as server:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", server.port
        settings.EMAIL_USE_TLS = False
        yield server
        connections.close()


def test_the_server_receives_the_bytes_written_with_each_row(confirmed, smtp):
    rows = {m.recipient_email: bytes(m.rendered) for m in Message.objects.all()}

    messages_deliver(message_ids=list(Message.objects.values_list("pk", flat=True)))

    received = {r.recipients[0]: r.raw for r in smtp.received}
    assert sorted(received) == sorted(rows)
    for address, raw in rows.items():
        # aiosmtpd hands over the DATA with its line ends as sent (CRLF), minus the dot.
        assert received[address].replace(b"\r\n", b"\n") == raw.replace(b"\r\n", b"\n")
    assert set(Message.objects.values_list("status", flat=True)) == {MessageStatus.SENT}


def test_an_address_with_a_non_ascii_domain_goes_out_in_punycode(confirmed, smtp):
    message = Message.objects.first()
    Message.objects.filter(pk=message.pk).update(recipient_email="lea@grundschule-süchteln.de")

    messages_deliver(message_ids=[message.pk])

    domain = "grundschule-süchteln.de".encode("idna").decode()
    assert domain.startswith("xn--")
    assert [r.recipients for r in smtp.received] == [[f"lea@{domain}"]]
