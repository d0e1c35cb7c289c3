"""Turn an outbox row into an e-mail: text and HTML from templates, plus the calendar part.

An invitation is ``multipart/mixed`` holding ``multipart/alternative`` (text/plain,
text/html, ``text/calendar; method=REQUEST``) and the same calendar as ``invite.ics``.

A row is rendered once, when it is written (``rendered_bytes`` in ``messages_write``, in
the transaction of the change that causes it): it then says exactly what was true at that
change, a retry sends the very same bytes, and the worker only sends (``RenderedEmail``).
A row that could not be rendered then (or was written before) is rendered at send time.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.mail import EmailMessage, EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import translation

from .content import MailContent, content_for
from .ical import invitation, uid_domain

if TYPE_CHECKING:
    from institutions.models import Pool

    from .models import Message


def sender_address(pool: Pool | None) -> str:
    return (pool.mail_sender if pool is not None else "") or _plain(settings.DEFAULT_FROM_EMAIL)


def _plain(address: str) -> str:
    return address.rsplit("<", 1)[-1].rstrip(">").strip()


def from_header(pool: Pool | None) -> str:
    from email.utils import formataddr

    if pool is not None and pool.mail_sender:
        return formataddr((pool.name, pool.mail_sender))
    return settings.DEFAULT_FROM_EMAIL


def message_id(message: Message) -> str:
    """Derived from the idempotency key (unique per row, known before the row is saved):
    stable across retries, so a receiving system can drop a repeat."""
    digest = hashlib.sha256(message.idempotency_key.encode()).hexdigest()[:32]
    return f"<spm.{digest}@{uid_domain()}>"


def rendered_bytes(message: Message) -> bytes:
    """The whole e-mail as it goes over SMTP (RFC 5322, CRLF line ends); for a push row,
    the notification's JSON (``push.payload``)."""
    from .constants import MessageChannel

    if message.channel == MessageChannel.PUSH:
        from .push import payload

        return payload(message)
    return render_email(message).message().as_bytes(linesep="\r\n")


class _Rendered:
    """What ``EmailMessage.message()`` returns, for bytes that are already rendered: the
    mail back-ends only call ``as_bytes`` (SMTP with CRLF, files with LF)."""

    def __init__(self, raw: bytes) -> None:
        self.raw = raw

    def as_bytes(self, unixfrom: bool = False, linesep: str = "\n") -> bytes:
        return self.raw if linesep == "\r\n" else self.raw.replace(b"\r\n", linesep.encode())

    def get_charset(self) -> None:  # the console back-end asks; the bytes are UTF-8
        return None


class RenderedEmail(EmailMessage):
    """An e-mail rendered when its row was written, sent byte for byte by any back-end."""

    def __init__(self, raw: bytes, *, from_email: str, to: list[str], envelope_from: str) -> None:
        super().__init__(from_email=from_email, to=to)
        self.raw = bytes(raw)
        self.envelope_from = envelope_from

    def message(self) -> Any:
        return _Rendered(self.raw)


def email_for(message: Message) -> EmailMessage:
    """What the worker sends for a row: its bytes from the time it was written, or (for a
    row without them) a rendering now."""
    if message.rendered is not None:
        return RenderedEmail(
            message.rendered,
            from_email=from_header(message.pool),
            to=[message.recipient_email],
            envelope_from=sender_address(message.pool),
        )
    return render_email(message)


def render_email(message: Message) -> EmailMultiAlternatives:
    with translation.override(message.language):
        content = content_for(message)
        context = {
            "content": content,
            "recipient_name": message.recipient_name,
            "footer": message.pool.mail_footer if message.pool else "",
            "pool_name": message.pool.name if message.pool else "",
            "language": message.language,
            "direction": "rtl" if translation.get_language_bidi() else "ltr",
        }
        text = render_to_string("notifications/email/message.txt", context)
        html = render_to_string("notifications/email/message.html", context)
        email = EmailMultiAlternatives(
            subject=content.subject,
            body=text,
            from_email=from_header(message.pool),
            to=[message.recipient_email],
            reply_to=[message.pool.mail_reply_to]
            if message.pool and message.pool.mail_reply_to
            else None,
            headers={
                "Message-ID": message_id(message),
                "Auto-Submitted": "auto-generated",
                "Content-Language": message.language,
            },
        )
        email.attach_alternative(html, "text/html")
        _attach_calendar(email, content)
    return email


def _attach_calendar(email: EmailMultiAlternatives, content: MailContent) -> None:
    if content.event is None:
        return
    method, ics = invitation(content.event)
    text = ics.decode("utf-8")
    # The subtype carries the iTIP method parameter: text/calendar; method=REQUEST.
    email.attach_alternative(text, f"text/calendar; method={method}")
    filename = "cancel.ics" if method == "CANCEL" else "invite.ics"
    email.attach(filename, ics, "application/ics")
