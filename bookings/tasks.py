"""Celery tasks of the bookings app: they take ids, load fresh state and call a service.
Each is idempotent; the periodic sweep picks up whatever a lost task left behind."""

from __future__ import annotations

from typing import Any

from celery import shared_task

from .messages.periodic import reminders_write, report_requests_write
from .planner.services import PLAN_COMPUTE_TASK, plan_compute, plans_requeue_stranded
from .privacy.retention import bookings_anonymise_expired
from .services.offers import (
    BOOKING_MATCH_TASK,
    OFFERS_RECHECK_TASK,
    SETTLEMENT_TASK,
    booking_match,
    offers_recheck,
)
from .services.rematch import UNFILLED_REMATCH_TASK, Scope, unfilled_rematch_for_mediator
from .services.settlements import settlement_run
from .services.sweep import matching_sweep


@shared_task(name=BOOKING_MATCH_TASK, acks_late=True, reject_on_worker_lost=True)
def booking_match_task(booking_id: int) -> int:
    """Make the next offers for a booking that became requested (or lost its mediator)."""
    return len(booking_match(booking_id=booking_id))


@shared_task(name=UNFILLED_REMATCH_TASK, acks_late=True, reject_on_worker_lost=True)
def unfilled_rematch_task(mediator_id: int, scope: dict[str, Any] | None = None) -> int:
    """A change may let the mediator serve unfilled requests: try those again."""
    return unfilled_rematch_for_mediator(mediator_id=mediator_id, scope=Scope.from_json(scope))


@shared_task(name=OFFERS_RECHECK_TASK, acks_late=True, reject_on_worker_lost=True)
def offers_recheck_task(mediator_id: int, booking_ids: list[int]) -> int:
    """Withdraw the mediator's offers they are no longer eligible for on bookings that a
    change could not lock in its own transaction (``offers_withdraw_ineligible``)."""
    return len(offers_recheck(mediator_id=mediator_id, booking_ids=booking_ids))


@shared_task(name=SETTLEMENT_TASK, acks_late=True, reject_on_worker_lost=True)
def settlement_task(settlement_id: int) -> bool:
    """What an accept or decline left for after its commit (``services.settlements``): the
    standby, the confirmed mediator's clashing offers, the next offers."""
    return settlement_run(settlement_id=settlement_id)


@shared_task(acks_late=True, reject_on_worker_lost=True)
def matching_sweep_task() -> dict[str, int]:
    """Every minute from Celery beat: expiry, deadlines, stranded bookings, standbys."""
    result = matching_sweep()
    requeued = plans_requeue_stranded()
    return {
        "expired": result.expired,
        "offers": result.offers,
        "released": result.released,
        "settlements": result.settlements,
        "plans_requeued": requeued,
    }


# One plan at a time per worker process; a worker that dies mid-solve leaves the task to be
# delivered again (acks_late), and plan_compute takes over a plan gone silent.
@shared_task(name=PLAN_COMPUTE_TASK, acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def plan_compute_task(run_id: int) -> str:
    """Compute a queued plan (``POST /api/v1/plans/`` answers 202 and queues it)."""
    return str(plan_compute(run_id=run_id).status)


@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def send_reminders() -> int:
    """From Celery beat: the reminders due now (``bookings.messages.periodic``)."""
    return reminders_write()


@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def send_report_requests() -> int:
    """From Celery beat: ask for the reports of the appointments just over."""
    return report_requests_write()


@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def anonymise_expired_bookings() -> int:
    """Every night from Celery beat: the bookings past their pool's retention period lose
    their personal data (``bookings.privacy.retention``); a second run finds none."""
    return bookings_anonymise_expired().bookings
