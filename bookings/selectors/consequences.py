"""What a far-reaching action will do, read before it is done: the confirmation pages show it
("12 assignments, 12 mediators will be told") and only a POST then performs the action."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Count
from django.utils import timezone

from ..constants import HOLDING_STATUSES, OfferStatus
from ..models import Booking
from ..planner.models import PlanItemOutcome, PlanRun
from ..services.booking import is_late_cancellation


def assign_consequences(booking: Booking, *, mediator_id: int) -> int:
    """How many pending offers to other mediators end when one is assigned."""
    return (
        booking.offers.filter(status=OfferStatus.PENDING).exclude(mediator_id=mediator_id).count()
    )


@dataclass(frozen=True)
class CancelConsequences:
    mediator_told: bool  # a mediator holds the booking and is told
    late: bool  # within the pool's notice: the mediator is paid as the rule says
    offers_withdrawn: int  # pending offers that end
    late_cancellation_hours: int


def cancel_consequences(
    booking: Booking, *, now: datetime.datetime | None = None
) -> CancelConsequences:
    now = now or timezone.now()
    held = booking.mediator_id is not None and booking.status in HOLDING_STATUSES
    return CancelConsequences(
        mediator_told=held,
        late=held and is_late_cancellation(booking, now=now),
        offers_withdrawn=booking.offers.filter(status=OfferStatus.PENDING).count(),
        late_cancellation_hours=booking.pool.late_cancellation_hours,
    )


@dataclass(frozen=True)
class PlanConsequences:
    assignments: int  # bookings the plan assigns
    mediators: int  # mediators who are told of their new assignments


def plan_apply_consequences(run: PlanRun) -> PlanConsequences:
    counts = run.items.filter(outcome=PlanItemOutcome.PROPOSED, mediator__isnull=False).aggregate(
        assignments=Count("pk"), mediators=Count("mediator", distinct=True)
    )
    return PlanConsequences(assignments=counts["assignments"], mediators=counts["mediators"])


def conflict_consequences(
    *,
    mediator_id: int,
    institution_id: int,
    case_reference: str,
    now: datetime.datetime | None = None,
) -> int:
    """How many confirmed bookings of the case still ahead the mediator is released from
    when the conflict is declared (``services.conflicts.bookings_of_conflict``)."""
    from mediators.models import ConflictOfInterest

    from ..services.conflicts import bookings_of_conflict

    conflict = ConflictOfInterest(
        mediator_id=mediator_id, institution_id=institution_id, case_reference=case_reference
    )
    return len(bookings_of_conflict(conflict, now=now or timezone.now()))
