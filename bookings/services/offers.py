"""Offers: from a requested booking to a confirmed one.

``booking_match`` makes the next offers (cascade: one at a time; broadcast: the top k at
once), each expiring after the pool's ``offer_ttl_minutes`` and never after the deadline
(``fill_deadline_hours`` before the start). Expiry, declines and withdrawals move on to the
next candidates; when none is left or the deadline has passed the booking becomes
``unfilled`` and coordinators get an alert.

Accepting is safe under concurrency: the booking row and the mediator row are locked (in
that order, everywhere: ``bookings.locking``), the offer and the mediator's eligibility are
checked again, and only then does the state machine confirm. A second accept for the same
booking, or one mediator's accept of an overlapping offer, finds the changed state and
answers 409.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from config.queue import enqueue_on_commit
from core.constants import ActorRole
from institutions.constants import OfferStrategy
from mediators.models import Mediator

from ..constants import (
    ANSWERED_OFFER_STATUSES,
    ASSIGNABLE_STATUSES,
    AlertKind,
    OfferStatus,
    Status,
)
from ..exceptions import BookingConflict, NotEligible
from ..locking import lock_booking_or_none, lock_mediator, lock_rows
from ..matching.eligibility import eligible_rows, is_eligible
from ..matching.ranking import load_mediators
from ..matching.selectors import candidates_for
from ..messages.hooks import alert_notify, offer_made_notify, offer_withdrawn_notify
from ..messages.void import booking_messages_void
from ..models import Alert, Booking, Offer
from ..state_machine import transition
from . import standby as standby_service
from .access_log import access_log_change

# A booking in one of these is looking for a mediator.
MATCHING_STATUSES = (Status.REQUESTED, Status.OFFERED)
# A mediator with an offer row in one of these is not offered the booking again.
ANSWERED = ANSWERED_OFFER_STATUSES


def fill_deadline(booking: Booking) -> datetime.datetime:
    """The moment after which no new offers are made: the pool's hours before the start."""
    return booking.starts_at - datetime.timedelta(hours=booking.pool.fill_deadline_hours)


# The matching task by its registered name (``bookings.tasks`` imports this module).
BOOKING_MATCH_TASK = "bookings.tasks.booking_match_task"
OFFERS_WITHDRAW_TASK = "bookings.tasks.offers_withdraw_ineligible_task"


def matching_enqueue(*, booking: Booking) -> None:
    """Start (or continue) matching after the surrounding transaction commits."""
    enqueue_on_commit(BOOKING_MATCH_TASK, booking.pk)


def _withdraw_pending(booking: Booking, *, keep: Offer | None = None) -> int:
    """Withdraw every pending offer of the booking (but ``keep``) and tell their mediators."""
    qs = Offer.objects.filter(booking=booking, status=OfferStatus.PENDING)
    if keep is not None:
        qs = qs.exclude(pk=keep.pk)
    pending = list(lock_rows(qs.select_related("mediator", "booking")))
    for offer in pending:
        offer.status = OfferStatus.WITHDRAWN
        offer.save(update_fields=["status"])
        offer_withdrawn_notify(offer=offer)
    return len(pending)


def _make_unfilled(booking: Booking, *, reason: str) -> Booking:
    """Nobody found in time: unfilled, pending offers withdrawn, one open alert (its text in
    the site's language, whoever's request led here)."""
    _withdraw_pending(booking)
    unfilled = transition(booking, to=Status.UNFILLED, actor_role=ActorRole.SYSTEM, reason=reason)
    alert, created = Alert.objects.get_or_create(
        booking=unfilled,
        kind=AlertKind.UNFILLED,
        resolved_at=None,
        defaults={"pool_id": unfilled.pool_id, "message": reason},
    )
    if created:
        alert_notify(alert=alert)
    return unfilled


def _offer(booking: Booking, mediator: Mediator, *, rank: int, score: float, round_: int,
           expires_at: datetime.datetime) -> Offer:  # fmt: skip
    offer, _created = Offer.objects.update_or_create(
        booking=booking,
        mediator=mediator,
        defaults={
            "status": OfferStatus.PENDING,
            "rank": rank,
            "score": score,
            "round": round_,
            "expires_at": expires_at,
            "responded_at": None,
        },
    )
    offer_made_notify(offer=offer)
    return offer


def _match_locked(booking: Booking, *, now: datetime.datetime) -> list[Offer]:
    """Make the next offers for a locked booking; unfilled when nobody is left. Idempotent:
    with enough pending offers it does nothing."""
    if booking.status not in MATCHING_STATUSES:
        return []
    pool = booking.pool
    offers = Offer.objects.filter(booking=booking)
    # Offers past their time are expired first (the sweep may not have come by yet).
    offers.filter(status=OfferStatus.PENDING, expires_at__lte=now).update(
        status=OfferStatus.EXPIRED
    )
    pending = offers.filter(status=OfferStatus.PENDING, expires_at__gt=now).count()
    wanted = pool.broadcast_size if pool.offer_strategy == OfferStrategy.BROADCAST else 1
    if pending >= wanted:
        return []
    deadline = fill_deadline(booking)
    round_ = (offers.order_by("-round").values_list("round", flat=True).first() or 0) + 1

    standby = standby_service.standby_to_offer(booking, now=now)
    if standby is not None:
        if pending:
            return []  # the standby's offer is still open
        # The standby gets the offer first, even after the deadline, until the start.
        ttl = datetime.timedelta(minutes=pool.offer_ttl_minutes)
        made = [
            _offer(booking, standby.mediator, rank=1, score=0, round_=round_,
                   expires_at=min(now + ttl, booking.starts_at))
        ]  # fmt: skip
        _mark_offered(booking)
        return made
    if now >= deadline:
        if pending == 0:
            with translation.override(settings.LANGUAGE_CODE):
                reason = _("Nobody was found before the deadline.")
            _make_unfilled(booking, reason=reason)
        return []
    already = offers.filter(status__in=ANSWERED).values_list("mediator_id", flat=True)
    candidates = candidates_for(booking, now=now, exclude=list(already))
    chosen = load_mediators(candidates[: wanted - pending])
    if not chosen:
        if pending == 0:
            with translation.override(settings.LANGUAGE_CODE):
                reason = _("No eligible mediator is left to ask.")
            _make_unfilled(booking, reason=reason)
        return []
    expires_at = min(now + datetime.timedelta(minutes=pool.offer_ttl_minutes), deadline)
    made = [
        _offer(booking, c.mediator, rank=i, score=c.score, round_=round_, expires_at=expires_at)
        for i, c in enumerate(chosen, start=1)
    ]
    _mark_offered(booking)
    return made


def _mark_offered(booking: Booking) -> None:
    if booking.status == Status.REQUESTED:
        transition(booking, to=Status.OFFERED, actor_role=ActorRole.SYSTEM)


def booking_match(
    *, booking_id: int, now: datetime.datetime | None = None, skip_locked: bool = False
) -> list[Offer]:
    """Make the next offers for a booking (the entry point of tasks and the sweep)."""
    now = now or timezone.now()
    with transaction.atomic():
        booking = lock_booking_or_none(booking_id, skip_locked=skip_locked)
        if booking is None:
            return []
        return _match_locked(booking, now=now)


def booking_expire_offers(
    *, booking_id: int, now: datetime.datetime | None = None, skip_locked: bool = False
) -> tuple[int, list[Offer]]:
    """Expire the booking's due offers and move on to the next candidates: the number
    expired and the offers made. Idempotent."""
    now = now or timezone.now()
    with transaction.atomic():
        booking = lock_booking_or_none(booking_id, skip_locked=skip_locked)
        if booking is None:
            return 0, []
        expired = Offer.objects.filter(
            booking=booking, status=OfferStatus.PENDING, expires_at__lte=now
        ).update(status=OfferStatus.EXPIRED)
        return expired, (_match_locked(booking, now=now) if expired else [])


def _confirm(booking: Booking, mediator: Mediator, *, actor, actor_role: str, offer: Offer | None,
             now: datetime.datetime) -> Booking:  # fmt: skip
    """Confirm a locked booking for a locked mediator; withdraw the other offers."""
    if not is_eligible(booking, mediator, now=now):
        raise NotEligible(_("This mediator is no longer eligible for this booking."))
    if offer is None:
        offer = Offer.objects.filter(
            booking=booking, mediator=mediator, status=OfferStatus.PENDING
        ).first()
    if offer is not None:
        offer.status = OfferStatus.ACCEPTED
        offer.responded_at = now
        offer.save(update_fields=["status", "responded_at"])
    confirmed = transition(
        booking,
        to=Status.CONFIRMED,
        actor=actor,
        actor_role=actor_role,
        allowed_from=set(ASSIGNABLE_STATUSES),
        changes={"mediator": mediator},
        data={"mediator_id": mediator.pk, "offer_id": offer.pk if offer else None},
    )
    _withdraw_pending(confirmed, keep=offer)
    Alert.objects.filter(booking=confirmed, kind=AlertKind.UNFILLED, resolved_at=None).update(
        resolved_at=now
    )
    standby_service.standby_after_confirmation(confirmed, now=now)
    booking_messages_void(booking=confirmed)  # the alert resolved, the standby replaced
    return confirmed


def offer_accept(
    *, offer: Offer, mediator: Mediator, now: datetime.datetime | None = None
) -> Booking:
    """The offered mediator accepts: the booking is confirmed exactly once; every other
    accept answers ``BookingConflict`` (409) and changes nothing."""
    now = now or timezone.now()
    with transaction.atomic():
        booking = lock_booking_or_none(offer.booking_id)
        mediator = lock_mediator(mediator)
        locked = lock_rows(Offer.objects.filter(pk=offer.pk)).first()
        if locked is None or booking is None or locked.mediator_id != mediator.pk:
            raise BookingConflict(_("This offer is not yours."), code="not_your_offer")
        if locked.status != OfferStatus.PENDING or locked.expires_at <= now:
            raise BookingConflict(_("This offer is no longer open."), code="offer_closed")
        if booking.status not in MATCHING_STATUSES:
            raise BookingConflict(_("This booking has been taken already."), code="taken")
        confirmed = _confirm(
            booking, mediator, actor=mediator.user, actor_role=ActorRole.MEDIATOR, offer=locked,
            now=now,
        )  # fmt: skip
        access_log_change(booking=confirmed, actor=mediator.user)
    offer.refresh_from_db()
    return confirmed


def offer_decline(
    *, offer: Offer, mediator: Mediator, now: datetime.datetime | None = None
) -> Offer:
    """The offered mediator declines; the next candidates are asked at once. Declining an
    offer twice is harmless; declining one that is no longer open answers 409."""
    now = now or timezone.now()
    with transaction.atomic():
        booking = lock_booking_or_none(offer.booking_id)
        locked = lock_rows(Offer.objects.filter(pk=offer.pk)).first()
        if locked is None or booking is None or locked.mediator_id != mediator.pk:
            raise BookingConflict(_("This offer is not yours."), code="not_your_offer")
        if locked.status == OfferStatus.DECLINED:
            return locked
        if locked.status != OfferStatus.PENDING:
            raise BookingConflict(_("This offer is no longer open."), code="offer_closed")
        locked.status = OfferStatus.DECLINED
        locked.responded_at = now
        locked.save(update_fields=["status", "responded_at"])
        booking_messages_void(booking=booking, offer=locked)
        _match_locked(booking, now=now)
    offer.refresh_from_db()
    return locked


def booking_assign(*, booking: Booking, mediator: Mediator, actor: AbstractBaseUser | None,
                   now: datetime.datetime | None = None) -> Booking:  # fmt: skip
    """A coordinator (or the planner's command, without a user) assigns a mediator directly
    (409 ``NotEligible`` when the mediator is no longer eligible, 409 when the booking is
    not open any more)."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = lock_booking_or_none(booking)
        mediator = lock_mediator(mediator)
        if locked is None or locked.status not in ASSIGNABLE_STATUSES:
            raise BookingConflict(_("This booking is not open for assignment."), code="not_open")
        confirmed = _confirm(
            locked, mediator, actor=actor, actor_role=ActorRole.COORDINATOR, offer=None, now=now
        )
        access_log_change(booking=confirmed, actor=actor)
    booking.refresh_from_db()
    return confirmed


def matching_reopened(
    *, booking: Booking, mediator_id: int, now: datetime.datetime | None = None
) -> None:
    """The confirmed mediator gave the booking back: never ask them again for it, and match
    again at once (the standby first)."""
    now = now or timezone.now()
    Offer.objects.update_or_create(
        booking=booking,
        mediator_id=mediator_id,
        defaults={"status": OfferStatus.DECLINED, "responded_at": now, "expires_at": now},
    )
    matching_enqueue(booking=booking)


def offers_after_cancel(*, booking: Booking) -> None:
    """A cancelled booking withdraws its pending offers and releases its standby."""
    _withdraw_pending(booking)
    standby_service.standby_release(booking)


def offers_withdraw_ineligible(*, mediator: Mediator, now: datetime.datetime | None = None) -> int:
    """A change made the mediator ineligible for some of their pending offers (an absence,
    a pause, a lapsed certificate, a narrower range, a language less, ...): withdraw those,
    tell the mediator, and offer each booking to its next candidate (cascade; unfilled
    with an alert when nobody is left). Runs in the caller's transaction, the change's.

    Each booking is locked before its offer, as everywhere. The caller may hold the
    mediator's row (it just changed it), which in the lock order comes after the booking:
    inside a transaction, a booking another transaction holds is therefore skipped, never
    waited for, and this runs again for them after the commit (``OFFERS_WITHDRAW_TASK``).
    An accept that held that booking meanwhile checks the mediator's eligibility under
    the mediator's lock, after this change committed, and is refused. Returns how many
    offers were withdrawn."""
    now = now or timezone.now()
    inside = transaction.get_connection().in_atomic_block
    booking_ids = list(
        Offer.objects.filter(mediator=mediator, status=OfferStatus.PENDING, expires_at__gt=now)
        .order_by("booking_id")
        .values_list("booking_id", flat=True)
    )
    withdrawn, left_behind = 0, False
    for booking_id in booking_ids:
        with transaction.atomic():
            booking = lock_booking_or_none(booking_id, skip_locked=inside)
            if booking is None:
                left_behind = inside
                continue
            offer = lock_rows(
                Offer.objects.filter(booking=booking, mediator=mediator, status=OfferStatus.PENDING)
            ).first()
            if (
                offer is None
                or booking.status not in MATCHING_STATUSES
                or is_eligible(booking, mediator, now=now)
            ):
                continue
            offer.status = OfferStatus.WITHDRAWN
            offer.save(update_fields=["status"])
            offer_withdrawn_notify(offer=offer)
            _match_locked(booking, now=now)
            withdrawn += 1
    if left_behind:
        enqueue_on_commit(OFFERS_WITHDRAW_TASK, mediator.pk)
    return withdrawn


def unfilled_rematch(
    *,
    booking_id: int,
    mediator_id: int | None = None,
    now: datetime.datetime | None = None,
    skip_locked: bool = False,
) -> list[Offer]:
    """Try an unfilled request again after a change that may let ``mediator_id`` (without
    one: anybody) serve it: when that mediator is now eligible and has not answered it
    before (declined, let the offer expire, gave it back), the request goes back to
    ``requested`` and matching makes the next offers, the best candidate first (not
    necessarily that mediator). Its "nobody found" alert stays open until the request is
    filled (``_confirm`` resolves it and voids its e-mail); if nobody accepts in time, the
    request becomes unfilled again under the same alert. Idempotent: a request no longer
    unfilled, past its fill deadline or with nobody new is left as it is."""
    now = now or timezone.now()
    with transaction.atomic():
        booking = lock_booking_or_none(booking_id, skip_locked=skip_locked)
        if booking is None or booking.status != Status.UNFILLED or now >= fill_deadline(booking):
            return []
        answered = list(
            Offer.objects.filter(booking=booking, status__in=ANSWERED).values_list(
                "mediator_id", flat=True
            )
        )
        if mediator_id is not None and mediator_id in answered:
            return []
        only = None if mediator_id is None else [mediator_id]
        _, rows = eligible_rows(booking, now=now, only=only, exclude=answered)
        if not rows:
            return []
        requested = transition(
            booking,
            to=Status.REQUESTED,
            actor_role=ActorRole.SYSTEM,
            data={"rematch_for_mediator_id": mediator_id},
        )
        return _match_locked(requested, now=now)
