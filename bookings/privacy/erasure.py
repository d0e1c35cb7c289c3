"""Erasure (Art. 17 GDPR): a coordinator erases a mediator or a member of institution staff.

The person's account stays as a **pseudonym** (``Gelöscht-7F3K2A``), because the bookings,
events and allowances of past years point to it: the statistics and the payouts of those
years still add up, while nothing in the rows says who the person was. Removed or emptied:

- the account: name (the pseudonym instead), e-mail, username (``erased-<id>-<random>``),
  password (unusable), active and staff flags; every API token and session
  (``core.credentials.credentials_revoke_all``);
- a mediator's phone, IBAN, home and coordinates, vetting dates, preferences, languages, weekly
  availability, absences, conflicts of interest, institution blocks, calendar feed and open
  standbys, the notes for the coordinators in their reports; pending offers are declined
  first, so matching moves on to the next candidate;
- a staff member's phone, and the contact person and phone on the bookings they requested;
- the copies of their messages in the outbox (pending ones are voided first).

Refused (409, nothing changed) while the person holds a confirmed booking in the future: a
mediator assigned to it, or staff who requested it. Cancel or reassign it first.
"""

from __future__ import annotations

import datetime
import secrets
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import ngettext

from accounts.services import sign_in_records_forget
from core.credentials import credentials_revoke_all
from core.exceptions import Conflict
from core.time import BERLIN
from institutions.models import Staff
from mediators.models import Mediator, MediatorApplication
from notifications.constants import MessageStatus
from notifications.models import CalendarFeed, Message, PushSubscription
from notifications.services import messages_void

from ..constants import Status
from ..locking import lock_mediator
from ..models import Booking, Offer, Report, Standby
from ..services.access_log import ERASE, access_log_list
from ..services.offers import offer_decline
from .selectors import person_in_reach, require_coordinator

PSEUDONYM_PREFIX = "Gelöscht"


class ErasureRefused(Conflict):
    """The person still holds a confirmed booking in the future: answers 409."""

    code = "erasure_refused"


@dataclass(frozen=True)
class ErasureResult:
    user_id: int
    pseudonym: str
    credentials_revoked: int


def _future_confirmed(user: AbstractBaseUser, *, now: datetime.datetime) -> QuerySet[Booking]:
    return Booking.objects.filter(
        Q(mediator__user_id=user.pk) | Q(requested_by_id=user.pk),
        status=Status.CONFIRMED,
        starts_at__gt=now,
    ).order_by("starts_at")


def _refuse_while_holding(user: AbstractBaseUser, *, now: datetime.datetime) -> None:
    held = list(_future_confirmed(user, now=now).values_list("starts_at", flat=True)[:100])
    if held:
        first = date_format(held[0].astimezone(BERLIN), "SHORT_DATETIME_FORMAT")
        raise ErasureRefused(
            ngettext(
                "This person still holds a confirmed booking in the future (on %(first)s). "
                "Cancel it or assign someone else first, then erase the person.",
                "This person still holds %(count)d confirmed bookings in the future (the "
                "first on %(first)s). Cancel them or assign someone else first, then erase "
                "the person.",
                len(held),
            )
            % {"count": len(held), "first": first}
        )


def _pseudonym() -> str:
    return f"{PSEUDONYM_PREFIX}-{secrets.token_hex(3).upper()}"


def _decline_pending_offers(mediator: Mediator, *, now: datetime.datetime) -> None:
    """Each open offer is declined as the mediator would (matching asks the next one); a
    mediator paused before can get no new one."""
    for offer in Offer.objects.filter(mediator=mediator, status="pending").order_by("pk"):
        offer_decline(offer=offer, mediator=mediator, now=now)


def _erase_mediator(mediator: Mediator, *, now: datetime.datetime) -> None:
    Mediator.objects.filter(pk=mediator.pk).update(
        phone="",
        iban="",
        home_postal_code="",
        home_latitude=None,
        home_longitude=None,
        training_completed_on=None,
        pledge_signed_on=None,
        police_certificate_inspected_on=None,
        police_certificate_valid_until=None,
        declined_topics=[],
        preferred_fields=[],
        active=False,
        paused_reason="",
        self_unavailable=False,
        self_unavailable_until=None,
        erased_at=now,
    )
    mediator.preferred_towns.clear()
    for related in (
        "languages",
        "availability",
        "availability_dates",
        "absences",
        "conflicts",
        "blocks",
    ):
        getattr(mediator, related).all().delete()
    CalendarFeed.objects.filter(mediator=mediator).delete()
    # Their notes for the coordinators after hard conversations (the figures stay).
    Report.objects.filter(booking__mediator=mediator).exclude(debrief_note="").update(
        debrief_note=""
    )
    # The application they came with (kept for a while after it was accepted) goes too.
    MediatorApplication.objects.filter(mediator=mediator).delete()
    # Released without the usual notice: it would go to the person being erased.
    Standby.objects.filter(mediator=mediator, released_at__isnull=True).update(released_at=now)


def _erase_staff(staff: Staff, *, now: datetime.datetime) -> None:
    Staff.objects.filter(pk=staff.pk).update(phone="", erased_at=now)
    Booking.objects.filter(requested_by_id=staff.user_id).update(contact_name="", contact_phone="")


def _erase_account(user: AbstractBaseUser, *, pseudonym: str) -> None:
    user_model = get_user_model()
    account = user_model.objects.get(pk=user.pk)
    account.set_unusable_password()
    user_model.objects.filter(pk=user.pk).update(
        username=f"erased-{user.pk}-{secrets.token_hex(4)}",
        first_name="",
        last_name=pseudonym,
        email="",
        is_active=False,
        is_staff=False,
        password=account.password,
    )


def _erase_messages(user: AbstractBaseUser, *, now: datetime.datetime) -> None:
    to_them = Message.objects.filter(recipient_user_id=user.pk)
    open_ids = list(
        to_them.exclude(status__in=[MessageStatus.SENT, MessageStatus.SKIPPED]).values_list(
            "pk", flat=True
        )
    )
    if open_ids:
        messages_void(message_ids=open_ids, reason="recipient erased", now=now)
    to_them.exclude(status=MessageStatus.SENDING).delete()


def person_erase(
    *,
    actor: AbstractBaseUser | AnonymousUser,
    user: AbstractBaseUser,
    now: datetime.datetime | None = None,
) -> ErasureResult:
    """Erase a mediator or staff member of the actor's pool (see the module). 403 for anyone
    but a coordinator, 404 for a person outside the pool, 409 while they hold a confirmed
    booking in the future; erasing an erased person again changes nothing more."""
    now = now or timezone.now()
    coordinator = require_coordinator(actor)
    person = person_in_reach(actor, user.pk)
    mediator = getattr(person, "mediator", None)
    staff = getattr(person, "staff", None)
    if (mediator is not None and mediator.erased_at) or (staff is not None and staff.erased_at):
        # Erased before: the pseudonym the bookings show stays as it is.
        return ErasureResult(user_id=person.pk, pseudonym=person.last_name, credentials_revoked=0)
    with transaction.atomic():
        if mediator is not None:
            # The mediator's row first: a concurrent accept (booking, then mediator) waits
            # for it and then finds the mediator paused.
            mediator = lock_mediator(mediator)
        _refuse_while_holding(person, now=now)
        if mediator is not None:
            Mediator.objects.filter(pk=mediator.pk).update(active=False)
    if mediator is not None:
        _decline_pending_offers(mediator, now=now)
    pseudonym = _pseudonym()
    with transaction.atomic():
        if mediator is not None:
            lock_mediator(mediator)
        _refuse_while_holding(person, now=now)
        if mediator is not None:
            _erase_mediator(mediator, now=now)
        if staff is not None:
            _erase_staff(staff, now=now)
        signed_in_as = person.get_username()
        _erase_account(person, pseudonym=pseudonym)
        sign_in_records_forget(person, username=signed_in_as)
        _erase_messages(person, now=now)
        # The devices push notifications went to (label, endpoint, keys).
        PushSubscription.objects.filter(user_id=person.pk).delete()
        revoked = credentials_revoke_all(person)
        access_log_list(
            user=actor,
            what="erasure",
            action=ERASE,
            pool_id=coordinator.pool_id,
            user_ids=[person.pk],
            count=1,
        )
    return ErasureResult(user_id=person.pk, pseudonym=pseudonym, credentials_revoked=revoked)
