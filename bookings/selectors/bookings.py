"""Read-only queries about bookings, scoped to the caller's reach at the source.

``bookings_visible_to(user)`` is the one place that decides which bookings a user may see:
coordinators their pool's, institution staff their institution's, mediators the bookings
they are assigned to or hold an offer for. Every endpoint looks bookings up in it, so a
booking outside reach answers 404 everywhere. ``booking_view_for`` says what of a booking
the user may see, ``booking_actions_for`` what they may do to it now.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone

from core.constants import ActorRole
from core.roles import actor_role_of
from institutions.selectors import coordinator_of, staff_of
from mediators.selectors import mediator_of

from ..constants import (
    FINAL_STATUSES,
    HOLDING_STATUSES,
    RESCHEDULABLE_STATUSES,
    AllowanceKind,
    OfferStatus,
    ReportStatus,
    Status,
)
from ..models import Allowance, Booking, BookingEvent, Offer, Report

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

# Offers through which a mediator sees a booking (pending: deciding; accepted: holding it).
VISIBLE_OFFER_STATUSES = (OfferStatus.PENDING, OfferStatus.ACCEPTED)
# Statuses in which the institution sees who the mediator is.
MEDIATOR_SHOWN_STATUSES = (*HOLDING_STATUSES, Status.NO_SHOW)


def bookings_visible_to(user: AbstractBaseUser | AnonymousUser | None) -> QuerySet[Booking]:
    qs = Booking.objects.all()
    if (coordinator := coordinator_of(user)) is not None:
        return qs.filter(pool_id=coordinator.pool_id)
    if (staff := staff_of(user)) is not None:
        return qs.filter(institution_id=staff.institution_id)
    if (mediator := mediator_of(user)) is not None:
        mediator_id = mediator.pk
        offered = Offer.objects.filter(
            booking=OuterRef("pk"), mediator_id=mediator_id, status__in=VISIBLE_OFFER_STATUSES
        )
        return qs.filter(Q(mediator_id=mediator_id) | Q(Exists(offered)))
    return qs.none()


def _for_rendering(qs: QuerySet[Booking]) -> QuerySet[Booking]:
    return qs.select_related(
        "institution", "language", "dialect", "location__town", "mediator__user"
    ).order_by("starts_at", "pk")


def _with_details(qs: QuerySet[Booking]) -> QuerySet[Booking]:
    return qs.select_related("report", "feedback").prefetch_related(
        Prefetch(
            "events",
            queryset=BookingEvent.objects.select_related("actor").order_by("created_at", "pk"),
        )
    )


def booking_list(user: AbstractBaseUser | AnonymousUser) -> QuerySet[Booking]:
    """Bookings within reach with everything a list row shows, in a constant number of
    queries."""
    return _for_rendering(bookings_visible_to(user))


def booking_detail_queryset(user: AbstractBaseUser | AnonymousUser) -> QuerySet[Booking]:
    """Bookings within reach with events, report and feedback for the detail view."""
    return _with_details(booking_list(user))


def booking_after_change(booking_id: int) -> Booking:
    """A booking with its details, right after the caller changed it.

    The caller had it in reach a moment ago; the change itself may have moved it out (a
    mediator who gives a booking back is no longer assigned), and the answer still shows
    the new status. What the caller may see is decided by ``booking_view_for`` as always.
    """
    return _with_details(_for_rendering(Booking.objects.all())).get(pk=booking_id)


@dataclass(frozen=True)
class BookingView:
    """What one user may see of one booking (PRODUCT.md, "Privacy and trust")."""

    mediator: bool = False  # who the assigned mediator is
    mediator_contact: bool = False  # the mediator's phone
    institution_contact: bool = False  # the institution's contact person and phone
    report: bool = False
    feedback: bool = False  # only coordinators
    event_reasons: bool = False
    event_actors: bool = False  # names of the people behind events


def booking_view_for(user: AbstractBaseUser | AnonymousUser, booking: Booking) -> BookingView:
    """Coordinators see everything; institution staff see the mediator once confirmed and
    never the feedback; a mediator sees the institution's contact only once the booking is
    confirmed to them."""
    role = actor_role_of(user)
    held = booking.status in HOLDING_STATUSES
    if role == ActorRole.COORDINATOR:
        return BookingView(True, True, True, True, True, True, True)
    if role == ActorRole.INSTITUTION:
        shown = bool(booking.mediator_id) and booking.status in MEDIATOR_SHOWN_STATUSES
        return BookingView(
            mediator=shown,
            mediator_contact=shown and held,
            institution_contact=True,
            report=True,
            event_reasons=True,
        )
    if (mediator := mediator_of(user)) is not None:
        own = booking.mediator_id == mediator.pk
        return BookingView(
            mediator=own, mediator_contact=own, institution_contact=own and held, report=own
        )
    return BookingView()


@dataclass(frozen=True)
class BookingActions:
    """What one user may do to one booking now: the actions its page offers.

    Each answer reads the rule the service of that action enforces (role, status, time);
    the service checks again when the action is taken, so a stale page answers 409.
    """

    can_cancel: bool = False  # staff of the institution, a coordinator of the pool
    can_reschedule: bool = False  # the same, before the start
    can_approve: bool = False  # a coordinator, while the request waits for approval
    can_refuse: bool = False
    can_mark_no_show: bool = False  # a coordinator, once a confirmed appointment started
    # The assigned mediator, before the start (the pages' rule: the service sets no time).
    can_give_back: bool = False
    can_report: bool = False  # the assigned mediator, once the appointment started
    can_travel_report: bool = False  # the travel made for a late cancellation, once
    can_confirm_report: bool = False  # staff of the institution, a submitted report
    can_dispute_report: bool = False
    can_resolve_report: bool = False  # a coordinator, any report of a completed booking


def _report_of(booking: Booking) -> Report | None:
    try:
        return booking.report
    except ObjectDoesNotExist:
        return None


def _travel_report_open(booking: Booking) -> bool:
    """``late_cancellation_travel_report``: the institution cancelled late and the travel
    has not been reported yet (one query, only for such a booking)."""
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


def booking_actions_for(
    user: AbstractBaseUser | AnonymousUser | None,
    booking: Booking,
    *,
    now: datetime.datetime | None = None,
) -> BookingActions:
    """The rules of ``services.booking`` (cancel, approve, refuse), ``services.reschedule``,
    ``services.reports`` (report, review, resolve, no-show, travel of a late cancellation)
    for this user and this booking at ``now``. A mediator's cancellation is the give-back."""
    now = now or timezone.now()
    coordinator, staff, mediator = coordinator_of(user), staff_of(user), mediator_of(user)
    of_pool = coordinator is not None and coordinator.pool_id == booking.pool_id
    of_institution = staff is not None and staff.institution_id == booking.institution_id
    assigned = mediator is not None and booking.mediator_id == mediator.pk
    status = booking.status
    started = booking.starts_at <= now
    confirmed = status == Status.CONFIRMED
    report = _report_of(booking) if status == Status.COMPLETED else None
    submitted = report is not None and report.status == ReportStatus.SUBMITTED
    awaiting = status == Status.AWAITING_APPROVAL
    return BookingActions(
        can_cancel=(of_institution or of_pool)
        and status not in FINAL_STATUSES
        and status != Status.COMPLETED,
        can_reschedule=(of_institution or of_pool)
        and status in RESCHEDULABLE_STATUSES
        and not started,
        can_approve=of_pool and awaiting,
        can_refuse=of_pool and awaiting,
        can_mark_no_show=of_pool and confirmed and started,
        can_give_back=assigned and confirmed and not started,
        can_report=assigned and confirmed and started,
        can_travel_report=assigned and _travel_report_open(booking),
        can_confirm_report=of_institution and submitted,
        can_dispute_report=of_institution and submitted,
        can_resolve_report=of_pool and report is not None,
    )
