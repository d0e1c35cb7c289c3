"""Who may do what to a booking: the services' checks and the pages' buttons in one place.

Two forms, by the same rules:

- ``require_*(actor, booking)`` are the services' checks of *who* acts. They raise
  ``PermissionDenied`` (403), except the give-back, which answers 409 as it always has.
  The services call them with the caller's copy where the rule reads what never changes in
  a booking's life (its pool, its institution), and with the locked row where it names the
  mediator (``bookings.locking``), who may have changed since the caller read the booking.
- ``can_*(user, booking)`` answer whether a page offers the action to a user now: the user
  may, and the booking's state allows it. The services refuse the same states with 409 and
  the reason; a page that asks first does not show a button that could only answer that.

The booking passed to a ``can_*`` may be any instance the page read; a report is read from
``booking.report`` (select it with the booking to save the query).
"""

from __future__ import annotations

import datetime

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.utils import timezone
from django.utils.translation import gettext as _

from core.constants import ActorRole
from institutions.selectors import coordinator_of, staff_of
from mediators.models import Mediator
from mediators.selectors import mediator_of

from .constants import (
    ASSIGNABLE_STATUSES,
    FINAL_STATUSES,
    RESCHEDULABLE_STATUSES,
    AllowanceKind,
    ReportStatus,
    Status,
)
from .exceptions import BookingConflict
from .models import Allowance, Booking, Report

Actor = AbstractBaseUser | AnonymousUser | None


# --- who someone is to a booking ----------------------------------------------------------


def is_coordinator_of(user: Actor, booking: Booking) -> bool:
    """A coordinator of the booking's pool."""
    coordinator = coordinator_of(user)
    return coordinator is not None and coordinator.pool_id == booking.pool_id


def is_staff_of(user: Actor, booking: Booking) -> bool:
    """Staff of the booking's institution."""
    staff = staff_of(user)
    return staff is not None and staff.institution_id == booking.institution_id


def is_assigned_mediator(user: Actor, booking: Booking) -> bool:
    """The mediator the booking names (confirmed, or held it until it ended)."""
    mediator = mediator_of(user)
    return mediator is not None and booking.mediator_id == mediator.pk


# --- the services' checks -----------------------------------------------------------------


def require_coordinator_of(actor: Actor, booking: Booking) -> None:
    """Approve, refuse, resolve a report, mark a no-show: a coordinator of the pool."""
    if not is_coordinator_of(actor, booking):
        raise PermissionDenied(_("Only a coordinator of the booking's pool may do this."))


def require_staff_of(actor: Actor, booking: Booking) -> None:
    """Confirm or dispute the report: staff of the booking's institution."""
    if not is_staff_of(actor, booking):
        raise PermissionDenied(_("Only staff of the booking's institution may do this."))


def require_assigned_mediator(actor: Actor, booking: Booking) -> None:
    """Report the appointment, or the travel made for a late cancellation: the assigned
    mediator (call it with the locked row)."""
    if not is_assigned_mediator(actor, booking):
        raise PermissionDenied(_("Only the assigned mediator may do this."))


def require_can_cancel(actor: Actor, booking: Booking) -> None:
    """Staff of another institution and coordinators of another pool may not cancel. A
    mediator's cancellation is a give-back (``require_can_give_back``); a call without a
    role (the system, a superuser in the admin) cancels as the system."""
    staff, coordinator = staff_of(actor), coordinator_of(actor)
    if (staff is not None and staff.institution_id != booking.institution_id) or (
        coordinator is not None and coordinator.pool_id != booking.pool_id
    ):
        raise PermissionDenied(_("This booking is not yours to cancel."))


def require_can_give_back(actor: Actor, booking: Booking) -> Mediator:
    """The mediator who holds the confirmed booking (call it with the locked row): they
    give it back, and matching re-opens. Anyone else answers 409."""
    mediator = mediator_of(actor)
    if mediator is None or booking.status != Status.CONFIRMED or booking.mediator_id != mediator.pk:
        raise BookingConflict(_("Only a confirmed booking of yours can be given back."))
    return mediator


def require_can_reschedule(actor: Actor, booking: Booking) -> ActorRole:
    """Staff of the institution or a coordinator of the pool; the role they act in."""
    if is_staff_of(actor, booking):
        return ActorRole.INSTITUTION
    if is_coordinator_of(actor, booking):
        return ActorRole.COORDINATOR
    raise PermissionDenied(_("Only the institution or a coordinator may change a booking."))


# --- what the booking's state allows ------------------------------------------------------


def is_cancellable(booking: Booking) -> bool:
    """Not over: neither completed nor closed, cancelled or a no-show."""
    return booking.status not in FINAL_STATUSES and booking.status != Status.COMPLETED


def _report_of(booking: Booking) -> Report | None:
    try:
        return booking.report
    except ObjectDoesNotExist:
        return None


def _now(now: datetime.datetime | None) -> datetime.datetime:
    return now or timezone.now()


# --- the pages' questions -----------------------------------------------------------------


def can_approve(user: Actor, booking: Booking) -> bool:
    """A coordinator of the pool, and the request waits for approval."""
    return is_coordinator_of(user, booking) and booking.status == Status.AWAITING_APPROVAL


def can_refuse(user: Actor, booking: Booking) -> bool:
    """As ``can_approve``: the coordinator decides either way."""
    return can_approve(user, booking)


def can_cancel(user: Actor, booking: Booking) -> bool:
    """Staff of the institution or a coordinator of the pool, and the booking is not over.
    (The assigned mediator gives a booking back instead: ``can_give_back``.)"""
    return (is_staff_of(user, booking) or is_coordinator_of(user, booking)) and is_cancellable(
        booking
    )


def can_give_back(user: Actor, booking: Booking, *, now: datetime.datetime | None = None) -> bool:
    """The assigned mediator of a confirmed booking, before the appointment starts (the
    service itself also takes a give-back after the start)."""
    return (
        booking.status == Status.CONFIRMED
        and is_assigned_mediator(user, booking)
        and booking.starts_at > _now(now)
    )


def can_reschedule(user: Actor, booking: Booking, *, now: datetime.datetime | None = None) -> bool:
    """Staff of the institution or a coordinator of the pool, the booking in a status that
    may change (no offers out, not over) and not started yet."""
    return (
        (is_staff_of(user, booking) or is_coordinator_of(user, booking))
        and booking.status in RESCHEDULABLE_STATUSES
        and booking.starts_at > _now(now)
    )


def can_assign(user: Actor, booking: Booking) -> bool:
    """A coordinator of the pool, and the booking still looks for a mediator."""
    return is_coordinator_of(user, booking) and booking.status in ASSIGNABLE_STATUSES


def can_report(user: Actor, booking: Booking, *, now: datetime.datetime | None = None) -> bool:
    """The assigned mediator, once the confirmed appointment has started."""
    return (
        booking.status == Status.CONFIRMED
        and is_assigned_mediator(user, booking)
        and booking.starts_at <= _now(now)
    )


def can_confirm_report(user: Actor, booking: Booking) -> bool:
    """Staff of the institution, and the mediator's report waits for their review."""
    if not (is_staff_of(user, booking) and booking.status == Status.COMPLETED):
        return False
    report = _report_of(booking)
    return report is not None and report.status == ReportStatus.SUBMITTED


def can_dispute_report(user: Actor, booking: Booking) -> bool:
    """As ``can_confirm_report``: the institution confirms or disputes the same report."""
    return can_confirm_report(user, booking)


def can_resolve_report(user: Actor, booking: Booking) -> bool:
    """A coordinator of the pool, and a report (disputed, or never confirmed) waits."""
    return (
        is_coordinator_of(user, booking)
        and booking.status == Status.COMPLETED
        and _report_of(booking) is not None
    )


def can_report_travel(user: Actor, booking: Booking) -> bool:
    """The assigned mediator of a booking the institution cancelled late, until they have
    reported the travel already made (one query, only for such a booking)."""
    return is_assigned_mediator(user, booking) and _travel_unreported(booking)


def can_report_travel_for_mediator(user: Actor, booking: Booking) -> bool:
    """A coordinator of the pool files that travel on the mediator's behalf, as long as it
    is not reported."""
    return is_coordinator_of(user, booking) and _travel_unreported(booking)


def _travel_unreported(booking: Booking) -> bool:
    """A late cancellation by the institution whose mediator's travel is not reported yet."""
    if booking.mediator_id is None or not (
        booking.status == Status.CANCELLED
        and booking.late_cancellation
        and booking.cancelled_by_role == ActorRole.INSTITUTION
    ):
        return False
    return not Allowance.objects.filter(
        booking=booking,
        mediator_id=booking.mediator_id,
        kind=AllowanceKind.LATE_CANCELLATION,
        breakdown__travel_reported=True,
    ).exists()


def can_mark_no_show(
    user: Actor, booking: Booking, *, now: datetime.datetime | None = None
) -> bool:
    """A coordinator of the pool, once the confirmed appointment has started."""
    return (
        is_coordinator_of(user, booking)
        and booking.status == Status.CONFIRMED
        and booking.starts_at <= _now(now)
    )
