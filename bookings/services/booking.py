"""Services that create bookings and move them through the lifecycle."""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Any, cast

from django.contrib.auth.models import AbstractBaseUser

if TYPE_CHECKING:
    from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.constants import ActorRole
from core.exceptions import DomainError
from core.roles import actor_role_of
from core.time import add_duration, add_minutes
from institutions.models import FundingSource, Institution, Location, Pool, Staff
from institutions.selectors import coordinator_of
from mediators.models import Dialect, Language

from ..access import (
    is_cancellable,
    require_can_cancel,
    require_can_give_back,
    require_coordinator_of,
)
from ..constants import (
    AppointmentKind,
    Mode,
    Status,
)
from ..exceptions import BookingConflict, IntakeRefused
from ..locking import lock_booking
from ..models import Booking, BookingSeries
from ..state_machine import record_event, transition
from .access_log import access_log_change
from .budgets import budget_exceeded_by
from .intake import booking_request_validate, check_intake_rules, check_kind, notice_is_met
from .meeting import meeting_details_check

NOTICE_OVERRIDE_MAX_LENGTH = 500


def booking_create(
    *,
    requester: AbstractBaseUser,
    institution: Institution,
    language: Language,
    starts_at: datetime.datetime,
    duration_minutes: int,
    mode: str,
    field: str,
    location: Location | None = None,
    dialect: Dialect | None = None,
    topic: str = "",
    kind: str = AppointmentKind.CONVERSATION,
    with_children: bool = False,
    sensitive: bool = False,
    gender_preference: str = "",
    follow_up_of: Booking | None = None,
    case_reference: str = "",
    notes: str = "",
    funding_source: FundingSource | None = None,
    meeting_url: str = "",
    dial_in_number: str = "",
    dial_in_pin: str = "",
    contact_name: str = "",
    contact_phone: str = "",
    on_behalf_of: Staff | None = None,
    notice_override_reason: str = "",
    series: BookingSeries | None = None,
    series_position: int | None = None,
    now: datetime.datetime | None = None,
) -> Booking:
    """Request an appointment. Checks the pool's intake rules; the request waits for a
    coordinator's approval when the pool asks for it or the budget would be exceeded.

    A coordinator files requests for the institutions of their own pool, e.g. when a school
    phones in: ``on_behalf_of`` names the staff member who asked (they become the requester,
    the contact and the recipient of the messages; the event names the coordinator who filed
    it). The minimum notice holds for coordinators too, unless they give a
    ``notice_override_reason``, which is recorded on the request's event.

    ``series``/``series_position``: a date of a series (``services.series``, which checks
    that the series is the institution's)."""
    now = now or timezone.now()
    pool = institution.pool
    role = actor_role_of(requester)
    by_coordinator = role == ActorRole.COORDINATOR
    override = " ".join((notice_override_reason or "").split())
    _check_filer(
        requester=requester,
        institution=institution,
        by_coordinator=by_coordinator,
        on_behalf_of=on_behalf_of,
        override=override,
    )
    booking_request_validate(
        institution=institution,
        language=language,
        dialect=dialect,
        starts_at=starts_at,
        duration_minutes=duration_minutes,
        mode=mode,
        location=location,
        follow_up_of=follow_up_of,
        funding_source=funding_source,
        now=now,
    )
    meeting = meeting_details_check(
        pool=pool,
        mode=mode,
        meeting_url=meeting_url,
        dial_in_number=dial_in_number,
        dial_in_pin=dial_in_pin,
    )
    notice_overridden = _check_intake(
        pool=pool, starts_at=starts_at, kind=kind, now=now, by_coordinator=by_coordinator,
        override=override,
    )  # fmt: skip
    needs_approval = pool.requires_approval and not by_coordinator
    asker: Any = on_behalf_of.user if on_behalf_of is not None else requester
    if not contact_name:
        contact_name = asker.get_full_name() if hasattr(asker, "get_full_name") else ""
    if not contact_phone and hasattr(asker, "staff"):
        contact_phone = asker.staff.phone
    with transaction.atomic():
        # A request over what is left of the budget always waits for approval (the budget
        # row is locked so that two requests cannot both take the last hours).
        over_budget = budget_exceeded_by(
            institution=institution,
            funding_source=funding_source,
            starts_at=starts_at,
            duration_minutes=duration_minutes,
            lock=True,
        )
        status = Status.AWAITING_APPROVAL if (needs_approval or over_budget) else Status.REQUESTED
        booking = Booking(
            pool=pool,
            institution=institution,
            requested_by=cast("User", asker),  # the project's user model
            language=language,
            dialect=dialect,
            starts_at=starts_at,
            duration_minutes=duration_minutes,
            ends_at=add_minutes(starts_at, duration_minutes),
            mode=mode,
            location=location if mode == Mode.ON_SITE or location else None,
            meeting_url=meeting.meeting_url,
            dial_in_number=meeting.dial_in_number,
            dial_in_pin=meeting.dial_in_pin,
            field=field,
            topic=topic,
            kind=kind,
            with_children=with_children,
            sensitive=sensitive,
            gender_preference=gender_preference,
            follow_up_of=follow_up_of,
            case_reference=case_reference.strip(),
            notes=notes,
            funding_source=funding_source,
            contact_name=contact_name,
            contact_phone=contact_phone,
            status=status,
            series=series,
            series_position=series_position,
        )
        booking.save()
        reasons = []
        data: dict[str, Any] = {"over_budget": over_budget}
        if series is not None:
            data["series_id"] = series.pk
        if on_behalf_of is not None:
            reasons.append(
                _("Filed by the integration centre for %(name)s.") % {"name": contact_name}
            )
            data["on_behalf_of"] = on_behalf_of.user_id
        if notice_overridden:
            reasons.append(
                _("Shorter notice than the pool's rule, by exception: %(reason)s")
                % {"reason": override}
            )
            data["notice_override_reason"] = override
        if over_budget:
            reasons.append(_("The request exceeds what is left of the budget."))
        elif needs_approval:
            reasons.append(_("The pool approves requests first."))
        record_event(
            booking=booking,
            to_status=status,
            actor=requester,
            actor_role=role or ActorRole.SYSTEM,
            reason=" ".join(str(reason) for reason in reasons),
            data=data,
        )
        access_log_change(booking=booking, actor=requester)
        if status == Status.REQUESTED:
            from .offers import matching_enqueue

            matching_enqueue(booking=booking)
    return booking


def _check_filer(
    *,
    requester: AbstractBaseUser,
    institution: Institution,
    by_coordinator: bool,
    on_behalf_of: Staff | None,
    override: str,
) -> None:
    """A coordinator files for the institutions of their own pool only; filing on behalf
    of someone and overriding the notice are theirs alone."""
    if by_coordinator:
        coordinator = coordinator_of(requester)
        if coordinator is None or coordinator.pool_id != institution.pool_id:
            raise DomainError(_("Choose an institution of your pool."), field="institution")
    elif override:
        raise DomainError(
            _("Only coordinators may book at shorter notice."), field="notice_override_reason"
        )
    elif on_behalf_of is not None:
        raise DomainError(
            _("Only coordinators file requests on someone's behalf."), field="on_behalf_of"
        )
    if len(override) > NOTICE_OVERRIDE_MAX_LENGTH:
        raise DomainError(
            _("Keep the reason under %(max)s characters.") % {"max": NOTICE_OVERRIDE_MAX_LENGTH},
            field="notice_override_reason",
        )
    if on_behalf_of is not None and (
        on_behalf_of.institution_id != institution.pk or on_behalf_of.erased_at is not None
    ):
        raise DomainError(_("This person does not work at the institution."), field="on_behalf_of")


def _check_intake(
    *,
    pool: Pool,
    starts_at: datetime.datetime,
    kind: str,
    now: datetime.datetime,
    by_coordinator: bool,
    override: str,
) -> bool:
    """The pool's intake rules; True when a coordinator's reason overrides the notice."""
    check_kind(pool=pool, kind=kind)
    if notice_is_met(pool=pool, starts_at=starts_at, now=now):
        return False
    if by_coordinator and override:
        return True
    try:
        check_intake_rules(pool=pool, starts_at=starts_at, kind=kind, now=now,
                           by_coordinator=False)  # fmt: skip
    except IntakeRefused as error:
        if not by_coordinator:
            raise
        raise IntakeRefused(
            "{} {}".format(
                error.message,
                _("To book at shorter notice, give the reason for the exception."),
            ),
            field=error.field,
        ) from None
    return False


def booking_approve(*, booking: Booking, actor: AbstractBaseUser, reason: str = "") -> Booking:
    """A coordinator approves a request that waits for approval (→ requested)."""
    from .offers import matching_enqueue

    require_coordinator_of(actor, booking)
    with transaction.atomic():
        approved = transition(
            booking,
            to=Status.REQUESTED,
            actor=actor,
            actor_role=ActorRole.COORDINATOR,
            reason=reason,
            allowed_from={Status.AWAITING_APPROVAL},
        )
        matching_enqueue(booking=approved)
        access_log_change(booking=approved, actor=actor)
    return approved


def booking_refuse(*, booking: Booking, actor: AbstractBaseUser, reason: str) -> Booking:
    """A coordinator refuses a request that waits for approval (→ cancelled, with the reason)."""
    require_coordinator_of(actor, booking)
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Say why the request is refused."), field="reason")
    with transaction.atomic():
        refused = transition(
            booking,
            to=Status.CANCELLED,
            actor=actor,
            actor_role=ActorRole.COORDINATOR,
            reason=reason,
            allowed_from={Status.AWAITING_APPROVAL},
            changes={"cancelled_by_role": ActorRole.COORDINATOR, "cancellation_reason": reason},
        )
        access_log_change(booking=refused, actor=actor)
    return refused


def is_late_cancellation(booking: Booking, *, now: datetime.datetime) -> bool:
    notice = datetime.timedelta(hours=booking.pool.late_cancellation_hours)
    return add_duration(booking.starts_at, -notice) < now


def booking_cancel(
    *, booking: Booking, actor: AbstractBaseUser, reason: str, now: datetime.datetime | None = None
) -> Booking:
    """Cancel with a reason. A mediator's cancellation re-opens matching at once; a late
    cancellation by the institution pays the mediator what the pool's rules say.

    Who holds the booking, whether it is late and the next calendar sequence are read from
    the locked row: the caller's copy may be older than a give-back or a new confirmation."""
    now = now or timezone.now()
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Say why the appointment is cancelled."), field="reason")
    require_can_cancel(actor, booking)
    role = actor_role_of(actor)
    with transaction.atomic():
        locked = lock_booking(booking)
        if not is_cancellable(locked):
            raise BookingConflict(
                _("This booking can no longer be cancelled."), code="not_cancellable"
            )
        late = is_late_cancellation(locked, now=now)
        if role == ActorRole.MEDIATOR:
            cancelled = _mediator_withdraws(booking=locked, actor=actor, reason=reason, late=late)
        else:
            cancelled = _cancel(booking=locked, actor=actor, role=role, reason=reason, late=late)
        access_log_change(booking=cancelled, actor=actor)
    booking.refresh_from_db()  # the caller's copy in step with the database again
    return cancelled


def _cancel(
    *, booking: Booking, actor: AbstractBaseUser, role: str | None, reason: str, late: bool
) -> Booking:
    """Cancel a locked booking (the row ``booking_cancel`` locked, not read again); late only
    when a mediator held it."""
    held = booking.status == Status.CONFIRMED and booking.mediator_id is not None
    changes: dict[str, Any] = {
        "cancelled_by_role": role or ActorRole.SYSTEM,
        "cancellation_reason": reason,
        "late_cancellation": late and held,
    }
    if held:
        changes["sequence"] = booking.sequence + 1
    cancelled = transition(
        booking,
        to=Status.CANCELLED,
        actor=actor,
        actor_role=role or ActorRole.SYSTEM,
        reason=reason,
        changes=changes,
        data={"late": changes["late_cancellation"]},
        held=True,
    )
    _after_cancel(booking=cancelled, role=role, late=changes["late_cancellation"])
    return cancelled


def _mediator_withdraws(
    *, booking: Booking, actor: AbstractBaseUser, reason: str, late: bool
) -> Booking:
    """The mediator who holds the locked booking gives it back (that row, not read again)."""
    mediator = require_can_give_back(actor, booking)
    reopened = transition(
        booking,
        to=Status.REQUESTED,
        actor=actor,
        actor_role=ActorRole.MEDIATOR,
        reason=reason,
        allowed_from={Status.CONFIRMED},
        changes={"mediator": None, "confirmed_at": None, "sequence": booking.sequence + 1},
        data={"late": late, "mediator_id": mediator.pk, "mediator_cancelled": True},
        held=True,
    )
    _after_mediator_withdrawal(booking=reopened, mediator_id=mediator.pk)
    return reopened


def _after_cancel(*, booking: Booking, role: str | None, late: bool) -> None:
    """Effects of a cancellation beyond the status: pay for a late cancellation by the
    institution; offers and standby are released by the matching engine."""
    from .offers import offers_after_cancel
    from .rematch import booking_freed_rematch
    from .reports import allowance_for_late_cancellation

    offers_after_cancel(booking=booking)
    if booking.mediator_id:
        # The mediator's time is free again: unfilled requests around it are tried again.
        booking_freed_rematch(booking=booking, mediator_id=booking.mediator_id)
    if late and role == ActorRole.INSTITUTION and booking.mediator_id:
        allowance_for_late_cancellation(booking=booking)


def _after_mediator_withdrawal(*, booking: Booking, mediator_id: int) -> None:
    """Matching re-opens at once (the standby first); the mediator is not asked again."""
    from .offers import matching_reopened
    from .rematch import booking_freed_rematch

    matching_reopened(booking=booking, mediator_id=mediator_id)
    booking_freed_rematch(booking=booking, mediator_id=mediator_id)
