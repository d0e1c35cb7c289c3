"""Delivering one outbox row, exactly once as far as our side can tell.

1. Claim: ``pending → sending`` in one guarded UPDATE (only a due, pending row), which
   also counts the attempt and sets a lease. A second task for the same row claims nothing.
2. Check at send time, with nothing but the row: one whose ``not_after`` has passed is
   ``skipped`` (an offer expired, an appointment began). A message that a change made stale
   (a booking cancelled, changed or taken meanwhile) that change has already voided, in its
   own transaction (``services.messages_void``, decided by ``bookings.messages.void``).
3. Send the bytes rendered when the row was written (see ``rendering``) over a reused
   SMTP connection of this worker process.
4. ``sending → sent``; a transient error (connection, timeout, SMTP 4xx) goes back to
   ``pending`` with exponential backoff, a rejection (SMTP 5xx) or the last attempt ends
   ``failed``. Once the server has accepted a message, ``sent`` is written even across a
   database restart: the worker reconnects and tries again for up to ``RECORD_SECONDS``
   (well inside the lease), instead of leaving the row ``sending`` for the sweep to send
   again (``make faults``, postgres_restart).

A push row (``channel = push``, see ``push``) takes the same steps; at step 3 it posts its
notification to the device's push service instead, and a device the push service no longer
knows (404, 410) is removed, its row skipped.

The window that remains: the server accepted the message and the worker died before step
4 (or the database stayed away longer than ``RECORD_SECONDS``). The sweep then sends it
again after the lease; the Message-ID stays the same, so the receiving side can recognise
the repeat. A worker killed mid-send repeats at most one message per pool process, the one
it was sending: each row is finished right after its own send (``make faults``,
worker_kill).
"""

from __future__ import annotations

import datetime
import functools
import logging
import secrets
import smtplib
import threading
import time
import uuid
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.core.mail.backends.smtp import EmailBackend as SmtpBackend
from django.core.mail.message import sanitize_address
from django.db import InterfaceError, OperationalError, connection
from django.db.models import F, QuerySet
from django.utils import timezone

from .conf import setting
from .constants import MessageChannel, MessageKind, MessageStatus
from .models import Message, PushSubscription

logger = logging.getLogger(__name__)


TRANSIENT_ERRORS: tuple[type[BaseException], ...] = (
    smtplib.SMTPServerDisconnected,
    ConnectionError,
    TimeoutError,
    OSError,
)


def is_transient(exc: BaseException) -> bool:
    """Connection errors, time-outs and SMTP 4xx answers are worth another try."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _msg in exc.recipients.values()]
        return bool(codes) and all(400 <= code < 500 for code in codes)
    if isinstance(exc, smtplib.SMTPResponseException):
        return 400 <= exc.smtp_code < 500 or exc.smtp_code < 0
    if isinstance(exc, smtplib.SMTPException):
        return isinstance(exc, smtplib.SMTPServerDisconnected)
    return isinstance(exc, TRANSIENT_ERRORS)


@dataclass(frozen=True)
class Outcome:
    status: str
    retry_in: float | None = None
    reason: str = ""


NOTHING = Outcome("not_claimed")


def backoff_seconds(attempts: int) -> float:
    base = setting("RETRY_BASE_SECONDS")
    delay = min(base * 2 ** max(attempts - 1, 0), setting("RETRY_MAX_SECONDS"))
    return delay + secrets.randbelow(max(int(delay) // 10, 1))


# -- the steps -----------------------------------------------------------------------------


def messages_claim(*, message_ids: list[int], now: datetime.datetime) -> list[Message]:
    """Claim the due, pending rows among ``message_ids`` in one guarded UPDATE (which also
    counts the attempt, sets a lease and a claim token) and load the rows this call got."""
    token = uuid.uuid4().hex
    lease = datetime.timedelta(seconds=setting("LEASE_SECONDS"))
    claimed = Message.objects.filter(
        pk__in=message_ids, status=MessageStatus.PENDING, next_attempt_at__lte=now
    ).update(
        status=MessageStatus.SENDING,
        attempts=F("attempts") + 1,
        lease_until=now + lease,
        claim=token,
        updated_at=now,
    )
    if not claimed:
        return []
    return list(_loaded().filter(pk__in=message_ids, claim=token).order_by("pk"))


def _finish(
    message: Message,
    *,
    status: str,
    error: str = "",
    sent_at: datetime.datetime | None = None,
    next_attempt_at: datetime.datetime | None = None,
) -> bool:
    """Leave ``sending`` for our claim (also when the sweep took the row back to
    ``pending`` meanwhile and nobody claimed it again). A finished row keeps no copy of
    the e-mail (a resend renders it again).

    One statement per delivered message, so it is written as SQL once: building it through
    the ORM each time cost three times what the database spends on it (the bench's outbox
    line). It is the same guarded UPDATE the ORM would send.
    """
    adapt = connection.ops.adapt_datetimefield_value
    with connection.cursor() as cursor:
        cursor.execute(
            _finish_sql(),
            [
                status,
                error[:2000],
                adapt(timezone.now()),
                adapt(sent_at),
                adapt(next_attempt_at),
                status == MessageStatus.PENDING,  # kept for the next attempt
                message.pk,
                message.claim,
                MessageStatus.SENDING,
                MessageStatus.PENDING,
            ],
        )
        return cursor.rowcount == 1


@functools.cache
def _finish_sql() -> str:
    qn = connection.ops.quote_name
    column = {f.name: qn(f.column) for f in Message._meta.concrete_fields}
    return (
        f"UPDATE {qn(Message._meta.db_table)} SET {column['status']} = %s,"  # noqa: S608  # quoted column names; values are parameters  # nosec B608
        f" {column['last_error']} = %s, {column['lease_until']} = NULL,"
        f" {column['updated_at']} = %s,"
        f" {column['sent_at']} = COALESCE(%s, {column['sent_at']}),"
        f" {column['next_attempt_at']} = COALESCE(%s, {column['next_attempt_at']}),"
        f" {column['rendered']} = CASE WHEN %s THEN {column['rendered']} ELSE NULL END"
        f" WHERE {column['id']} = %s AND {column['claim']} = %s"
        f" AND {column['status']} IN (%s, %s)"
    )


def messages_deliver(
    *, message_ids: list[int], now: datetime.datetime | None = None
) -> dict[int, Outcome]:
    """Deliver the rows that are due and nobody else has; see the module docstring.

    Each row is finished on its own right after its send, so a worker that dies in the
    middle of a batch leaves at most the one row in flight to be repeated.
    """
    now = now or timezone.now()
    outcomes = dict.fromkeys(message_ids, NOTHING)
    bugs: list[Exception] = []
    for message in messages_claim(message_ids=message_ids, now=now):
        try:
            outcomes[message.pk] = _deliver_claimed(message, now=now)
        except Exception as exc:  # a bug, already recorded as failed: go on with the rest
            logger.exception("message %s failed with an error in our code", message.pk)
            outcomes[message.pk] = Outcome(MessageStatus.FAILED, reason=repr(exc))
            bugs.append(exc)
    if bugs:
        raise bugs[0]
    return outcomes


def message_deliver(*, message_id: int, now: datetime.datetime | None = None) -> Outcome:
    return messages_deliver(message_ids=[message_id], now=now)[message_id]


def _deliver_claimed(message: Message, *, now: datetime.datetime) -> Outcome:
    from .rendering import email_for

    reason = not_to_send_reason(message, now=now)
    if reason:
        _finish(message, status=MessageStatus.SKIPPED, error=reason)
        return Outcome(MessageStatus.SKIPPED, reason=reason)
    if message.channel == MessageChannel.PUSH:
        return _deliver_push(message, now=now)
    try:
        connections.send(email_for(message))
    except Exception as exc:
        return _failed_attempt(message, exc)
    _record_sent(message, sent_at=timezone.now())
    return Outcome(MessageStatus.SENT)


def _deliver_push(message: Message, *, now: datetime.datetime) -> Outcome:
    """Step 3 for a push row: post to the device's push service (``push.push_send``)."""
    from .push import SubscriptionGone, push_send

    device = PushSubscription.objects.filter(pk=message.context.get("subscription_id")).first()
    if device is None:
        reason = "the device no longer takes push notifications"
        _finish(message, status=MessageStatus.SKIPPED, error=reason)
        return Outcome(MessageStatus.SKIPPED, reason=reason)
    try:
        push_send(message, device)
    except SubscriptionGone as exc:
        PushSubscription.objects.filter(pk=device.pk).delete()
        reason = f"{exc}: the device's subscription was removed"
        _finish(message, status=MessageStatus.SKIPPED, error=reason)
        logger.info("message %s: push subscription %s removed (%s)", message.pk, device.pk, exc)
        return Outcome(MessageStatus.SKIPPED, reason=reason)
    except Exception as exc:
        return _failed_attempt(message, exc)
    _record_sent(message, sent_at=timezone.now())
    PushSubscription.objects.filter(pk=device.pk).update(last_success_at=timezone.now())
    return Outcome(MessageStatus.SENT)


def _record_sent(message: Message, *, sent_at: datetime.datetime) -> None:
    """``sending → sent`` for a message the server has accepted. A database that went away
    (restarted) is waited for, reconnecting, up to ``RECORD_SECONDS``: a row left
    ``sending`` would be sent again after its lease."""
    deadline = time.monotonic() + setting("RECORD_SECONDS")
    pause = 0.2
    while True:
        try:
            _finish(message, status=MessageStatus.SENT, sent_at=sent_at)
            return
        except (OperationalError, InterfaceError):
            if connection.in_atomic_block or time.monotonic() + pause > deadline:
                raise
            logger.warning("message %s sent; the database is away, recording it again", message.pk)
            connection.close()
            time.sleep(pause)
            pause = min(pause * 2, 2.0)


def _failed_attempt(message: Message, exc: Exception) -> Outcome:
    error = f"{type(exc).__name__}: {exc}"
    if is_transient(exc) and message.attempts < setting("MAX_ATTEMPTS"):
        delay = backoff_seconds(message.attempts)
        _finish(
            message,
            status=MessageStatus.PENDING,
            error=error,
            next_attempt_at=timezone.now() + datetime.timedelta(seconds=delay),
        )
        logger.warning("message %s: transient error, retry in %.0f s: %s", message.pk, delay, error)
        return Outcome(MessageStatus.PENDING, retry_in=delay, reason=error)
    _finish(message, status=MessageStatus.FAILED, error=error)
    from .push import PushRejected

    if is_transient(exc) or isinstance(exc, (smtplib.SMTPException, PushRejected)):
        logger.warning("message %s failed: %s", message.pk, error)
        return Outcome(MessageStatus.FAILED, reason=error)
    # Not a delivery problem but a bug: recorded as failed, and raised for the logs.
    raise exc


def _loaded() -> QuerySet[Message]:
    """What sending reads (the sender is the pool's, an invitation's account must still be
    there); a row without its rendered e-mail loads the rest when it is rendered."""
    return Message.objects.select_related("pool", "recipient_user")


# -- not to be sent ------------------------------------------------------------------------


def not_to_send_reason(message: Message, *, now: datetime.datetime) -> str:
    """Why the claimed row must not go out, or "" to send it. Only what the outbox knows:
    whether the row's ``not_after`` has passed (an offer expired, an appointment began, or a
    change voided a row while a worker held it), and whether the account an invitation is
    for still exists. Which messages a change makes stale, the change decides when it
    happens (``messages_void``)."""
    if message.not_after is not None and message.not_after <= now:
        return f"not sent after {message.not_after.isoformat(timespec='seconds')}"
    if message.kind == MessageKind.ACCOUNT_INVITATION:
        user = message.recipient_user
        return "" if user is not None and user.is_active else "account gone or inactive"
    return ""


# -- SMTP connections reused by a worker process -------------------------------------------


class Connections(threading.local):
    """One open SMTP connection per worker process (thread), reopened when idle too long.

    Other back-ends (files, memory) get a fresh connection per message.
    """

    def __init__(self) -> None:
        self.backend: Any = None
        self.signature: tuple[Any, ...] = ()
        self.last_used = 0.0

    def send(self, email: EmailMessage) -> None:
        backend, reused = self._backend()
        if backend is None:
            get_connection(fail_silently=False).send_messages([email])
            return
        try:
            _transmit(backend, email)
        except smtplib.SMTPServerDisconnected:
            self.close()
            if not reused:
                raise
            # The server dropped an idle connection before we sent anything: once more.
            backend, _reused = self._backend()
            _transmit(backend, email)
        except BaseException:
            self.close()
            raise
        self.last_used = time.monotonic()

    def _backend(self) -> tuple[Any, bool]:
        signature = (
            settings.EMAIL_BACKEND,
            settings.EMAIL_HOST,
            settings.EMAIL_PORT,
            getattr(settings, "EMAIL_HOST_USER", ""),
        )
        if not settings.EMAIL_BACKEND.endswith("smtp.EmailBackend"):
            return None, False
        idle = time.monotonic() - self.last_used
        if self.backend is not None and (
            signature != self.signature or idle > setting("SMTP_IDLE_SECONDS")
        ):
            self.close()
        if self.backend is None:
            backend = get_connection(fail_silently=False)
            if not isinstance(backend, SmtpBackend):
                return None, False
            backend.open()
            self.backend, self.signature = backend, signature
            return backend, False
        return self.backend, True

    def close(self) -> None:
        if self.backend is not None:
            backend, self.backend = self.backend, None
            backend.fail_silently = True
            backend.close()


def _transmit(backend: SmtpBackend, email: EmailMessage) -> None:
    """Bytes rendered when the row was written go straight to the open smtplib connection
    (envelope addresses made SMTP-safe as Django's back-end would); anything else through
    the back-end."""
    from .rendering import RenderedEmail

    if isinstance(email, RenderedEmail) and backend.connection is not None:
        backend.connection.sendmail(
            _smtp_address(email.envelope_from), [_smtp_address(a) for a in email.to], email.raw
        )
    else:
        backend.send_messages([email])


def _smtp_address(address: str) -> str:
    return address if address.isascii() else sanitize_address(address, "utf-8")


connections = Connections()
