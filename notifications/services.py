"""Messages caused by changes: the hooks every other app calls inside its transaction.

Each hook writes outbox rows (``Message``) in the caller's transaction and enqueues their
delivery for after the commit: a rolled-back change leaves neither a row nor a task. Every
row has an idempotency key derived from what caused it, so a hook or a periodic job that
runs twice writes nothing the second time.
"""

from __future__ import annotations

import logging
import uuid
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from config.queue import enqueue_ids_on_commit, enqueue_on_commit

from .constants import (
    DELIVER_TASK,
    DELIVERY_BATCH,
    SIDE_INSTITUTION,
    SIDE_MEDIATOR,
    MessageKind,
    MessageStatus,
)
from .models import Message
from .recipients import (
    Recipient,
    coordinator_recipients,
    institution_recipient,
    mediator_recipient,
)

logger = logging.getLogger(__name__)

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

    from bookings.models import Alert, Booking, BookingEvent, Offer, Standby
    from institutions.models import Pool


# -- writing rows --------------------------------------------------------------------------


def message_build(
    *,
    kind: str,
    key: str,
    recipient: Recipient,
    pool: Pool | None = None,
    booking: Booking | None = None,
    offer: Offer | None = None,
    context: dict[str, Any] | None = None,
) -> Message:
    """An unsaved outbox row; ``messages_write`` saves it."""
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


# -- the hooks -----------------------------------------------------------------------------


def booking_event_notify(*, booking: Booking, event: BookingEvent) -> None:
    """Called inside the transaction of every booking event (each status transition and
    each change after confirmation, e.g. time or place): writes the messages it causes
    (confirmed, changed, cancelled, re-opened, report request, ...)."""
    messages_write(_booking_event_messages(booking=booking, event=event))


def _booking_event_messages(*, booking: Booking, event: BookingEvent) -> list[Message]:
    from bookings.constants import Status

    frm, to = event.from_status, event.to_status
    key = f"event{event.pk}"
    rows: list[Message] = []

    def both_sides(kind: str) -> None:
        # Both sides hold (or held) the calendar invitation of a confirmed booking.
        rows.extend(_institution_message(booking, kind, key, calendar=True))
        if booking.mediator_id:
            rows.extend(_mediator_message(booking, booking.mediator, kind, key))

    if to == Status.CONFIRMED:
        both_sides(
            MessageKind.BOOKING_CHANGED
            if frm == Status.CONFIRMED
            else MessageKind.BOOKING_CONFIRMED
        )
    elif to == Status.CANCELLED:
        if frm == Status.CONFIRMED:
            both_sides(MessageKind.BOOKING_CANCELLED)
        elif not _is_recipient(event.actor_id, institution_recipient(booking)):
            # e.g. a coordinator refused the request: the institution hears why.
            rows.extend(_institution_message(booking, MessageKind.BOOKING_CANCELLED, key))
    elif frm == Status.CONFIRMED and to in (Status.REQUESTED, Status.OFFERED):
        # The mediator gave the booking back: matching re-opens.
        rows.extend(_institution_message(booking, MessageKind.BOOKING_REOPENED, key, calendar=True))
        former = _former_mediator(event)
        if former is not None:
            rows.extend(_mediator_message(booking, former, MessageKind.BOOKING_CANCELLED, key))
    elif to == Status.COMPLETED and booking.mediator_id:
        rows.extend(report_request_messages(booking=booking))
    return rows


def _is_recipient(user_id: int | None, recipient: Recipient | None) -> bool:
    return recipient is not None and user_id is not None and recipient.user_id == user_id


def _former_mediator(event: BookingEvent) -> Any:
    from mediators.models import Mediator

    mediator_id = (event.data or {}).get("mediator_id")
    if not mediator_id:
        return None
    return Mediator.objects.select_related("user").filter(pk=mediator_id).first()


def _institution_message(
    booking: Booking, kind: str, key: str, *, calendar: bool = False
) -> list[Message]:
    recipient = institution_recipient(booking)
    if recipient is None:
        return []
    return [
        message_build(
            kind=kind,
            key=f"{kind}:{key}:{SIDE_INSTITUTION}",
            recipient=recipient,
            booking=booking,
            context={"side": SIDE_INSTITUTION, "calendar": calendar},
        )
    ]


def _mediator_message(booking: Booking, mediator: Any, kind: str, key: str) -> list[Message]:
    recipient = mediator_recipient(mediator)
    if recipient is None:
        return []
    return [
        message_build(
            kind=kind,
            key=f"{kind}:{key}:{SIDE_MEDIATOR}{mediator.pk}",
            recipient=recipient,
            booking=booking,
            context={"side": SIDE_MEDIATOR, "mediator_id": mediator.pk, "calendar": True},
        )
    ]


def report_request_messages(*, booking: Booking) -> list[Message]:
    """After the appointment the mediator is asked for the report (once per booking)."""
    if booking.mediator is None:
        return []
    recipient = mediator_recipient(booking.mediator)
    if recipient is None:
        return []
    return [
        message_build(
            kind=MessageKind.REPORT_REQUEST,
            key=f"{MessageKind.REPORT_REQUEST}:b{booking.pk}:m{booking.mediator_id}",
            recipient=recipient,
            booking=booking,
            context={"side": SIDE_MEDIATOR, "mediator_id": booking.mediator_id},
        )
    ]


def offer_made_notify(*, offer: Offer) -> None:
    """An offer was made to a mediator: an e-mail with accept/decline links."""
    recipient = mediator_recipient(offer.mediator)
    if recipient is None:
        return
    messages_write(
        [
            message_build(
                kind=MessageKind.OFFER_MADE,
                key=f"{MessageKind.OFFER_MADE}:o{offer.pk}:{offer.expires_at.timestamp():.0f}",
                recipient=recipient,
                booking=offer.booking,
                offer=offer,
                # One link id per e-mail: its accept and decline links answer once in all.
                context={"side": SIDE_MEDIATOR, "link_id": uuid.uuid4().hex},
            )
        ]
    )


def offer_withdrawn_notify(*, offer: Offer) -> None:
    """A pending offer was withdrawn (booking taken by someone else, cancelled, changed)."""
    recipient = mediator_recipient(offer.mediator)
    if recipient is None:
        return
    messages_write(
        [
            message_build(
                kind=MessageKind.OFFER_WITHDRAWN,
                key=f"{MessageKind.OFFER_WITHDRAWN}:o{offer.pk}:{offer.expires_at.timestamp():.0f}",
                recipient=recipient,
                booking=offer.booking,
                offer=offer,
                context={"side": SIDE_MEDIATOR},
            )
        ]
    )


def standby_notify(*, standby: Standby, released: bool = False) -> None:
    """A mediator is asked to hold the time free (or released from it)."""
    recipient = mediator_recipient(standby.mediator)
    if recipient is None:
        return
    kind = MessageKind.STANDBY_RELEASE if released else MessageKind.STANDBY_REQUEST
    messages_write(
        [
            message_build(
                kind=kind,
                key=f"{kind}:s{standby.pk}",
                recipient=recipient,
                booking=standby.booking,
                context={"side": SIDE_MEDIATOR, "standby_id": standby.pk},
            )
        ]
    )


def alert_notify(*, alert: Alert) -> None:
    """Coordinators of the alert's pool are told (e.g. a booking stayed unfilled)."""
    messages_write(
        [
            message_build(
                kind=MessageKind.ALERT,
                key=f"{MessageKind.ALERT}:a{alert.pk}:c{coordinator_id}",
                recipient=recipient,
                pool=alert.pool,
                booking=alert.booking,
                context={"alert_id": alert.pk},
            )
            for coordinator_id, recipient in coordinator_recipients(alert.pool)
        ]
    )


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
    from .recipients import message_language

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
