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

from django.db.models import (
    Case,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    When,
)
from django.db.models.lookups import In
from django.utils import timezone

from core.constants import ActorRole
from core.roles import actor_role_of
from institutions.selectors import coordinator_of, staff_of
from mediators.models import Dialect
from mediators.selectors import mediator_of

from .. import access
from ..constants import HOLDING_STATUSES, OfferStatus, Status
from ..models import Booking, BookingEvent, Offer

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
        offered = (
            Offer.objects.filter(mediator_id=mediator_id, status__in=VISIBLE_OFFER_STATUSES)
            .order_by()
            .values("booking_id")
        )
        return qs.filter(Q(mediator_id=mediator_id) | Q(_InArrayOf(F("pk"), offered)))
    return qs.none()


class _InArrayOf(In):
    """``pk IN (subquery)``, written ``pk = ANY(ARRAY(subquery))`` for PostgreSQL: the
    subquery is then run once on its own (an InitPlan) and the bookings are found by their
    primary key. As a correlated ``EXISTS`` or a semi-join, PostgreSQL could not estimate
    how few bookings a mediator's offers name: a mediator's confirmed list
    (``?status=confirmed``) scanned all 4,000 confirmed bookings of the state-sized data
    and hashed every mediator and account to join them, 7 ms of the 7.3 ms it cost the
    database (0.6 ms now; a union of the two conditions as a semi-join took 20 ms to plan)."""

    def get_rhs_op(self, connection, rhs):
        if connection.vendor == "postgresql" and not self.rhs_is_direct_value():
            return f"= ANY(ARRAY{rhs})"
        return super().get_rhs_op(connection, rhs)


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


def booking_list_rows(user: AbstractBaseUser | AnonymousUser) -> QuerySet[Booking]:
    """``booking_list`` for the API's list, which shows a dialect by its code only: the
    code is read next to each row (``dialect_code``) instead of joining the dialects, one
    table fewer for PostgreSQL's planner to order (it planned the list's query in half the
    time without it)."""
    # One row (by primary key): no ordering, which would join the model's own.
    dialect_code = Dialect.objects.filter(pk=OuterRef("dialect_id")).order_by().values("code")
    return (
        bookings_visible_to(user)
        .select_related("institution", "language", "location__town", "mediator__user")
        .annotate(dialect_code=Subquery(dialect_code))
        .order_by("starts_at", "pk")
    )


def bookings_ordered(
    qs: QuerySet[Booking], *, order: str = "upcoming", now: datetime.datetime | None = None
) -> QuerySet[Booking]:
    """A booking list in the order the reader chose. "upcoming" (the default): what lies
    ahead first, the next appointment on top, then the past, the most recent first;
    "earliest"/"latest": by start time only."""
    if order == "earliest":
        return qs.order_by("starts_at", "pk")
    if order == "latest":
        return qs.order_by("-starts_at", "-pk")
    now = now or timezone.now()
    past = Case(When(starts_at__lt=now, then=1), default=0, output_field=IntegerField())
    ahead = Case(When(starts_at__gte=now, then=F("starts_at")))
    return qs.alias(is_past=past, ahead_at=ahead).order_by(
        "is_past", F("ahead_at").asc(nulls_last=True), F("starts_at").desc(), "pk"
    )


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
    # The meeting link, dial-in number and PIN of a video or phone appointment: the
    # institution (it gave them), the coordinators, and the mediator booked for it.
    meeting_details: bool = False


def booking_view_for(user: AbstractBaseUser | AnonymousUser, booking: Booking) -> BookingView:
    """Coordinators see everything; institution staff see the mediator once confirmed and
    never the feedback; a mediator sees the institution's contact only once the booking is
    confirmed to them."""
    role = actor_role_of(user)
    held = booking.status in HOLDING_STATUSES
    if role == ActorRole.COORDINATOR:
        return BookingView(True, True, True, True, True, True, True, True)
    if role == ActorRole.INSTITUTION:
        shown = bool(booking.mediator_id) and booking.status in MEDIATOR_SHOWN_STATUSES
        return BookingView(
            mediator=shown,
            mediator_contact=shown and held,
            institution_contact=True,
            report=True,
            event_reasons=True,
            meeting_details=True,
        )
    if (mediator := mediator_of(user)) is not None:
        own = booking.mediator_id == mediator.pk
        return BookingView(
            mediator=own,
            mediator_contact=own,
            institution_contact=own and held,
            report=own,
            meeting_details=own and held,
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
    can_travel_report_for_mediator: bool = False  # a coordinator files it on their behalf
    can_confirm_report: bool = False  # staff of the institution, a submitted report
    can_dispute_report: bool = False
    can_resolve_report: bool = False  # a coordinator, any report of a completed booking


def booking_actions_for(
    user: AbstractBaseUser | AnonymousUser | None,
    booking: Booking,
    *,
    now: datetime.datetime | None = None,
) -> BookingActions:
    """The answers of ``bookings.access`` for this user and this booking at ``now``: the
    rules the services of each action enforce. A mediator's cancellation is the give-back."""
    now = now or timezone.now()
    return BookingActions(
        can_cancel=access.can_cancel(user, booking),
        can_reschedule=access.can_reschedule(user, booking, now=now),
        can_approve=access.can_approve(user, booking),
        can_refuse=access.can_refuse(user, booking),
        can_mark_no_show=access.can_mark_no_show(user, booking, now=now),
        can_give_back=access.can_give_back(user, booking, now=now),
        can_report=access.can_report(user, booking, now=now),
        can_travel_report=access.can_report_travel(user, booking),
        can_travel_report_for_mediator=access.can_report_travel_for_mediator(user, booking),
        can_confirm_report=access.can_confirm_report(user, booking),
        can_dispute_report=access.can_dispute_report(user, booking),
        can_resolve_report=access.can_resolve_report(user, booking),
    )
