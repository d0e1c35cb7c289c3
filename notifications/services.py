"""The outbox's API: the apps that write messages build rows and write them inside their
transaction; the outbox delivers them (``delivery``) and knows nothing of what they are about.

``messages_write`` saves rows in the caller's transaction and enqueues their delivery for
after the commit: a rolled-back change leaves neither a row nor a task. Every row has an
idempotency key derived from what caused it, so a hook or a periodic job that runs twice
writes nothing the second time. Which rows a change writes, and which earlier rows it made
stale (``messages_void``), the app that owns the change decides: for bookings,
``bookings.messages``. The outbox itself checks only what it can know without them: a row's
``not_after``.
"""

from __future__ import annotations

import datetime
import logging
import uuid
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, transaction
from django.db.models import Case, DateTimeField, F, Value, When
from django.utils import timezone

from config.queue import enqueue_ids_on_commit, enqueue_on_commit

from .constants import DELIVER_TASK, DELIVERY_BATCH, MessageKind, MessageStatus
from .models import Message, PushSubscription
from .push import endpoint_problem, keys_problem, push_enabled, push_rows_for
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
    not_after: datetime.datetime | None = None,
) -> Message:
    """An unsaved outbox row; ``messages_write`` saves it.

    ``booking`` and ``offer``: the rows of ``bookings.Booking`` and ``bookings.Offer`` the
    message is about, if any (typed loosely: the transport does not import bookings; the
    row keeps the booking's calendar sequence of the moment). ``not_after``: the moment
    from which the message must not go out any more (e.g. an offer's expiry)."""
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
        not_after=not_after,
    )


def message_skip(*, message: Message, reason: str) -> Message:
    """Mark an unsaved row to be written ``skipped``: kept for the record (and its key), never
    rendered, enqueued or sent - not even when a coordinator sends it again."""
    message.status = MessageStatus.SKIPPED
    message.last_error = reason
    message.not_after = message.created_at
    return message


def messages_write(rows: list[Message]) -> list[Message]:
    """Save the rows whose key is new and enqueue the delivery of the pending ones (a row may
    come marked skipped, ``message_skip``) after commit. A mediator's e-mail of the
    ``PUSH_KINDS`` brings a push row for each of their devices (``push.push_rows_for``)."""
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
    for row in push_rows_for(list(fresh.values())):
        if row.idempotency_key not in existing:
            fresh.setdefault(row.idempotency_key, row)
    for row in fresh.values():
        if row.status == MessageStatus.PENDING:
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
    pending = [row.pk for row in created if row.status == MessageStatus.PENDING]
    enqueue_ids_on_commit(DELIVER_TASK, pending, batch_size=DELIVERY_BATCH)
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


def messages_void(
    *, message_ids: list[int], reason: str, now: datetime.datetime | None = None
) -> int:
    """The rows a change made stale do not go out (the app that owns the change says which,
    in its transaction: see ``bookings.messages.void``, which also explains the race with a
    worker). A pending row ends ``skipped`` at once, with the reason and without its copy of
    the e-mail; a failed one keeps its status but gets ``not_after`` = now, so that a
    coordinator's resend skips it. A row a worker has claimed (``sending``) gets
    ``not_after`` = the time it was due, which is not after the worker's claim: the worker
    skips it if it loads the row after this commit, and sends it if it loaded it before. Each
    update is guarded by the status, so a concurrent claim is harmless either way. Returns
    how many rows ended skipped here."""
    now = now or timezone.now()
    skipped = Message.objects.filter(pk__in=message_ids, status=MessageStatus.PENDING).update(
        status=MessageStatus.SKIPPED,
        last_error=reason,
        not_after=now,
        rendered=None,
        lease_until=None,
        updated_at=now,
    )
    # After the first update, so that a row claimed before it is caught here (pending again:
    # the sweep took back a row whose lease ran out in between).
    Message.objects.filter(
        pk__in=message_ids,
        status__in=[MessageStatus.SENDING, MessageStatus.PENDING, MessageStatus.FAILED],
    ).update(
        not_after=Case(
            When(status=MessageStatus.FAILED, then=Value(now)),
            default=F("next_attempt_at"),
            output_field=DateTimeField(),
        )
    )
    return skipped


def message_resend(*, message: Message) -> bool:
    """A coordinator sends a failed (or skipped) message again: back to pending, new tries.
    One whose ``not_after`` has passed (e.g. voided by a change) is skipped again."""
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


def applicant_message_notify(
    *, key: str, email: str, name: str, language: str, pool: Pool | None, text: str
) -> None:
    """The coordinators' answer to a person who applied to become a mediator (who has no
    account): their ``text`` in an e-mail in ``language``, once per ``key``. Called through
    ``core.invitations.applicant_notify`` in the transaction of the decision."""
    recipient = Recipient(email=email, name=name, language=message_language(language))
    messages_write(
        [
            message_build(
                kind=MessageKind.APPLICANT_MESSAGE,
                key=key,
                recipient=recipient,
                pool=pool,
                context={"text": text},
            )
        ]
    )


# -- push notifications: a mediator's devices ---------------------------------------------


class PushSubscriptionInvalid(ValueError):
    """What a browser sent is not a push subscription we take; the message says why."""


def push_subscription_save(
    *, user: AbstractBaseUser, endpoint: str, p256dh: str, auth: str, label: str = ""
) -> PushSubscription:
    """Turn push on for one device of ``user`` (the caller checks they are a mediator): a
    new subscription, or the same endpoint's keys renewed. An endpoint of another user's
    device changes hands (the browser is now theirs: the push service gave it to them)."""
    if not push_enabled():
        raise PushSubscriptionInvalid("push notifications are not configured")
    problem = endpoint_problem(endpoint) or keys_problem(p256dh, auth)
    if problem:
        raise PushSubscriptionInvalid(problem)
    device, _created = PushSubscription.objects.update_or_create(
        endpoint=endpoint,
        defaults={"user_id": user.pk, "p256dh": p256dh, "auth": auth, "label": label[:100]},
    )
    return device


def push_subscription_delete(
    *, user: AbstractBaseUser, pk: int | None = None, endpoint: str = ""
) -> bool:
    """Turn push off for one of ``user``'s devices (by id or endpoint); only their own.
    Push rows already written for it end skipped when a worker gets to them."""
    devices = PushSubscription.objects.filter(user_id=user.pk)
    if pk is not None:
        devices = devices.filter(pk=pk)
    elif endpoint:
        devices = devices.filter(endpoint=endpoint)
    else:
        return False
    deleted, _by_model = devices.delete()
    return bool(deleted)
