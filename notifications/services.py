"""The outbox's API: the apps that write messages build rows and write them inside their
transaction; the outbox delivers them (``delivery``) and knows nothing of what they are about.

``messages_write`` saves rows in the caller's transaction and enqueues their delivery for
after the commit: a rolled-back change leaves neither a row nor a task. Every row has an
idempotency key derived from what caused it, so a hook or a periodic job that runs twice
writes nothing the second time. Which rows a change writes, the app that owns the change
decides: for bookings, ``bookings.messages``.
"""

from __future__ import annotations

import logging
import uuid
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from config.queue import enqueue_ids_on_commit, enqueue_on_commit

from .constants import DELIVER_TASK, DELIVERY_BATCH, MessageKind, MessageStatus
from .models import Message
from .recipients import Recipient, message_language

logger = logging.getLogger(__name__)

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

    from institutions.models import Pool


# -- writing rows --------------------------------------------------------------------------


def message_build(
    *,
    kind: str,
    key: str,
    recipient: Recipient,
    pool: Pool | None = None,
    booking: Any = None,
    offer: Any = None,
    context: dict[str, Any] | None = None,
) -> Message:
    """An unsaved outbox row; ``messages_write`` saves it.

    ``booking`` and ``offer``: the rows of ``bookings.Booking`` and ``bookings.Offer`` the
    message is about, if any (typed loosely: the transport does not import bookings; the
    row keeps the booking's calendar sequence of the moment)."""
    return Message(
        kind=kind,
        idempotency_key=key,
        recipient_email=recipient.email,
        recipient_name=recipient.name[:200],
        recipient_user_id=recipient.user_id,
        language=recipient.language,
        pool=pool if pool is not None else (booking.pool if booking is not None else None),
        booking=booking,
        booking_sequence=booking.sequence if booking is not None else None,
        offer=offer,
        context=context or {},
    )


def messages_write(rows: list[Message]) -> list[Message]:
    """Save the rows whose key is new and enqueue their delivery after commit."""
    if not rows:
        return []
    keys = [row.idempotency_key for row in rows]
    existing = set(
        Message.objects.filter(idempotency_key__in=keys).values_list("idempotency_key", flat=True)
    )
    fresh: dict[str, Message] = {}
    for row in rows:
        if row.idempotency_key not in existing:
            fresh.setdefault(row.idempotency_key, row)
    for row in fresh.values():
        row.rendered = _rendered_or_none(row)
    created: list[Message] = []
    try:
        with transaction.atomic():
            created = Message.objects.bulk_create(list(fresh.values()))
    except IntegrityError:
        # A concurrent transaction wrote one of these keys first: keep the others.
        for row in fresh.values():
            try:
                with transaction.atomic():
                    row.save(force_insert=True)
            except IntegrityError:
                continue
            created.append(row)
    enqueue_ids_on_commit(DELIVER_TASK, [row.pk for row in created], batch_size=DELIVERY_BATCH)
    return created


def _rendered_or_none(row: Message) -> bytes | None:
    """The e-mail rendered now, in the transaction of the change. Should rendering fail
    (a bug), the change still goes through: the worker renders the row at send time, and
    a failure there is recorded on the row and shown to coordinators."""
    from .rendering import rendered_bytes

    try:
        return rendered_bytes(row)
    except Exception:
        logger.exception("message %s could not be rendered when written", row.idempotency_key)
        return None


def message_resend(*, message: Message) -> bool:
    """A coordinator sends a failed (or skipped) message again: back to pending, new tries."""
    # Rendered again: a resend days later carries fresh links (e.g. an invitation's).
    updated = Message.objects.filter(
        pk=message.pk, status__in=[MessageStatus.FAILED, MessageStatus.SKIPPED]
    ).update(
        rendered=_rendered_or_none(message),
        status=MessageStatus.PENDING,
        attempts=0,
        next_attempt_at=timezone.now(),
        lease_until=None,
        last_error="",
        updated_at=timezone.now(),
    )
    if updated:
        enqueue_on_commit(DELIVER_TASK, [message.pk])
    return bool(updated)


# -- the transport's own message -----------------------------------------------------------


def account_invitation_notify(
    *,
    user: AbstractBaseUser,
    pool: Pool | None = None,
    language: str | None = None,
    staff: bool = False,
) -> None:
    """A new account: an e-mail with a link to set the password (valid for
    PASSWORD_RESET_TIMEOUT), in the staff's languages for ``staff``. Call it in the transaction
    that creates the account (institutions and mediators do, through core.invitations)."""
    email = getattr(user, "email", "")
    if not email:
        return
    name = user.get_full_name() if hasattr(user, "get_full_name") else ""
    recipient = Recipient(
        email=email,
        name=name or user.get_username(),
        language=message_language(language, staff=staff),
        user_id=user.pk,
    )
    messages_write(
        [
            message_build(
                kind=MessageKind.ACCOUNT_INVITATION,
                key=f"{MessageKind.ACCOUNT_INVITATION}:u{user.pk}:{uuid.uuid4().hex}",
                recipient=recipient,
                pool=pool,
            )
        ]
    )
