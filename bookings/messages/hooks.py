"""The booking's messages, written by its services inside their transaction: who hears what.

Each hook builds outbox rows (``notifications.services.message_build``: recipient, language,
an idempotency key derived from what caused it) and hands them to ``messages_write``, which
saves the new ones, renders them and enqueues their delivery for after the commit: a
rolled-back change leaves neither a row nor a task, and a hook that runs twice writes
nothing the second time. Before a change writes its messages it voids those it made stale
(``void``); a follow-up whose first message never went out is written ``skipped``.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from django.db.models import prefetch_related_objects

from mediators.models import Mediator
from notifications.constants import SIDE_INSTITUTION, SIDE_MEDIATOR, MessageKind
from notifications.models import Message
from notifications.recipients import Recipient
from notifications.services import message_build, messages_write

from ..constants import RescheduleOutcome, Status
from .recipients import coordinator_recipients, institution_recipient, mediator_recipient
from .void import booking_messages_void, follow_ups_settled

if TYPE_CHECKING:
    from ..models import Alert, Booking, BookingEvent, Offer, Standby


def _write(rows: list[Message]) -> list[Message]:
    return messages_write(follow_ups_settled(rows))


def booking_event_notify(*, booking: Booking, event: BookingEvent) -> None:
    """Called inside the transaction of every booking event (each status transition and
    each change after confirmation, e.g. time or place): voids what the event made stale and
    writes the messages it causes (confirmed, changed, cancelled, re-opened, report
    request, ...)."""
    booking_messages_void(booking=booking)
    _write(_booking_event_messages(booking=booking, event=event))


def _booking_event_messages(*, booking: Booking, event: BookingEvent) -> list[Message]:
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
        # The mediator gave the booking back, or a change of time or place released them:
        # matching re-opens. The institution hears why (the reasons it may be given), the
        # mediator that they are no longer booked; both with the calendar's update.
        data = event.data or {}
        released = data.get("outcome") == RescheduleOutcome.MEDIATOR_RELEASED
        # Released after a change of time or place, or (without one) by a rule that now
        # binds them, e.g. a conflict of interest: the institution learns only the reasons.
        rescheduled = bool(data.get("rescheduled"))
        rows.extend(
            _institution_message(
                booking,
                MessageKind.BOOKING_REOPENED,
                key,
                calendar=True,
                extra={
                    "rescheduled": rescheduled,
                    "released": True,
                    "release_reasons": data.get("release_reasons", []),
                }
                if released
                else None,
            )
        )
        former = _former_mediator(event)
        if former is not None:
            rows.extend(
                _mediator_message(
                    booking,
                    former,
                    MessageKind.BOOKING_CANCELLED,
                    key,
                    extra={"rescheduled": True} if released and rescheduled else None,
                )
            )
    elif to == Status.COMPLETED and booking.mediator_id:
        rows.extend(report_request_messages(booking=booking))
    return rows


def _is_recipient(user_id: int | None, recipient: Recipient | None) -> bool:
    return recipient is not None and user_id is not None and recipient.user_id == user_id


def _former_mediator(event: BookingEvent) -> Mediator | None:
    mediator_id = (event.data or {}).get("mediator_id")
    if not mediator_id:
        return None
    return Mediator.objects.select_related("user").filter(pk=mediator_id).first()


def _institution_message(
    booking: Booking,
    kind: str,
    key: str,
    *,
    calendar: bool = False,
    extra: dict[str, Any] | None = None,
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
            context={"side": SIDE_INSTITUTION, "calendar": calendar, **(extra or {})},
        )
    ]


def _mediator_message(
    booking: Booking, mediator: Any, kind: str, key: str, *, extra: dict[str, Any] | None = None
) -> list[Message]:
    recipient = mediator_recipient(mediator)
    if recipient is None:
        return []
    return [
        message_build(
            kind=kind,
            key=f"{kind}:{key}:{SIDE_MEDIATOR}{mediator.pk}",
            recipient=recipient,
            booking=booking,
            context={
                "side": SIDE_MEDIATOR,
                "mediator_id": mediator.pk,
                "calendar": True,
                **(extra or {}),
            },
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
    """An offer was made to a mediator: an e-mail with accept/decline links, not sent once
    the offer has expired."""
    offers_made_notify(offers=[offer])


def offers_made_notify(*, offers: Sequence[Offer]) -> None:
    """``offer_made_notify`` for each of several offers (a round of matching), written at
    once. Each e-mail reads its offer's booking and mediator (with the user): give the offers
    the booking already loaded, not one copy each (``services.offers._of_booking``); the
    offers' overrides are read here, for all of them at once (``consent_paragraphs``)."""
    offers = list(offers)
    prefetch_related_objects(offers, "override")
    _write(
        _to_each_mediator(
            offers,
            MessageKind.OFFER_MADE,
            # One link id per e-mail: its accept and decline links answer once in all.
            lambda offer: {
                "context": {"side": SIDE_MEDIATOR, "link_id": uuid.uuid4().hex},
                "not_after": offer.expires_at,
            },
        )
    )


def _to_each_mediator(
    offers: Sequence[Offer], kind: str, per_offer: Callable[[Offer], dict[str, Any]]
) -> list[Message]:
    """The e-mail of ``kind`` to the mediator of each offer that has someone to write to,
    keyed by the offer and its expiry (a new expiry is a new offer to tell of)."""
    rows: list[Message] = []
    for offer in offers:
        recipient = mediator_recipient(offer.mediator)
        if recipient is None:
            continue
        rows.append(
            message_build(
                kind=kind,
                key=f"{kind}:o{offer.pk}:{offer.expires_at.timestamp():.0f}",
                recipient=recipient,
                booking=offer.booking,
                offer=offer,
                **per_offer(offer),
            )
        )
    return rows


def offer_withdrawn_notify(*, offer: Offer) -> None:
    """A pending offer was withdrawn (booking taken by someone else, cancelled, changed):
    its e-mail is void, and the mediator hears of it if the e-mail went out."""
    offers_withdrawn_notify(offers=[offer])


def offers_withdrawn_notify(*, offers: Sequence[Offer]) -> None:
    """``offer_withdrawn_notify`` for each of several withdrawn offers (a booking's pending
    offers after a confirmation, a cancellation, a change): their e-mails voided and the
    withdrawals written at once. As with ``offers_made_notify``, give the offers their
    booking already loaded."""
    by_booking: dict[int, list[Offer]] = {}
    for offer in offers:
        by_booking.setdefault(offer.booking_id, []).append(offer)
    for group in by_booking.values():
        booking_messages_void(booking=group[0].booking, offers=group)
    _write(
        _to_each_mediator(
            offers, MessageKind.OFFER_WITHDRAWN, lambda offer: {"context": {"side": SIDE_MEDIATOR}}
        )
    )


def standby_notify(*, standby: Standby, released: bool = False) -> None:
    """A mediator is asked to hold the time free (or released from it: the request is then
    void, and the release goes out if the request did)."""
    if released:
        booking_messages_void(booking=standby.booking)
    recipient = mediator_recipient(standby.mediator)
    if recipient is None:
        return
    kind = MessageKind.STANDBY_RELEASE if released else MessageKind.STANDBY_REQUEST
    _write(
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
    _write(
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


def tax_free_notice_notify(*, mediator: Mediator, year: int, threshold: str) -> None:
    """The mediator's allowances of ``year`` reached a threshold of the tax-free yearly
    amount (``warning``: the pool's warning share, 80 % unless set; ``limit``: 100 %): an
    e-mail in their language, once per threshold and year (its key)."""
    recipient = mediator_recipient(mediator)
    if recipient is None:
        return
    _write(
        [
            message_build(
                kind=MessageKind.TAX_FREE_NOTICE,
                key=f"{MessageKind.TAX_FREE_NOTICE}:m{mediator.pk}:{year}:{threshold}",
                recipient=recipient,
                pool=mediator.pool,
                context={
                    "side": SIDE_MEDIATOR,
                    "mediator_id": mediator.pk,
                    "year": year,
                    "threshold": threshold,
                },
            )
        ]
    )


def nobody_found_notify(*, booking: Booking, event: BookingEvent) -> None:
    """The coordination office tells the institution that nobody was found, with the
    reason chosen (and other times, if any) kept in the event: once per event."""
    data = (event.data or {}).get("institution_told") or {}
    _write(
        _institution_message(
            booking,
            MessageKind.NOBODY_FOUND,
            f"event{event.pk}",
            extra={"reason": data.get("reason", ""), "times": data.get("times", [])},
        )
    )
