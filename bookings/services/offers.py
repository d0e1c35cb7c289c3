"""Offers: from a requested booking to a confirmed one.

``booking_match`` makes the next offers (cascade: one at a time; broadcast: the top k at
once), each expiring after the pool's ``offer_ttl_minutes`` and never after the deadline
(``fill_deadline_hours`` before the start). Expiry, declines and withdrawals move on to the
next candidates; when none is left or the deadline has passed the booking becomes
``unfilled`` and coordinators get an alert.

Accepting is safe under concurrency: the booking row and the mediator row are locked (in
that order, everywhere: ``bookings.locking``), the offer and the mediator's eligibility are
checked again, and only then does the state machine confirm. A second accept for the same
booking finds the changed state and answers 409.

Answering is cheap: a mediator waits for it, holding the booking's lock. An accept or a
decline does in its transaction only what must hold at the commit, and leaves the rest - the
standby, the confirmed mediator's clashing offers elsewhere, telling the mediators whose
offers it withdrew, the next offers after a decline - to a ``Settlement`` run right after the
commit (``services.settlements``: a task, or the sweep if the task is lost). A direct
assignment (``booking_assign``) settles in its own transaction, as before.

Offers follow eligibility: a pending offer whose mediator is no longer eligible for it is
withdrawn in the transaction of the change, and the booking goes on to the next candidate
(``offers_withdraw_ineligible``). A confirmation does this for the confirmed mediator and
for the new standby (both now hold the time; after an accept, in its settlement); a change
of the mediator (a conflict of interest, an absence, ...) through
``mediators.signals.mediator_eligibility_changed``. One
mediator's accept of an offer that a confirmation elsewhere made ineligible meanwhile
withdraws that offer (cascade) and answers 409 ``not_eligible``: it never stays pending.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from config.queue import enqueue_on_commit
from core.constants import ActorRole
from core.time import add_duration, add_minutes
from institutions.constants import OfferStrategy
from mediators.models import Mediator

from ..constants import (
    ANSWERED_OFFER_STATUSES,
    ASSIGNABLE_STATUSES,
    HOLDING_STATUSES,
    AlertKind,
    OfferStatus,
    SettlementKind,
    Status,
)
from ..exceptions import BookingConflict, NotEligible
from ..locking import lock_booking_or_none, lock_booking_unless_busy, lock_mediator, lock_rows
from ..matching.consent import consent_covers
from ..matching.eligibility import MAX_TRAVEL_GAP, eligible_rows
from ..matching.facts import is_eligible
from ..matching.ranking import load_mediators
from ..matching.rules import iso_week_bounds, month_bounds
from ..matching.selectors import candidates_for
from ..messages.hooks import (
    alert_notify,
    offer_made_notify,
    offer_withdrawn_notify,
    offers_made_notify,
    offers_withdrawn_notify,
)
from ..messages.void import booking_messages_void
from ..models import Alert, Booking, Offer, Settlement
from ..state_machine import transition
from . import standby as standby_service
from .access_log import access_log_change

# A booking in one of these is looking for a mediator.
MATCHING_STATUSES = (Status.REQUESTED, Status.OFFERED)
# A mediator with an offer row in one of these is not offered the booking again.
ANSWERED = ANSWERED_OFFER_STATUSES


def fill_deadline(booking: Booking) -> datetime.datetime:
    """The moment after which no new offers are made: the pool's hours before the start."""
    before = datetime.timedelta(hours=booking.pool.fill_deadline_hours)
    return add_duration(booking.starts_at, -before)


# The matching task by its registered name (``bookings.tasks`` imports this module).
BOOKING_MATCH_TASK = "bookings.tasks.booking_match_task"


def matching_enqueue(*, booking: Booking) -> None:
    """Start (or continue) matching after the surrounding transaction commits."""
    enqueue_on_commit(BOOKING_MATCH_TASK, booking.pk)


def _withdraw_pending(booking: Booking, *, keep: Offer | None = None) -> int:
    """Withdraw every pending offer of the locked booking (but ``keep``) in one UPDATE and
    tell their mediators (their e-mails written at once, from ``booking`` as it is)."""
    qs = Offer.objects.filter(booking=booking, status=OfferStatus.PENDING)
    if keep is not None:
        qs = qs.exclude(pk=keep.pk)
    pending = list(lock_rows(qs.select_related("mediator__user")))
    if pending:
        Offer.objects.filter(pk__in=[offer.pk for offer in pending]).update(
            status=OfferStatus.WITHDRAWN
        )
        for offer in pending:
            offer.status = OfferStatus.WITHDRAWN
        offers_withdrawn_notify(offers=_of_booking(pending, booking))
    return len(pending)


def _withdraw(offer: Offer) -> None:
    """Withdraw one pending offer (its row locked under its booking's lock), tell them."""
    offer.status = OfferStatus.WITHDRAWN
    offer.save(update_fields=["status"])
    offer_withdrawn_notify(offer=offer)


def _of_booking(offers: list[Offer], booking: Booking) -> list[Offer]:
    """The offers, each of them of ``booking`` given that very instance - the locked row as
    the change left it, read with what its messages show (``locking``) - rather than a copy
    of its own whose language, place, institution, ... each e-mail would load again."""
    for offer in offers:
        if offer.booking_id == booking.pk:
            offer.booking = booking
    return offers


def _make_unfilled(booking: Booking, *, reason: str) -> Booking:
    """Nobody found in time: unfilled, pending offers withdrawn, one open alert (its text in
    the site's language, whoever's request led here)."""
    _withdraw_pending(booking)
    unfilled = transition(
        booking, to=Status.UNFILLED, actor_role=ActorRole.SYSTEM, reason=reason, held=True
    )
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
    offer = _offer_row(booking, mediator, rank=rank, score=score, round_=round_,
                       expires_at=expires_at)  # fmt: skip
    offer_made_notify(offer=offer)
    return offer


def _offer_row(booking: Booking, mediator: Mediator, *, rank: int, score: float, round_: int,
               expires_at: datetime.datetime) -> Offer:  # fmt: skip
    """The offer made (or made anew), its mediator not told yet (``offers_made_notify``)."""
    return _offer_rows(booking, [(mediator, score)], round_=round_, expires_at=expires_at,
                       first_rank=rank)[0]  # fmt: skip


# What making an offer anew (to a mediator whose earlier offer was withdrawn or expired)
# writes over; its row, its ``created_at`` and any coordinator's override stay.
_MADE_ANEW = ["status", "rank", "score", "round", "expires_at", "responded_at"]


def _offer_rows(booking: Booking, chosen: list[tuple[Mediator, float]], *, round_: int,
                expires_at: datetime.datetime, first_rank: int = 1) -> list[Offer]:  # fmt: skip
    """The offers made (or made anew) to ``chosen`` (mediator, score) in rank order, in one
    statement (an insert that updates the row a mediator already has for the booking), their
    mediators not told yet (``offers_made_notify``)."""
    rows = [
        Offer(booking=booking, mediator=mediator, status=OfferStatus.PENDING, rank=rank,
              score=score, round=round_, expires_at=expires_at, responded_at=None)
        for rank, (mediator, score) in enumerate(chosen, start=first_rank)
    ]  # fmt: skip
    made = Offer.objects.bulk_create(
        rows,
        update_conflicts=True,
        unique_fields=["booking", "mediator"],
        update_fields=_MADE_ANEW,
    )
    if any(offer.pk is None for offer in made):  # a database that returns no ids
        ids = dict(
            Offer.objects.filter(
                booking=booking, mediator__in=[mediator for mediator, _score in chosen]
            ).values_list("mediator_id", "pk")
        )
        for offer in made:
            offer.pk = ids[offer.mediator_id]
    return made


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
                   expires_at=min(add_duration(now, ttl), booking.starts_at))
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
    expires_at = min(add_minutes(now, pool.offer_ttl_minutes), deadline)
    made = _offer_rows(
        booking, [(c.mediator, c.score) for c in chosen], round_=round_, expires_at=expires_at
    )
    offers_made_notify(offers=made)
    _mark_offered(booking)
    return made


def _mark_offered(booking: Booking) -> None:
    """The locked ``booking`` (every caller locked it in this transaction and wrote it, if at
    all, through that very row) is offered now: not read and locked a second time."""
    if booking.status == Status.REQUESTED:
        transition(booking, to=Status.OFFERED, actor_role=ActorRole.SYSTEM, held=True)


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
             now: datetime.datetime, choose_standby: bool = True,
             defer: bool = False) -> Booking:  # fmt: skip
    """Confirm a locked booking for a locked mediator; withdraw the other offers.

    What must hold at the commit happens here: the eligibility check, the accepted offer, the
    transition (its event and the confirmation's messages), the booking's other pending
    offers withdrawn (one UPDATE) and its unfilled alert resolved. The rest - telling those
    mediators, withdrawing the confirmed mediator's clashing offers on other bookings,
    choosing the standby (a ranking of every candidate), voiding what that made stale - is
    ``confirmation_settle``: with ``defer`` after the commit (a ``Settlement`` run by a task,
    or by the sweep should the task be lost), else here. Deferring is safe: until the
    settling runs, an accept of one of the mediator's clashing offers is refused by
    ``is_eligible`` here (and the exclusion constraint), and the standby is only a
    reserve."""
    eligible = is_eligible(booking, mediator, now=now, locked=True)
    if not eligible and not consent_covers(booking, mediator, offer):
        raise NotEligible(_("This mediator is no longer eligible for this booking."))
    if offer is None:
        offer = Offer.objects.filter(
            booking=booking, mediator=mediator, status=OfferStatus.PENDING
        ).first()
    if offer is not None:
        offer.status = OfferStatus.ACCEPTED
        offer.responded_at = now
        offer.save(update_fields=["status", "responded_at"])
    # Resolved before the transition, whose voiding of stale messages then covers its e-mail.
    Alert.objects.filter(booking=booking, kind=AlertKind.UNFILLED, resolved_at=None).update(
        resolved_at=now
    )
    confirmed = transition(
        booking,
        to=Status.CONFIRMED,
        actor=actor,
        actor_role=actor_role,
        allowed_from=set(ASSIGNABLE_STATUSES),
        changes={"mediator": mediator},
        data={"mediator_id": mediator.pk, "offer_id": offer.pk if offer else None},
        held=True,  # locked by the caller, unchanged since: not read again
    )
    settle = {
        "mediator_id": mediator.pk,
        "withdrawn": _withdraw_pending_quietly(confirmed, keep=offer),
        "choose_standby": choose_standby,
    }
    if defer:
        _settlement(confirmed, SettlementKind.CONFIRMED, now=now, data=settle)
    else:
        confirmation_settle(confirmed, settle, now=now)
    return confirmed


def _withdraw_pending_quietly(booking: Booking, *, keep: Offer | None) -> list[int]:
    """Withdraw the locked booking's pending offers but ``keep`` in one UPDATE, telling
    nobody yet (``confirmation_settle`` does): the ids withdrawn."""
    pending = Offer.objects.filter(booking=booking, status=OfferStatus.PENDING)
    if keep is not None:
        pending = pending.exclude(pk=keep.pk)
    ids = list(lock_rows(pending).values_list("pk", flat=True))
    if ids:
        Offer.objects.filter(pk__in=ids).update(status=OfferStatus.WITHDRAWN)
    return ids


def confirmation_settle(booking: Booking, data: dict[str, Any], *, now: datetime.datetime) -> None:
    """The rest of a confirmation of the locked ``booking`` (``_confirm``), idempotent in its
    effects: the mediators whose offers it withdrew are told (those offers still withdrawn;
    the messages' keys make a second call write nothing); the confirmed mediator's pending
    offers that now clash are withdrawn and offered on (cascade); the standby is chosen if
    the booking is still confirmed for that mediator; stale messages are voided.

    ``data``: ``mediator_id``, ``withdrawn`` (offer ids), ``choose_standby``. Choosing a
    standby twice would ask two people: a ``Settlement`` runs this once (its row is marked done
    in the same transaction)."""
    _withdrawn_notify(booking, data.get("withdrawn", []))
    mediator_id = data["mediator_id"]
    # The confirmed mediator now holds this time: their pending offers that clash with it (or
    # exceed their hours) are withdrawn and offered on (cascade).
    offers_withdraw_ineligible(
        mediator=mediator_id, now=now, skip_booking=booking.pk, held=booking, counts_hours=True
    )
    still = booking.status == Status.CONFIRMED and booking.mediator_id == mediator_id
    if data.get("choose_standby", True) and still:
        _standby_choose(booking, now=now)
    if still and booking.series_id:
        series_offer_following(booking, mediator_id=mediator_id, now=now)
    booking_messages_void(booking=booking)  # the alert resolved, the standby replaced


def _withdrawn_notify(booking: Booking, offer_ids: list[int]) -> None:
    """Tell the mediators of the locked booking's offers a confirmation withdrew (those still
    withdrawn), all at once."""
    withdrawn = Offer.objects.filter(pk__in=offer_ids, status=OfferStatus.WITHDRAWN)
    offers = list(withdrawn.select_related("mediator__user").order_by("pk"))
    offers_withdrawn_notify(offers=_of_booking(offers, booking))


def series_offer_following(
    booking: Booking, *, mediator_id: int, now: datetime.datetime
) -> list[Offer]:
    """A series prefers one mediator: the mediator confirmed for a date of a series is
    offered the later dates of it that still look for someone, before anybody else.

    For each later date (requested or offered, before its fill deadline) that the mediator
    has not answered yet and is eligible for: the pending offers to others are withdrawn
    (those mediators are told, and stay candidates: a withdrawn offer may be made again) and
    the mediator gets an offer with the pool's usual time to answer. If they decline or let
    it expire, matching goes on as usual. Each date is locked with SKIP LOCKED: a date
    another transaction holds is left to the ranking, which puts a mediator who holds
    another date of the series first anyway (``matching.ranking.rank``). Idempotent: an
    offer already made is an answer-in-waiting and is not made again."""
    answered = Offer.objects.filter(
        booking_id=OuterRef("pk"), mediator_id=mediator_id, status__in=ANSWERED
    )
    later = (
        Booking.objects.filter(
            series_id=booking.series_id,
            starts_at__gt=booking.starts_at,
            status__in=MATCHING_STATUSES,
        )
        .filter(~Exists(answered))
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    mediator = Mediator.objects.select_related("user").get(pk=mediator_id)
    made: list[Offer] = []
    for booking_id in list(later):
        other = lock_booking_unless_busy(booking_id)
        if other is None or other.status not in MATCHING_STATUSES:
            continue
        deadline = fill_deadline(other)
        if now >= deadline or not is_eligible(other, mediator, now=now):
            continue
        _withdraw_pending(other)
        round_ = (
            Offer.objects.filter(booking=other).order_by("-round").values_list("round", flat=True)
        ).first() or 0
        expires_at = min(add_minutes(now, other.pool.offer_ttl_minutes), deadline)
        made.append(
            _offer(other, mediator, rank=1, score=0, round_=round_ + 1, expires_at=expires_at)
        )
        _mark_offered(other)
    return made


# The settlements' task by its registered name (``bookings.tasks`` imports this module).
SETTLEMENT_TASK = "bookings.tasks.settlement_task"


def _settlement(
    booking: Booking, kind: str, *, now: datetime.datetime, data: dict[str, Any]
) -> Settlement:
    """Leave ``kind``'s work on the locked booking for after the commit: a row, run by the
    task queued on commit (``services.settlements.settlement_run``) or by the sweep."""
    row = Settlement.objects.create(booking=booking, kind=kind, data=data, created_at=now)
    enqueue_on_commit(SETTLEMENT_TASK, row.pk)
    return row


def offer_accept(
    *, offer: Offer, mediator: Mediator, now: datetime.datetime | None = None
) -> Booking:
    """The offered mediator accepts: the booking is confirmed exactly once; every other
    accept answers ``BookingConflict`` (409) and changes nothing - but for an accept by a
    mediator no longer eligible (``NotEligible``, 409), which withdraws the offer and asks
    the next candidate (after the commit) before it answers.

    Cheap, because a mediator waits for it and holds the booking's lock meanwhile: an offer
    already answered (a double tap) answers 409 from one read without taking any lock, and
    the confirmation leaves the rest (standby, the mediator's clashing offers, telling the
    others) to a ``Settlement`` after the commit (``_confirm``)."""
    now = now or timezone.now()
    _refuse_closed_offer(offer, mediator=mediator, now=now)
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
        try:
            confirmed = _confirm(
                booking, mediator, actor=mediator.user, actor_role=ActorRole.MEDIATOR,
                offer=locked, now=now, defer=True,
            )  # fmt: skip
        except NotEligible as refused:
            # Made ineligible meanwhile (e.g. confirmed elsewhere by a transaction that could
            # not take this booking's lock): the offer is withdrawn and offered on after the
            # commit, and the answer is 409. Nothing was written before the check.
            locked.booking, locked.mediator = booking, mediator
            _withdraw(locked)
            _settlement(booking, SettlementKind.MATCH, now=now, data={})
            not_eligible: NotEligible | None = refused
        else:
            not_eligible = None
            access_log_change(booking=confirmed, actor=mediator.user)
    if not_eligible is not None:
        _sync_answered(offer, locked, booking)
        raise not_eligible
    _sync_answered(offer, locked, confirmed)
    return confirmed


def _refuse_closed_offer(offer: Offer, *, mediator: Mediator, now: datetime.datetime) -> None:
    """Answer 409 at once, without a lock, for an offer that is not the mediator's, is no
    longer pending or open, or whose booking is no longer looking (what the locked checks
    would find; one that looks open is checked again under the locks). An offer only becomes
    pending again when it is made anew, which is a new offer to answer."""
    row = (
        Offer.objects.filter(pk=offer.pk)
        .values_list("mediator_id", "status", "expires_at", "booking__status")
        .first()
    )
    if row is None or row[0] != mediator.pk:
        raise BookingConflict(_("This offer is not yours."), code="not_your_offer")
    _mediator_id, status, expires_at, booking_status = row
    if status != OfferStatus.PENDING or expires_at <= now:
        raise BookingConflict(_("This offer is no longer open."), code="offer_closed")
    if booking_status not in MATCHING_STATUSES:
        raise BookingConflict(_("This booking has been taken already."), code="taken")


def offer_decline(
    *, offer: Offer, mediator: Mediator, now: datetime.datetime | None = None
) -> Offer:
    """The offered mediator declines; the next candidates are asked right after the commit
    (a ``Settlement``: the ranking runs in a worker, not in the mediator's request). Declining
    an offer twice is harmless; declining one that is no longer open answers 409."""
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
        _settlement(booking, SettlementKind.MATCH, now=now, data={})
    _sync_answered(offer, locked, booking)
    return locked


def _sync_answered(offer: Offer, answered: Offer, booking: Booking | None) -> None:
    """Keep the caller's copy of an answered offer in step, without reading it again: an
    answer changes only its status and time, and its booking, given as read under the lock
    (with its language and towns: the API's answer shows them)."""
    offer.status, offer.responded_at = answered.status, answered.responded_at
    if booking is not None:
        offer.booking = booking
    elif Offer.booking.is_cached(offer):
        Offer.booking.field.delete_cached_value(offer)


def match_settle(booking: Booking, *, now: datetime.datetime) -> None:
    """The settlement of a decline: the next offers for the locked booking (idempotent)."""
    _match_locked(booking, now=now)


def _standby_choose(booking: Booking, *, now: datetime.datetime) -> None:
    """Ask the next-best mediator of a locked, confirmed booking to stand by; the standby
    holds the time from now on, so their clashing pending offers are withdrawn too."""
    standby = standby_service.standby_after_confirmation(booking, now=now)
    if standby is not None:
        offers_withdraw_ineligible(mediator=standby.mediator_id, now=now, held=booking)


def standby_choose(*, booking_id: int, now: datetime.datetime | None = None) -> None:
    """Choose the standby of a booking confirmed without one (``booking_assign`` with
    ``choose_standby=False``: a plan chooses its standbys after all its assignments, so that
    no standby takes the time of a mediator the plan assigns later). Idempotent: nothing
    for a booking no longer confirmed or with an open standby."""
    now = now or timezone.now()
    with transaction.atomic():
        booking = lock_booking_or_none(booking_id)
        if booking is None or booking.status != Status.CONFIRMED:
            return
        if booking.ends_at <= now or standby_service.has_open_standby(booking):
            return
        _standby_choose(booking, now=now)


def booking_assign(*, booking: Booking, mediator: Mediator, actor: AbstractBaseUser | None,
                   now: datetime.datetime | None = None,
                   choose_standby: bool = True) -> Booking:  # fmt: skip
    """A coordinator (or the planner's command, without a user) assigns a mediator directly
    (409 ``NotEligible`` when the mediator is no longer eligible, 409 when the booking is
    not open any more). ``choose_standby=False`` leaves the standby to ``standby_choose``."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = lock_booking_or_none(booking)
        mediator = lock_mediator(mediator)
        if locked is None or locked.status not in ASSIGNABLE_STATUSES:
            raise BookingConflict(_("This booking is not open for assignment."), code="not_open")
        confirmed = _confirm(
            locked, mediator, actor=actor, actor_role=ActorRole.COORDINATOR, offer=None, now=now,
            choose_standby=choose_standby,
        )  # fmt: skip
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


def matching_after_reschedule(*, booking: Booking, now: datetime.datetime | None = None) -> None:
    """A locked booking looks for a mediator again after a change of time, duration or place
    (its mediator released, or nobody found yet): the answers given to the old appointment -
    declines, expiries, the released mediator's acceptance - do not answer the new one, so
    their offers are withdrawn and everyone eligible now may be asked. Matching runs after
    the commit, the standby first (if they are eligible for the new time)."""
    _withdraw_pending(booking)
    answered = Offer.objects.filter(booking=booking).exclude(
        status__in=[OfferStatus.PENDING, OfferStatus.WITHDRAWN]
    )
    ids = list(lock_rows(answered).values_list("pk", flat=True))
    Offer.objects.filter(pk__in=ids).update(status=OfferStatus.WITHDRAWN)
    matching_enqueue(booking=booking)


def offers_after_cancel(*, booking: Booking) -> None:
    """A cancelled booking withdraws its pending offers and releases its standby."""
    _withdraw_pending(booking)
    standby_service.standby_release(booking)


# The re-check of a mediator's offers on bookings a change could not lock, after its commit.
OFFERS_RECHECK_TASK = "bookings.tasks.offers_recheck_task"


def _withdraw_if_ineligible(
    booking: Booking, mediator_id: int, *, now: datetime.datetime
) -> Offer | None:
    """Under the booking's lock: withdraw the mediator's pending offer for it if they are no
    longer eligible, and offer the booking on (cascade). The withdrawn offer, or None."""
    offer = lock_rows(
        Offer.objects.filter(
            booking=booking,
            mediator_id=mediator_id,
            status=OfferStatus.PENDING,
            expires_at__gt=now,
        ).select_related("mediator__user")
    ).first()
    if offer is None or is_eligible(booking, offer.mediator, now=now):
        return None
    offer.booking = booking  # its e-mail: the locked row, read with what it shows
    if consent_covers(booking, offer.mediator, offer):
        return None  # asked anyway, with the mediator's consent to the rules it waived
    _withdraw(offer)
    _match_locked(booking, now=now)
    return offer


def offers_withdraw_ineligible(
    *,
    mediator: Mediator | int,
    now: datetime.datetime | None = None,
    skip_booking: int | None = None,
    held: Booking | None = None,
    counts_hours: bool = False,
) -> list[Offer]:
    """Withdraw the mediator's pending offers they are no longer eligible for, and offer each
    of those bookings to the next candidate (the usual matching: cascade or broadcast, the
    standby first, unfilled when nobody is left) - in the caller's transaction.

    Call it inside the transaction of any change that may make a mediator ineligible for
    bookings they hold pending offers for. ``_confirm`` does (a confirmation elsewhere: accept,
    direct assignment, plan apply, standby promotion; and the new standby), and so does the
    receiver of ``mediators.signals.mediator_eligibility_changed`` (a conflict of interest, an
    absence, a pause, a lapsed certificate, a changed range or languages: send that signal
    from the mediators app rather than calling this). The rules are ``matching.eligibility.
    is_eligible``'s, all of them; an offer the mediator is still eligible for stays pending,
    as do offers already past their expiry (the sweep expires them). ``skip_booking``: a
    booking whose offers the caller settles itself (the one just confirmed).

    ``held``: the change is only that the mediator now holds this booking's time (confirmed
    for it, ``counts_hours``, or standing by for it, which does not count towards the hour
    limits). Then only the offers that hold can have changed are checked
    (``_offers_touched_by``): the rest were checked when they were made and at every change
    since, and a new hold changes nothing else. A confirmation settles in a moment, not in
    one full eligibility check per pending offer of the mediator.

    Locks: safe to call with any locks held - a confirmation's booking and mediator, a
    mediator's row. Each offer's booking is locked with SKIP LOCKED (``locking.
    lock_booking_unless_busy``), which never waits and so cannot close a circle of waits even
    after a mediator's lock; its offer row is locked and withdrawn under it. A booking that
    another transaction holds is left to ``offers_recheck_task`` after the commit, which does
    the same in one transaction per booking, in lock order. Idempotent.

    Returns the offers withdrawn in this transaction."""
    now = now or timezone.now()
    mediator_id = mediator if isinstance(mediator, int) else mediator.pk
    offers = Offer.objects.filter(
        mediator_id=mediator_id, status=OfferStatus.PENDING, expires_at__gt=now
    )
    if skip_booking is not None:
        offers = offers.exclude(booking_id=skip_booking)
    if held is not None:
        booking_ids = _offers_touched_by(
            offers, held, mediator_id=mediator_id, counts_hours=counts_hours
        )
    else:
        booking_ids = list(offers.order_by("booking_id").values_list("booking_id", flat=True))
    withdrawn: list[Offer] = []
    busy: list[int] = []
    for booking_id in booking_ids:
        booking = lock_booking_unless_busy(booking_id)
        if booking is None:
            busy.append(booking_id)
            continue
        offer = _withdraw_if_ineligible(booking, mediator_id, now=now)
        if offer is not None:
            withdrawn.append(offer)
    if busy:
        enqueue_on_commit(OFFERS_RECHECK_TASK, mediator_id, busy)
    return withdrawn


def _offers_touched_by(
    offers: QuerySet[Offer], held: Booking, *, mediator_id: int, counts_hours: bool
) -> list[int]:
    """The bookings of the mediator's pending ``offers`` whose eligibility a new hold of
    ``held``'s time can change, in booking order (two queries, three with the hours):

    - those within the longest travel time of it (overlap and travel time, the window
      ``eligibility._held_around`` reads);
    - with ``counts_hours``: those of its ISO week or its month that the mediator's held
      minutes there (this booking's now among them) leave no room for any more (the hour
      limits: ineligible once held minutes exceed the limit less the booking's own).

    Every other rule is about the mediator or the booking alone, not about what the
    mediator holds. Each booking returned is checked in full under its lock."""
    rows = list(
        offers.order_by("booking_id").values_list(
            "booking_id", "booking__starts_at", "booking__ends_at", "booking__duration_minutes"
        )
    )
    if not rows:
        return []
    near_from = add_duration(held.starts_at, -MAX_TRAVEL_GAP)
    near_until = add_duration(held.ends_at, MAX_TRAVEL_GAP)
    touched = {pk for pk, starts, ends, _ in rows if starts < near_until and ends > near_from}
    if counts_hours:
        week, month = iso_week_bounds(held.starts_at), month_bounds(held.starts_at)
        limits = (
            Mediator.objects.filter(pk=mediator_id)
            .values_list("max_hours_per_week", "max_hours_per_month")
            .first()
        )
        if limits is not None:

            def held_in(lo: datetime.datetime, hi: datetime.datetime) -> Coalesce:
                return Coalesce(
                    Sum("duration_minutes", filter=Q(starts_at__gte=lo, starts_at__lt=hi)), 0
                )

            minutes = Booking.objects.filter(
                mediator_id=mediator_id,
                status__in=HOLDING_STATUSES,
                starts_at__gte=min(week[0], month[0]),
                starts_at__lt=max(week[1], month[1]),
            ).aggregate(week=held_in(*week), month=held_in(*month))
            for (lo, hi), held_minutes, limit in (
                (week, minutes["week"], limits[0]),
                (month, minutes["month"], limits[1]),
            ):
                touched |= {
                    pk
                    for pk, starts, _, duration in rows
                    if lo <= starts < hi and held_minutes > limit * 60 - duration
                }
    return sorted(touched)


def offers_recheck(
    *, mediator_id: int, booking_ids: list[int], now: datetime.datetime | None = None
) -> list[Offer]:
    """The task's part of ``offers_withdraw_ineligible``: each booking in a transaction of
    its own, its lock waited for (no other lock is held). Idempotent."""
    now = now or timezone.now()
    withdrawn: list[Offer] = []
    for booking_id in booking_ids:
        with transaction.atomic():
            booking = lock_booking_or_none(booking_id)
            offer = _withdraw_if_ineligible(booking, mediator_id, now=now) if booking else None
        if offer is not None:
            withdrawn.append(offer)
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
            held=True,
        )
        return _match_locked(requested, now=now)
