"""Void at change: the change that makes a booking's messages stale marks them ``skipped``,
in its own transaction.

The outbox does not know bookings; it is the booking's services that know when a message
they wrote has become wrong. Every change that can make one stale calls
``booking_messages_void`` after it wrote its new state:

- every booking event - status changes, reschedules (``hooks.booking_event_notify``, before
  the event's own messages are written);
- an offer answered or withdrawn (``offer_decline``, ``hooks.offer_withdrawn_notify``), a
  confirmation (which resolves the unfilled alert and replaces or releases the standby), a
  standby released (``hooks.standby_notify``), a report given (``report_submit``), a dispute
  resolved (``report_resolve``).

``STALE`` is the rule table: for each kind, in which state of the booking (read afresh, in
the change's transaction) a message is stale, and the reason the outbox row then shows. The
first rule that holds gives the reason. Time alone makes two kinds stale without a change;
they carry a ``not_after`` that the worker checks: an offer's e-mail its offer's expiry, a
reminder the appointment's start.

A *follow-up* - a withdrawal, a standby's release, a calendar cancellation - only makes
sense to someone who got the message it follows (the offer, the standby request, an
invitation). ``follow_ups_settled`` writes it ``skipped`` when that message never went out:
it was not sent and no worker is sending it (``sending`` counts as gone out: it may be on the
wire). It decides when the follow-up is written, after the change voided what it made stale.

Concurrency with the worker (``notifications.services.messages_void`` does the guarded
updates): a worker claims a row with one guarded UPDATE (``pending → sending``) and then
loads it. Voiding a pending row is a guarded UPDATE too (``pending → skipped``): if it comes
first, the claim waits for the change's transaction and then finds nothing pending; if the
claim came first, the row is ``sending`` and gets ``not_after`` = the time it was due, which
lies before the worker's claim. A worker that loads the row after the change committed skips
it; one that loaded it before sends it, as it would have sent it before the change. That is
the guarantee ``obsolete_reason`` gave, which read the booking when the claimed rows were
loaded: a change committed before the worker loads a row stops it. Failed rows get
``not_after`` too, so a coordinator's resend does not send a stale message either.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

from django.db.models import Q, QuerySet
from django.utils import timezone

from notifications.constants import INVITATION_KINDS, SIDE_INSTITUTION, MessageKind, MessageStatus
from notifications.models import Message
from notifications.services import message_skip, messages_void

from ..constants import OfferStatus, Status
from ..models import Alert, Booking, Report, Standby

if TYPE_CHECKING:
    import datetime

    from ..models import Offer

K = MessageKind
OFFERED = (Status.REQUESTED, Status.OFFERED)
REOPENED = (Status.REQUESTED, Status.OFFERED, Status.UNFILLED)


class BookingNow:
    """The booking as the change left it, read once, and what some rules look up."""

    def __init__(self, booking: Booking) -> None:
        self.booking = booking

    @cached_property
    def has_report(self) -> bool:
        return Report.objects.filter(booking_id=self.booking.pk).exists()

    @cached_property
    def open_standby_ids(self) -> set[int]:
        standbys = Standby.objects.filter(booking_id=self.booking.pk, released_at__isnull=True)
        return set(standbys.values_list("pk", flat=True))

    @cached_property
    def open_alert_ids(self) -> set[int]:
        alerts = Alert.objects.filter(booking_id=self.booking.pk, resolved_at__isnull=True)
        return set(alerts.values_list("pk", flat=True))


def _still_assigned(message: Message, state: BookingNow) -> bool:
    if message.context.get("side") == SIDE_INSTITUTION:
        return True
    mediator_id = state.booking.mediator_id
    return mediator_id is not None and mediator_id == message.context.get(
        "mediator_id", mediator_id
    )


@dataclass(frozen=True)
class Stale:
    """Messages of these kinds are stale when ``holds(message, the booking's state)``."""

    kinds: tuple[str, ...]
    reason: str
    holds: Callable[[Message, BookingNow], bool]


# Which messages are stale in which state of the booking (first match gives the reason).
STALE: tuple[Stale, ...] = (
    # An offer's e-mail: after an accept, decline or withdrawal, once the booking is taken,
    # cancelled or unfilled, or changed (its expiry: not_after).
    Stale(
        (K.OFFER_MADE,),
        "offer no longer pending",
        lambda m, state: m.offer is None or m.offer.status != OfferStatus.PENDING,
    ),
    Stale(
        (K.OFFER_MADE,),
        "booking no longer open",
        lambda m, state: state.booking.status not in OFFERED,
    ),
    Stale(
        (K.OFFER_MADE,),
        "booking changed meanwhile",
        lambda m, state: m.booking_sequence != state.booking.sequence,
    ),
    # An invitation or a reminder: after a cancellation, a give-back, a completion or a no-show,
    # and after every change of time or place (a new sequence; the reminder's start:
    # not_after).
    Stale(
        (*INVITATION_KINDS, K.REMINDER),
        "booking no longer confirmed",
        lambda m, state: state.booking.status != Status.CONFIRMED,
    ),
    Stale(
        (*INVITATION_KINDS, K.REMINDER),
        "booking changed meanwhile",
        lambda m, state: m.booking_sequence != state.booking.sequence,
    ),
    Stale(
        (*INVITATION_KINDS, K.REMINDER),
        "mediator no longer assigned",
        lambda m, state: not _still_assigned(m, state),
    ),
    # "A new mediator is needed": once someone is found, or the booking is cancelled.
    Stale(
        (K.BOOKING_REOPENED,), "filled again", lambda m, state: state.booking.status not in REOPENED
    ),
    # "Nobody found yet" to the institution: once someone is found, or it is cancelled.
    Stale(
        (K.NOBODY_FOUND,), "filled meanwhile", lambda m, state: state.booking.status not in REOPENED
    ),
    # The request for a report: once the report is there, or the mediator gave the booking back.
    Stale((K.REPORT_REQUEST,), "report already given", lambda m, state: state.has_report),
    Stale(
        (K.REPORT_REQUEST,),
        "mediator no longer assigned",
        lambda m, state: not _still_assigned(m, state),
    ),
    # The standby request: once the standby is released or replaced, or the booking is no
    # longer confirmed.
    Stale(
        (K.STANDBY_REQUEST,),
        "standby released",
        lambda m, state: m.context.get("standby_id") not in state.open_standby_ids,
    ),
    Stale(
        (K.STANDBY_REQUEST,),
        "booking no longer confirmed",
        lambda m, state: state.booking.status != Status.CONFIRMED,
    ),
    # An alert for coordinators: once it is resolved (the booking filled, the dispute settled).
    Stale(
        (K.ALERT,),
        "alert resolved",
        lambda m, state: m.context.get("alert_id") not in state.open_alert_ids,
    ),
)


# What the rules of ``STALE`` read of a message, its offer and its booking (``BookingNow``
# reads the booking's own rows by its key). A rule that reads more must name it here: each
# field left out would be fetched by a query of its own, row by row
# (tests/bookings/messages/test_void.py fails on such a fetch).
RULES_READ = (
    "kind", "context", "booking_sequence", "offer__status",
    "booking__status", "booking__sequence", "booking__mediator",
)  # fmt: skip


def stale_reason(message: Message, state: BookingNow) -> str:
    """Why the message is stale in the booking's current state, or "" while it is not."""
    for rule in STALE:
        if message.kind in rule.kinds and rule.holds(message, state):
            return rule.reason
    return ""


def booking_messages_void(
    *,
    booking: Booking,
    offer: Offer | None = None,
    offers: Sequence[Offer] = (),
    now: datetime.datetime | None = None,
) -> int:
    """Void the booking's messages its current state makes stale (only those of ``offer``, or
    of ``offers``, when given: a withdrawn offer leaves the rest of the booking as it was);
    call it in the transaction of the change, after the change is written. Returns how many
    were voided."""
    now = now or timezone.now()
    unfinished = Q(status__in=[MessageStatus.PENDING, MessageStatus.SENDING]) | (
        # A failed row could still be sent by a coordinator's resend.
        Q(status=MessageStatus.FAILED) & (Q(not_after__isnull=True) | Q(not_after__gt=now))
    )
    rows = Message.objects.filter(unfinished, booking_id=booking.pk)
    if offer is not None:
        offers = [offer, *offers]
    if offers:
        rows = rows.filter(offer_id__in=[o.pk for o in offers])
    # The booking as this transaction sees it now (not the caller's copy), with each row:
    # only what the rules read (``RULES_READ``), not the rows' e-mails and every column of
    # the booking and offer (compiling and loading those cost half the statement).
    messages = list(rows.select_related("booking", "offer").only(*RULES_READ))
    if not messages:
        return 0
    state = BookingNow(messages[0].booking or booking)
    stale: dict[str, list[int]] = defaultdict(list)
    for message in messages:
        reason = stale_reason(message, state)
        if reason:
            stale[reason].append(message.pk)
    return sum(
        messages_void(message_ids=ids, reason=reason, now=now) for reason, ids in stale.items()
    )


# -- follow-ups ----------------------------------------------------------------------------


def follow_ups_settled(rows: list[Message]) -> list[Message]:
    """The rows, a follow-up among them marked to be written ``skipped`` when the message it
    follows never went out to that recipient (see the module docstring). The withdrawals of
    offers are looked up together, in one query."""
    gone_out = _offers_gone_out([row for row in rows if row.kind == K.OFFER_WITHDRAWN])
    for row in rows:
        if row.kind == K.OFFER_WITHDRAWN:
            if (row.offer_id, row.recipient_email) in gone_out:
                continue
        else:
            first = _followed(row)
            if first is None:
                continue
            if first.filter(
                recipient_email=row.recipient_email,
                status__in=[MessageStatus.SENT, MessageStatus.SENDING],
            ).exists():
                continue
        message_skip(
            message=row,
            reason="no invitation ever went out"
            if row.kind == K.BOOKING_CANCELLED
            else "the first message never went out",
        )
    return rows


def _offers_gone_out(withdrawals: list[Message]) -> set[tuple[int, str]]:
    """(offer id, recipient) of each offer's e-mail that went out, among the offers these
    withdrawals follow up."""
    offer_ids = {row.offer_id for row in withdrawals if row.offer_id is not None}
    if not offer_ids:
        return set()
    return set(
        Message.objects.filter(
            kind=K.OFFER_MADE,
            offer_id__in=offer_ids,
            recipient_email__in={row.recipient_email for row in withdrawals},
            status__in=[MessageStatus.SENT, MessageStatus.SENDING],
        ).values_list("offer_id", "recipient_email")
    )


def _followed(row: Message) -> QuerySet[Message] | None:
    """The messages ``row`` follows up (any one of them sent will do), or None when it is
    not a follow-up; an offer's withdrawal: ``_offers_gone_out``."""
    messages = Message.objects.all()
    if row.kind == K.STANDBY_RELEASE:
        return messages.filter(
            kind=K.STANDBY_REQUEST, context__standby_id=row.context.get("standby_id")
        )
    if row.kind == K.BOOKING_CANCELLED and row.context.get("calendar"):
        if row.booking_id is None:
            return messages.none()
        return messages.filter(booking_id=row.booking_id, kind__in=INVITATION_KINDS)
    return None
