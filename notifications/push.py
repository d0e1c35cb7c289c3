"""Web Push: a mediator's phone (or any browser they turned it on in) hears of new offers,
confirmations, changes, cancellations and reminders, in the mediator's language.

Push is a second channel of the same outbox. When ``messages_write`` saves a mediator's
e-mail of one of the ``PUSH_KINDS``, it writes one more row per device the recipient turned
push on for (``channel = push``, the key of the e-mail's row plus the device), in the same
transaction: so the push rows are voided with their e-mail by a change that made it stale,
claimed, leased, retried and swept exactly like e-mail, by the same Celery task. The e-mail
always goes out as well: it is the record (with the calendar invitation and the one-click
answer); the push notification is the heads-up on the phone.

- ``payload``: the notification's JSON, rendered when the row is written (title = the
  e-mail's subject, body = its first paragraph, the page to open, a tag);
- ``push_send``: encrypts it for the device (aes128gcm, RFC 8291) and posts it to the push
  service with a VAPID signature (RFC 8292), through ``pywebpush``. 201 = sent; 404/410 = the
  device's subscription is gone: it is deleted and the row ends skipped; 429 and 5xx =
  another try later (the e-mail back-off); any other answer fails the row.

A repeat after a worker died between the push service's answer and recording it (the window
the e-mail has too, see ``delivery``) carries the same tag and Topic header: the push service
replaces an undelivered copy, and the service worker shows the notification under the same
tag, so the phone still shows it once.

Push is on when ``VAPID_PRIVATE_KEY``, ``VAPID_PUBLIC_KEY`` and ``VAPID_SUBJECT`` are set
(``manage.py vapid_keys`` makes a pair); without them, no push rows are written and the
mediators' pages do not offer it.
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import ipaddress
import json
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from django.conf import settings
from django.utils import timezone, translation

from .conf import setting
from .constants import PUSH_KINDS, SIDE_MEDIATOR, MessageChannel, MessageKind, MessageStatus

if TYPE_CHECKING:
    from .models import Message, PushSubscription

BODY_MAX = 180
# The pages a notification opens, by kind (names of the pages' URLs; notifications.links).
OFFER_PAGE = "web:mediator-offers"
BOOKING_PAGE = "web:mediator-booking"
ASSIGNMENTS_PAGE = "web:mediator-assignments"


class PushRejected(Exception):
    """The push service refused the message for good (a 4xx other than 404/410/429)."""


class PushUnavailable(ConnectionError):
    """The push service asks us to come back later (429, 5xx): a transient error."""


class SubscriptionGone(Exception):
    """The push service no longer knows the device (404, 410)."""


# -- configuration ---------------------------------------------------------------------------


def push_enabled() -> bool:
    return bool(
        getattr(settings, "VAPID_PRIVATE_KEY", "")
        and getattr(settings, "VAPID_PUBLIC_KEY", "")
        and getattr(settings, "VAPID_SUBJECT", "")
    )


def vapid_public_key() -> str:
    """The application server key the browser subscribes with (base64url, uncompressed
    P-256 point), or "" when push is off."""
    return settings.VAPID_PUBLIC_KEY if push_enabled() else ""


def vapid_keys_generate() -> tuple[str, str]:
    """A new VAPID key pair as (private, public), both base64url without padding: the raw
    32-byte private number and the uncompressed public point."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    key = ec.generate_private_key(ec.SECP256R1())
    private = key.private_numbers().private_value.to_bytes(32, "big")
    public = key.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    return _b64(private), _b64(public)


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _b64decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


# -- which endpoints we post to ----------------------------------------------------------------


def endpoint_problem(endpoint: str) -> str:
    """Why we must not post to this endpoint, or "". The worker posts to whatever a
    subscription names, so only HTTPS to a public host name is taken (no IP literal, no
    localhost: nobody makes our worker call into the local network). Tests add their
    loopback endpoint's origin to ``PUSH_EXTRA_ENDPOINT_ORIGINS``."""
    try:
        parts = urlsplit(endpoint)
        host = (parts.hostname or "").lower()
        parts.port  # noqa: B018 - raises ValueError for a bad port
    except ValueError:
        return "not a URL"
    origin = f"{parts.scheme}://{parts.netloc}".lower()
    if origin in {
        o.rstrip("/").lower() for o in getattr(settings, "PUSH_EXTRA_ENDPOINT_ORIGINS", [])
    }:
        return ""
    if parts.scheme != "https" or not host or len(endpoint) > 1000:
        return "not an https URL"
    if parts.username or parts.password:
        return "credentials in the URL"
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        pass
    else:
        return "an IP address, not a push service's name"
    if (
        host == "localhost"
        or host.endswith((".localhost", ".local", ".internal"))
        or "." not in host
    ):
        return "not a public host name"
    return ""


def keys_problem(p256dh: str, auth: str) -> str:
    """Why these are not a browser's subscription keys, or "": p256dh is an uncompressed
    P-256 point (65 bytes), auth a 16-byte secret, both base64url."""
    try:
        public, secret = _b64decode(p256dh), _b64decode(auth)
    except (ValueError, TypeError):
        return "keys are not base64url"
    if len(public) != 65 or public[0] != 4 or len(secret) != 16:
        return "keys of the wrong length"
    from cryptography.hazmat.primitives.asymmetric import ec

    try:
        ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), public)
    except ValueError:
        return "p256dh is not a point on P-256"
    return ""


# -- which rows ------------------------------------------------------------------------------


def push_rows_for(rows: list[Message]) -> list[Message]:
    """The push rows to write alongside these fresh, pending e-mail rows: one per device of
    the recipient, for a mediator's message of the ``PUSH_KINDS``, when push is on."""
    from .models import Message, PushSubscription

    if not push_enabled():
        return []
    wanted = [
        row
        for row in rows
        if row.channel == MessageChannel.EMAIL
        and row.status == MessageStatus.PENDING
        and row.kind in PUSH_KINDS
        and row.recipient_user_id is not None
        and row.context.get("side") == SIDE_MEDIATOR
    ]
    if not wanted:
        return []
    devices: dict[int, list[PushSubscription]] = {}
    for device in PushSubscription.objects.filter(
        user_id__in={row.recipient_user_id for row in wanted}
    ).order_by("pk"):
        devices.setdefault(device.user_id, []).append(device)
    push: list[Message] = []
    for row in wanted:
        for device in devices.get(row.recipient_user_id or 0, []):
            push.append(
                Message(
                    kind=row.kind,
                    channel=MessageChannel.PUSH,
                    idempotency_key=f"{row.idempotency_key}:push{device.pk}"[:200],
                    recipient_email=row.recipient_email,
                    recipient_name=row.recipient_name,
                    recipient_user_id=row.recipient_user_id,
                    language=row.language,
                    pool=row.pool,
                    booking=row.booking,
                    booking_sequence=row.booking_sequence,
                    offer=row.offer,
                    context={**row.context, "subscription_id": device.pk},
                    not_after=row.not_after,
                    created_at=row.created_at,
                )
            )
    return push


# -- what it says ----------------------------------------------------------------------------


def push_tag(message: Message) -> str:
    """Stable for the row (from its key, like an e-mail's Message-ID): the notification's
    tag and the push service's Topic (at most 32 base64url characters)."""
    return hashlib.sha256(message.idempotency_key.encode()).hexdigest()[:32]


def _page(message: Message) -> str:
    from .links import page_url

    if message.kind == MessageKind.OFFER_MADE:
        return page_url(OFFER_PAGE, fallback="/")
    if message.kind == MessageKind.BOOKING_CANCELLED or message.booking_id is None:
        return page_url(ASSIGNMENTS_PAGE, fallback="/")
    return page_url(BOOKING_PAGE, kwargs={"pk": message.booking_id}, fallback="/")


def payload(message: Message) -> bytes:
    """The notification as the service worker shows it (static/js/sw-push.js), in the
    recipient's language: the e-mail's subject as the title, its first paragraph as the
    body, the page to open, the tag."""
    from .content import content_for

    with translation.override(message.language):
        content = content_for(message)
        body = next((p for p in content.paragraphs if p.strip()), "")
        if len(body) > BODY_MAX:
            body = body[: BODY_MAX - 1].rstrip() + "…"
        data = {
            "title": content.subject,
            "body": body,
            "url": _page(message),
            "tag": push_tag(message),
            "lang": message.language,
            "dir": "rtl" if translation.get_language_bidi() else "ltr",
        }
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


# -- sending ---------------------------------------------------------------------------------


def _ttl(message: Message, now: datetime.datetime) -> int:
    ttl = setting("PUSH_TTL_SECONDS")
    if message.not_after is not None:
        ttl = min(ttl, int((message.not_after - now).total_seconds()))
    return max(ttl, 0)


def _vapid() -> Any:
    from py_vapid import Vapid02

    return Vapid02.from_raw(settings.VAPID_PRIVATE_KEY.encode())


def push_send(message: Message, device: PushSubscription) -> None:
    """Post the row's notification to the device's push service. Raises
    ``SubscriptionGone`` (404, 410), ``PushUnavailable`` (429, 5xx), ``PushRejected`` (other
    4xx) or the connection's own error (transient)."""
    from pywebpush import WebPushException, webpush

    data = bytes(message.rendered) if message.rendered is not None else payload(message)
    try:
        webpush(
            subscription_info={
                "endpoint": device.endpoint,
                "keys": {"p256dh": device.p256dh, "auth": device.auth},
            },
            data=data,
            vapid_private_key=_vapid(),
            vapid_claims={"sub": settings.VAPID_SUBJECT},
            ttl=_ttl(message, timezone.now()),
            headers={"Topic": push_tag(message), "Urgency": "high"},
            timeout=setting("PUSH_TIMEOUT_SECONDS"),
        )
    except WebPushException as exc:
        status = getattr(exc.response, "status_code", None)
        text = f"push service answered {status}"
        if status in (404, 410):
            raise SubscriptionGone(text) from exc
        if status is None or status == 429 or status >= 500:
            raise PushUnavailable(text) from exc
        raise PushRejected(text) from exc
