"""Compute a plan for review, apply it through the matching services, or discard it."""

from __future__ import annotations

import datetime
import logging
import time
from typing import TYPE_CHECKING, cast

from django.contrib.auth.models import AbstractBaseUser

if TYPE_CHECKING:
    from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from config.queue import enqueue_on_commit
from core.dates import require_day_in_range
from core.exceptions import DomainError
from institutions.models import Pool

from ..exceptions import BookingConflict
from ..services.offers import booking_assign, standby_choose
from .engines import Index, figures, greedy
from .models import PlanEngine, PlanItem, PlanItemOutcome, PlanRun, PlanStatus
from .selectors import problem_for_pool
from .solver import Progress, plan

logger = logging.getLogger(__name__)

MAX_PERIOD_DAYS = 62
DEFAULT_SECONDS = 10.0
# The most a coordinator may give the solver. The computation runs in a Celery worker, never
# in a web request, so this is bounded by patience, not by gunicorn's timeout.
MAX_SECONDS = 60.0
# A queued plan whose task was lost (a broker restart without persistence) is sent again by
# the matching sweep after this long.
REQUEUE_AFTER = datetime.timedelta(minutes=2)
# The Celery task that computes a queued plan (bookings/tasks.py), enqueued by name.
PLAN_COMPUTE_TASK = "bookings.tasks.plan_compute_task"
PROGRESS_EVERY_SECONDS = 1.0
# A plan whose computation reported nothing for this long is taken over by the next delivery
# of its task. Longer than any one subproblem can take (its share of at most MAX_SECONDS).
STALE_AFTER = datetime.timedelta(seconds=300)


def _validate_period(starts_on: datetime.date, ends_on: datetime.date) -> None:
    require_day_in_range(starts_on, field="from")
    require_day_in_range(ends_on, field="to")
    if starts_on > ends_on:
        raise DomainError(_("The period ends before it starts."), field="to")
    if (ends_on - starts_on).days >= MAX_PERIOD_DAYS:
        raise DomainError(
            _("Plan at most %(days)d days at once.") % {"days": MAX_PERIOD_DAYS}, field="to"
        )


def _plan_new(
    *,
    pool: Pool,
    starts_on: datetime.date,
    ends_on: datetime.date,
    actor: AbstractBaseUser | None,
    seconds: float,
) -> PlanRun:
    _validate_period(starts_on, ends_on)
    return PlanRun.objects.create(
        pool=pool,
        starts_on=starts_on,
        ends_on=ends_on,
        created_by=_signed_in(actor),
        status=PlanStatus.QUEUED,
        seconds_limit=seconds,
    )


def plan_request(
    *,
    pool: Pool,
    starts_on: datetime.date,
    ends_on: datetime.date,
    actor: AbstractBaseUser | None = None,
    seconds: float = DEFAULT_SECONDS,
) -> PlanRun:
    """Queue a plan of the pool's open requests of a period (local days, both inclusive):
    the solver runs in a Celery task (``plan_compute``), never in the web request. The plan
    is ``queued``, then ``solving`` with its progress, then a ``draft`` to review (or
    ``failed``)."""
    with transaction.atomic():
        run = _plan_new(
            pool=pool, starts_on=starts_on, ends_on=ends_on, actor=actor, seconds=seconds
        )
        enqueue_on_commit(PLAN_COMPUTE_TASK, run.pk)
    return run


def plan_create(
    *,
    pool: Pool,
    starts_on: datetime.date,
    ends_on: datetime.date,
    actor: AbstractBaseUser | None = None,
    seconds: float = DEFAULT_SECONDS,
    now: datetime.datetime | None = None,
) -> PlanRun:
    """Plan at once, in this process (the command line, the benchmarks): the same as
    ``plan_request`` followed by ``plan_compute``."""
    run = _plan_new(pool=pool, starts_on=starts_on, ends_on=ends_on, actor=actor, seconds=seconds)
    return plan_compute(run_id=run.pk, now=now)


def _claim(run_id: int, *, now: datetime.datetime) -> PlanRun | None:
    """Take the run for computing: a queued one, or one whose computation went silent (its
    worker died: the task is delivered again, ``acks_late``) for longer than ``STALE_AFTER``.
    None when it is done, or another worker is on it."""
    stale = Q(status=PlanStatus.SOLVING, progress_at__lt=now - STALE_AFTER)
    with transaction.atomic():
        run = (
            PlanRun.objects.select_for_update()
            .filter(Q(status=PlanStatus.QUEUED) | stale, pk=run_id)
            .first()
        )
        if run is None:
            return None
        run.status, run.started_at, run.progress_at = PlanStatus.SOLVING, now, now
        run.progress_filled = run.progress_bound = None
        run.save(
            update_fields=[
                "status",
                "started_at",
                "progress_at",
                "progress_filled",
                "progress_bound",
            ]
        )
    return run


def plan_compute(*, run_id: int, now: datetime.datetime | None = None) -> PlanRun:
    """Compute a queued plan and store it as a draft. Nothing about the bookings changes
    until it is applied. Idempotent: a plan that is done, or being computed by another
    worker, is left as it is. The progress (best fill so far, the bound) is written as the
    solver goes, at most every ``PROGRESS_EVERY_SECONDS``. If the computation breaks off,
    the plan is ``failed`` with the reason."""
    now = now or timezone.now()
    run = _claim(run_id, now=now)
    if run is None:
        return PlanRun.objects.get(pk=run_id)
    last = 0.0

    def progress(filled: int, bound: int) -> None:
        nonlocal last
        if time.monotonic() - last < PROGRESS_EVERY_SECONDS:
            return
        last = time.monotonic()
        PlanRun.objects.filter(pk=run_id, status=PlanStatus.SOLVING).update(
            progress_filled=filled, progress_bound=bound, progress_at=timezone.now()
        )

    try:
        _compute(run, now=now, progress=progress)
    except Exception as exc:
        logger.exception("plan %s failed", run_id)
        PlanRun.objects.filter(pk=run_id, status=PlanStatus.SOLVING).update(
            status=PlanStatus.FAILED, error=f"{type(exc).__name__}: {exc}"[:2000]
        )
    run.refresh_from_db()
    return run


def plans_requeue_stranded(*, now: datetime.datetime | None = None) -> int:
    """Send the task again for queued plans older than ``REQUEUE_AFTER`` and for plans whose
    computation went silent (``STALE_AFTER``): a lost task must not leave a plan queued
    forever. Sending twice is harmless (``plan_compute`` claims the plan once)."""
    now = now or timezone.now()
    ids = list(
        PlanRun.objects.filter(
            Q(status=PlanStatus.QUEUED, created_at__lt=now - REQUEUE_AFTER)
            | Q(status=PlanStatus.SOLVING, progress_at__lt=now - STALE_AFTER)
        ).values_list("pk", flat=True)[:100]
    )
    for run_id in ids:
        enqueue_on_commit(PLAN_COMPUTE_TASK, run_id)
    return len(ids)


def _compute(run: PlanRun, *, now: datetime.datetime, progress: Progress) -> None:
    began = time.monotonic()
    loaded = problem_for_pool(pool=run.pool, starts_on=run.starts_on, ends_on=run.ends_on, now=now)
    problem = loaded.problem
    index = Index(problem)
    start = greedy(problem, index)
    outcome = plan(problem, seconds=run.seconds_limit, index=index, start=start, progress=progress)
    figs = figures(problem, index, outcome.assignment)
    km = {(r_id, c.mediator.id): c.km for r_id, cs in index.candidates.items() for c in cs}
    with transaction.atomic():
        locked = PlanRun.objects.select_for_update().get(pk=run.pk)
        if locked.status != PlanStatus.SOLVING:
            return  # taken over or failed meanwhile
        locked.status = PlanStatus.DRAFT
        locked.engine = PlanEngine.GREEDY if outcome.fell_back else PlanEngine.PLANNER
        locked.seconds = round(time.monotonic() - began, 3)
        locked.requests = len(problem.requests)
        locked.filled = locked.progress_filled = len(outcome.assignment)
        locked.progress_bound = max(locked.progress_bound or 0, locked.filled)
        locked.progress_at = timezone.now()
        locked.greedy_filled = len(start)
        locked.travel_km = figs["travel_km"]
        locked.hours_gini = figs["hours_gini"]
        locked.unfilled = [
            {"booking": r.id, "eligible": len(index.candidates.get(r.id, ()))}
            for r in problem.requests
            if r.id not in outcome.assignment
        ]
        locked.save()
        PlanItem.objects.filter(run=locked).delete()
        PlanItem.objects.bulk_create(
            PlanItem(
                run=locked,
                booking_id=r_id,
                mediator_id=m_id,
                travel_km=round(km.get((r_id, m_id), 0.0), 1),
            )
            for r_id, m_id in sorted(outcome.assignment.items())
        )


def plan_apply(
    *, run: PlanRun, actor: AbstractBaseUser | None, now: datetime.datetime | None = None
) -> PlanRun:
    """Assign each planned booking through ``booking_assign`` (state machine, eligibility,
    events, messages). An item whose booking was taken or whose mediator is no longer
    eligible is skipped with the reason; the rest is applied. Then each assigned booking's
    standby is chosen (``standby_choose``): a standby holds the time, so choosing it after
    each assignment could take a mediator the plan assigns later. 409 unless a draft."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = PlanRun.objects.select_for_update().get(pk=run.pk)
        if locked.status in (PlanStatus.QUEUED, PlanStatus.SOLVING):
            raise BookingConflict(
                _("This plan is still being computed. Apply it when it is ready."),
                code="plan_not_ready",
            )
        if locked.status == PlanStatus.FAILED:
            raise BookingConflict(
                _("This plan could not be computed; there is nothing to apply."),
                code="plan_failed",
            )
        if locked.status != PlanStatus.DRAFT:
            raise BookingConflict(
                _("This plan was already applied or discarded."), code="plan_closed"
            )
        locked.status = PlanStatus.APPLIED
        locked.applied_at = now
        locked.applied_by = _signed_in(actor)
        locked.save(update_fields=["status", "applied_at", "applied_by"])
    items = locked.items.select_related("booking", "mediator").order_by("booking__starts_at", "pk")
    assigned: list[int] = []
    for item in items:
        try:
            # Standbys are chosen after every assignment: a standby holds the time, and must
            # not take it from a mediator the plan assigns later.
            booking_assign(booking=item.booking, mediator=item.mediator, actor=actor, now=now,
                           choose_standby=False)  # fmt: skip
        except BookingConflict as exc:  # NotEligible is a BookingConflict too
            item.outcome, item.detail = PlanItemOutcome.SKIPPED, str(exc)
        else:
            item.outcome = PlanItemOutcome.ASSIGNED
            assigned.append(item.booking_id)
        item.save(update_fields=["outcome", "detail"])
    for booking_id in assigned:
        standby_choose(booking_id=booking_id, now=now)
    run.refresh_from_db()
    return run


def plan_discard(*, run: PlanRun, actor: AbstractBaseUser | None) -> PlanRun:
    """Drop a plan that was not applied: a draft, a failed one, or one still computed (its
    computation then ends without storing anything)."""
    open_ = (PlanStatus.QUEUED, PlanStatus.SOLVING, PlanStatus.FAILED, PlanStatus.DRAFT)
    updated = PlanRun.objects.filter(pk=run.pk, status__in=open_).update(
        status=PlanStatus.DISCARDED
    )
    if not updated:
        raise BookingConflict(_("This plan was already applied or discarded."), code="plan_closed")
    run.refresh_from_db()
    return run


def _signed_in(actor: AbstractBaseUser | None) -> User | None:
    """The user recorded on a plan: nobody for the command line or an anonymous caller."""
    return cast("User", actor) if getattr(actor, "is_authenticated", False) else None
