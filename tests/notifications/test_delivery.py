"""Delivery: once, after commit; retries only for transient errors; stale messages skipped."""

import datetime
import smtplib

import pytest
from django.core import mail
from django.utils import timezone

from bookings.constants import Status
from bookings.messages.hooks import offer_made_notify
from bookings.messages.periodic import reminders_write
from bookings.services import booking_cancel, booking_reschedule
from notifications import delivery
from notifications.constants import MessageKind, MessageStatus
from notifications.delivery import is_transient, message_deliver
from notifications.models import Message
from notifications.services import account_invitation_notify
from tests.bookings.factories import OfferFactory
from tests.institutions.factories import UserFactory
from tests.mediators.factories import MediatorFactory

from .conftest import able_to_take, confirm

pytestmark = pytest.mark.django_db


@pytest.fixture
def smtp_raises(monkeypatch):
    """Make the mail connection raise the given exception (the network is the edge here)."""

    def install(exc):
        def send(email):
            raise exc

        monkeypatch.setattr(delivery.connections, "send", send)

    return install


def test_a_committed_confirmation_is_delivered_once_to_each_side(
    booking, mediator, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        confirm(booking, mediator)

    assert sorted(m.to[0] for m in mail.outbox) == ["lehrerin@example.org", "mona@example.org"]
    assert set(Message.objects.values_list("status", flat=True)) == {MessageStatus.SENT}
    assert all(m.sent_at is not None and m.attempts == 1 for m in Message.objects.all())


def test_a_second_delivery_of_the_same_row_sends_nothing(confirmed):
    message = Message.objects.filter(booking=confirmed).first()

    first = message_deliver(message_id=message.pk)
    second = message_deliver(message_id=message.pk)

    assert (first.status, second.status) == (MessageStatus.SENT, "not_claimed")
    assert len(mail.outbox) == 1
    message.refresh_from_db()
    assert message.attempts == 1


def test_a_row_claimed_by_another_worker_is_left_alone(confirmed):
    message = Message.objects.filter(booking=confirmed).first()
    Message.objects.filter(pk=message.pk).update(status=MessageStatus.SENDING)

    outcome = message_deliver(message_id=message.pk)

    assert outcome.status == "not_claimed"
    assert mail.outbox == []


@pytest.mark.parametrize(
    "exc",
    [
        smtplib.SMTPServerDisconnected("gone"),
        ConnectionRefusedError(111, "refused"),
        TimeoutError("timed out"),
        smtplib.SMTPResponseException(421, b"try later"),
        smtplib.SMTPRecipientsRefused({"a@b.c": (450, b"mailbox busy")}),
        smtplib.SMTPDataError(451, b"local error"),
    ],
)
def test_transient_errors_retry_later_with_backoff(confirmed, smtp_raises, exc, settings):
    settings.NOTIFICATIONS_RETRY_BASE_SECONDS = 60
    smtp_raises(exc)
    message = Message.objects.filter(booking=confirmed).first()
    before = timezone.now()

    outcome = message_deliver(message_id=message.pk)

    message.refresh_from_db()
    assert outcome.status == MessageStatus.PENDING
    assert 60 <= outcome.retry_in < 67
    assert message.status == MessageStatus.PENDING
    assert message.next_attempt_at >= before + datetime.timedelta(seconds=60)
    assert type(exc).__name__ in message.last_error


@pytest.mark.parametrize(
    "exc",
    [
        smtplib.SMTPRecipientsRefused({"a@b.c": (550, b"no such user")}),
        smtplib.SMTPDataError(554, b"rejected"),
        smtplib.SMTPSenderRefused(553, b"sender refused", "x@y.z"),
    ],
)
def test_a_5xx_rejection_fails_at_once(confirmed, smtp_raises, exc):
    smtp_raises(exc)
    message = Message.objects.filter(booking=confirmed).first()

    outcome = message_deliver(message_id=message.pk)

    message.refresh_from_db()
    assert outcome.status == message.status == MessageStatus.FAILED
    assert message.attempts == 1
    assert outcome.retry_in is None


def test_the_backoff_doubles_with_each_attempt_up_to_a_cap_with_a_little_jitter(settings):
    settings.NOTIFICATIONS_RETRY_BASE_SECONDS = 10
    settings.NOTIFICATIONS_RETRY_MAX_SECONDS = 50

    delays = [delivery.backoff_seconds(n) for n in (1, 2, 3, 4, 5)]

    for delay, base in zip(delays, [10, 20, 40, 50, 50], strict=True):
        assert base <= delay < base * 1.1


def test_after_the_last_attempt_a_transient_error_fails_the_message(
    confirmed, smtp_raises, settings
):
    settings.NOTIFICATIONS_MAX_ATTEMPTS = 2
    smtp_raises(TimeoutError("slow"))
    message = Message.objects.filter(booking=confirmed).first()

    message_deliver(message_id=message.pk)
    Message.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now())
    outcome = message_deliver(message_id=message.pk)

    message.refresh_from_db()
    assert outcome.status == message.status == MessageStatus.FAILED
    assert message.attempts == 2


def test_a_bug_while_rendering_does_not_stop_the_change_and_fails_the_message_at_send(
    booking, mediator, monkeypatch
):
    def broken(message):
        raise KeyError("template context")

    monkeypatch.setattr("notifications.rendering.content_for", broken)
    confirm(booking, mediator)  # the change itself goes through

    booking.refresh_from_db()
    assert booking.status == Status.CONFIRMED
    message = Message.objects.filter(booking=booking).first()
    assert message.rendered is None  # left for the worker, which renders at send time

    with pytest.raises(KeyError):
        message_deliver(message_id=message.pk)

    message.refresh_from_db()
    assert message.status == MessageStatus.FAILED
    assert mail.outbox == []


# -- rendered once, when written -------------------------------------------------------------


def test_each_row_is_written_with_its_rendered_email(confirmed):
    for message in Message.objects.filter(booking=confirmed):
        raw = bytes(message.rendered)
        assert raw.startswith(b"Content-Type: multipart/mixed") or b"\r\nSubject: " in raw
        assert f"To: {message.recipient_email}".encode() in raw
        assert b"BEGIN:VCALENDAR" in raw or b"text/calendar" in raw


def test_the_worker_sends_the_bytes_written_with_the_row_and_then_drops_them(confirmed):
    message = Message.objects.filter(booking=confirmed).first()
    written = bytes(message.rendered)

    message_deliver(message_id=message.pk)

    (sent,) = mail.outbox
    assert sent.message().as_bytes(linesep="\r\n") == written
    message.refresh_from_db()
    assert (message.status, message.rendered) == (MessageStatus.SENT, None)


def test_a_retry_sends_the_same_bytes(confirmed, smtp_raises, monkeypatch):
    message = Message.objects.filter(booking=confirmed).first()
    written = bytes(message.rendered)
    smtp_raises(smtplib.SMTPServerDisconnected("gone"))
    assert message_deliver(message_id=message.pk).status == MessageStatus.PENDING
    message.refresh_from_db()
    assert bytes(message.rendered) == written  # kept for the next attempt

    monkeypatch.undo()
    Message.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now())
    assert message_deliver(message_id=message.pk).status == MessageStatus.SENT
    assert mail.outbox[0].message().as_bytes(linesep="\r\n") == written


def test_is_transient_tells_4xx_and_connection_errors_from_5xx():
    assert is_transient(smtplib.SMTPConnectError(421, b"busy"))
    assert is_transient(OSError("network unreachable"))
    assert not is_transient(smtplib.SMTPAuthenticationError(535, b"bad login"))
    assert not is_transient(smtplib.SMTPRecipientsRefused({"a": (450, b""), "b": (550, b"")}))
    assert not is_transient(ValueError("a bug"))


# -- stale: voided by the change, or past not_after ------------------------------------------


def test_a_confirmation_for_a_booking_changed_meanwhile_is_skipped(confirmed, staff):
    message = Message.objects.get(booking=confirmed, recipient_email="mona@example.org")
    able_to_take(confirmed)

    booking_reschedule(booking=confirmed, actor=staff.user, duration_minutes=45, reason="kürzer")
    outcome = message_deliver(message_id=message.pk)

    message.refresh_from_db()
    assert message.status == MessageStatus.SKIPPED  # by the change, in its transaction
    assert "changed" in message.last_error
    assert outcome.status == "not_claimed"
    assert mail.outbox == []


def test_an_offer_for_a_booking_taken_meanwhile_is_not_sent(booking, mediator):
    offer = OfferFactory(booking=booking, mediator=mediator)
    offer_made_notify(offer=offer)
    message = Message.objects.get(kind=MessageKind.OFFER_MADE)

    confirm(booking, MediatorFactory(pool=booking.pool))  # someone else took it
    outcome = message_deliver(message_id=message.pk)

    message.refresh_from_db()
    assert (outcome.status, message.status) == ("not_claimed", MessageStatus.SKIPPED)
    assert mail.outbox == []


def test_a_reminder_for_a_cancelled_booking_is_not_sent(confirmed, staff):
    Message.objects.all().delete()
    confirmed.starts_at = timezone.now() + datetime.timedelta(hours=20)
    confirmed.ends_at = confirmed.starts_at + datetime.timedelta(hours=1)
    confirmed.confirmed_at = timezone.now() - datetime.timedelta(days=3)
    confirmed.save()
    reminders_write()
    reminder = Message.objects.filter(kind=MessageKind.REMINDER).first()

    booking_cancel(booking=confirmed, actor=staff.user, reason="Termin entfällt")
    outcome = message_deliver(message_id=reminder.pk)

    reminder.refresh_from_db()
    assert (outcome.status, reminder.status) == ("not_claimed", MessageStatus.SKIPPED)
    assert mail.outbox == []


def test_a_row_whose_not_after_has_passed_is_skipped_at_send_time(confirmed):
    message = Message.objects.filter(booking=confirmed).first()
    Message.objects.filter(pk=message.pk).update(not_after=timezone.now())

    outcome = message_deliver(message_id=message.pk)

    message.refresh_from_db()
    assert outcome.status == message.status == MessageStatus.SKIPPED
    assert message.last_error.startswith("not sent after")
    assert (message.attempts, mail.outbox) == (1, [])


def test_an_invitation_for_an_account_deactivated_meanwhile_is_not_sent(staff):
    user = UserFactory(username="neu")
    account_invitation_notify(user=user, pool=staff.institution.pool)
    type(user).objects.filter(pk=user.pk).update(is_active=False)

    outcome = message_deliver(message_id=Message.objects.get().pk)

    assert outcome.status == MessageStatus.SKIPPED
    assert mail.outbox == []


# -- claims and batches -----------------------------------------------------------------------


def test_two_claims_of_the_same_rows_get_each_row_once(confirmed):
    from notifications.delivery import messages_claim

    ids = list(Message.objects.values_list("pk", flat=True))

    first = messages_claim(message_ids=ids, now=timezone.now())
    second = messages_claim(message_ids=ids, now=timezone.now())

    assert sorted(m.pk for m in first) == sorted(ids)
    assert second == []


def test_a_stale_claimant_cannot_finish_a_row_claimed_again(confirmed):
    from notifications.delivery import _finish, messages_claim

    [old] = messages_claim(message_ids=[Message.objects.first().pk], now=timezone.now())
    Message.objects.filter(pk=old.pk).update(status=MessageStatus.PENDING)  # the sweep
    [new] = messages_claim(message_ids=[old.pk], now=timezone.now())

    assert _finish(old, status=MessageStatus.SENT, sent_at=timezone.now()) is False
    assert _finish(new, status=MessageStatus.SENT, sent_at=timezone.now()) is True


def test_a_bug_in_one_message_of_a_batch_does_not_hold_up_the_others(confirmed, monkeypatch):
    from notifications import rendering
    from notifications.delivery import messages_deliver

    real = rendering.content_for
    broken_id = Message.objects.get(recipient_email="mona@example.org").pk
    # A row whose rendering failed when it was written is rendered at send time.
    Message.objects.filter(pk=broken_id).update(rendered=None)

    def content_for(message):
        if message.pk == broken_id:
            raise KeyError("a bug")
        return real(message)

    monkeypatch.setattr(rendering, "content_for", content_for)
    ids = sorted(Message.objects.values_list("pk", flat=True))

    with pytest.raises(KeyError):
        messages_deliver(message_ids=ids)

    assert dict(Message.objects.values_list("recipient_email", "status")) == {
        "mona@example.org": MessageStatus.FAILED,
        "lehrerin@example.org": MessageStatus.SENT,
    }
    assert [m.to for m in mail.outbox] == [["lehrerin@example.org"]]


def test_the_delivery_task_reports_how_many_rows_ended_in_each_status(confirmed):
    from notifications.tasks import deliver_messages

    ids = list(Message.objects.values_list("pk", flat=True))

    assert deliver_messages(ids) == {MessageStatus.SENT: 2}
    assert deliver_messages(ids) == {"not_claimed": 2}
