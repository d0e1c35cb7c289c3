"""Compute a plan for review, apply it through the matching services, or discard it."""

from __future__ import annotations

import datetime
import time
from typing import TYPE_CHECKING, cast

from django.contrib.auth.models import AbstractBaseUser

if TYPE_CHECKING:
    from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.dates import require_day_in_range
from core.exceptions import DomainError
from institutions.models import Pool

from ..exceptions import BookingConflict
from ..services.offers import booking_assign
from .engines import Index, figures, greedy
from .models import PlanEngine, PlanItem, PlanItemOutcome, PlanRun, PlanStatus
from .selectors import problem_for_pool
from .solver import plan

MAX_PERIOD_DAYS = 62
DEFAULT_SECONDS = 10.0


def plan_create(
    *,
    pool: Pool,
    starts_on: datetime.date,
    ends_on: datetime.date,
    actor: AbstractBaseUser | None = None,
    seconds: float = DEFAULT_SECONDS,
    now: datetime.datetime | None = None,
) -> PlanRun:
    """Plan the pool's open requests of a period (local days, both inclusive) and store the
    plan as a draft. Nothing about the bookings changes until it is applied."""
    require_day_in_range(starts_on, field="from")
    require_day_in_range(ends_on, field="to")
    if starts_on > ends_on:
        raise DomainError(_("The period ends before it starts."), field="to")
    if (ends_on - starts_on).days >= MAX_PERIOD_DAYS:
        raise DomainError(
            _("Plan at most %(days)d days at once.") % {"days": MAX_PERIOD_DAYS}, field="to"
        )
    began = time.monotonic()
    loaded = problem_for_pool(pool=pool, starts_on=starts_on, ends_on=ends_on, now=now)
    problem = loaded.problem
    index = Index(problem)
    start = greedy(problem, index)
    outcome = plan(problem, seconds=seconds, index=index, start=start)
    figs = figures(problem, index, outcome.assignment)
    km = {(r_id, c.mediator.id): c.km for r_id, cs in index.candidates.items() for c in cs}
    with transaction.atomic():
        run = PlanRun.objects.create(
            pool=pool,
            starts_on=starts_on,
            ends_on=ends_on,
            created_by=_signed_in(actor),
            engine=PlanEngine.GREEDY if outcome.fell_back else PlanEngine.PLANNER,
            seconds=round(time.monotonic() - began, 3),
            requests=len(problem.requests),
            filled=len(outcome.assignment),
            greedy_filled=len(start),
            travel_km=figs["travel_km"],
            hours_gini=figs["hours_gini"],
        )
        PlanItem.objects.bulk_create(
            PlanItem(
                run=run,
                booking_id=r_id,
                mediator_id=m_id,
                travel_km=round(km.get((r_id, m_id), 0.0), 1),
            )
            for r_id, m_id in sorted(outcome.assignment.items())
        )
    return run


def plan_apply(
    *, run: PlanRun, actor: AbstractBaseUser | None, now: datetime.datetime | None = None
) -> PlanRun:
    """Assign each planned booking through ``booking_assign`` (state machine, eligibility,
    events, messages). An item whose booking was taken or whose mediator is no longer
    eligible is skipped with the reason; the rest is applied. 409 unless a draft."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = PlanRun.objects.select_for_update().get(pk=run.pk)
        if locked.status != PlanStatus.DRAFT:
            raise BookingConflict(
                _("This plan was already applied or discarded."), code="plan_closed"
            )
        locked.status = PlanStatus.APPLIED
        locked.applied_at = now
        locked.applied_by = _signed_in(actor)
        locked.save(update_fields=["status", "applied_at", "applied_by"])
    items = locked.items.select_related("booking", "mediator").order_by("booking__starts_at", "pk")
    for item in items:
        try:
            booking_assign(booking=item.booking, mediator=item.mediator, actor=actor, now=now)
        except BookingConflict as exc:  # NotEligible is a BookingConflict too
            item.outcome, item.detail = PlanItemOutcome.SKIPPED, str(exc)
        else:
            item.outcome = PlanItemOutcome.ASSIGNED
        item.save(update_fields=["outcome", "detail"])
    run.refresh_from_db()
    return run


def plan_discard(*, run: PlanRun, actor: AbstractBaseUser | None) -> PlanRun:
    updated = PlanRun.objects.filter(pk=run.pk, status=PlanStatus.DRAFT).update(
        status=PlanStatus.DISCARDED
    )
    if not updated:
        raise BookingConflict(_("This plan was already applied or discarded."), code="plan_closed")
    run.refresh_from_db()
    return run


def _signed_in(actor: AbstractBaseUser | None) -> User | None:
    """The user recorded on a plan: nobody for the command line or an anonymous caller."""
    return cast("User", actor) if getattr(actor, "is_authenticated", False) else None
