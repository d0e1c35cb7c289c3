"""The planner runs in a Celery task, never in a web request: a plan is queued, solved with
its progress on record, and done (a draft to review) or failed; a lost task is sent again."""

import datetime

import pytest
from django.urls import reverse

from bookings.constants import Status
from bookings.planner import services as planner_services
from bookings.planner.engines import Index, greedy
from bookings.planner.models import PlanItem, PlanRun, PlanStatus
from bookings.planner.selectors import problem_for_pool
from bookings.planner.services import (
    PLAN_COMPUTE_TASK,
    STALE_AFTER,
    plan_compute,
    plan_discard,
    plan_request,
    plans_requeue_stranded,
)
from bookings.planner.solver import plan
from tests.bookings.matching.scenario import NOW
from tests.clock import frozen

from .scenario import DAY, versatile_pool

pytestmark = [pytest.mark.django_db, frozen(NOW)]


def queue(s, **kwargs):
    return plan_request(pool=s.pool, starts_on=DAY, ends_on=DAY, seconds=1, **kwargs)


def test_a_requested_plan_is_queued_and_handed_to_celery_after_the_commit(
    django_capture_on_commit_callbacks,
):
    s = versatile_pool()

    with django_capture_on_commit_callbacks() as callbacks:
        run = queue(s)

    assert run.status == PlanStatus.QUEUED and run.seconds_limit == 1
    assert not PlanItem.objects.exists()
    assert len(callbacks) == 1  # one task, sent only once the plan row is committed


def test_computing_stores_the_draft_with_the_solvers_progress_and_changes_no_booking():
    s = versatile_pool()
    run = queue(s)

    done = plan_compute(run_id=run.pk, now=NOW)

    assert done.status == PlanStatus.DRAFT
    assert (done.requests, done.filled, done.greedy_filled) == (2, 2, 1)
    assert (done.progress_filled, done.progress_bound) == (2, 2)
    assert done.started_at == NOW
    assert set(done.items.values_list("booking_id", flat=True)) == {s.arabic.pk, s.tigrinya.pk}
    s.arabic.refresh_from_db()
    assert s.arabic.status == Status.REQUESTED


def test_computing_twice_computes_once():
    s = versatile_pool()
    run = queue(s)
    plan_compute(run_id=run.pk, now=NOW)
    first = list(PlanItem.objects.values_list("pk", flat=True))

    again = plan_compute(run_id=run.pk, now=NOW)

    assert again.status == PlanStatus.DRAFT
    assert list(PlanItem.objects.values_list("pk", flat=True)) == first


def test_a_plan_another_worker_is_solving_is_left_alone_until_it_goes_silent():
    s = versatile_pool()
    run = queue(s)
    PlanRun.objects.filter(pk=run.pk).update(
        status=PlanStatus.SOLVING, started_at=NOW, progress_at=NOW
    )

    busy = plan_compute(run_id=run.pk, now=NOW + STALE_AFTER - datetime.timedelta(seconds=1))
    assert busy.status == PlanStatus.SOLVING and not busy.items.exists()

    taken_over = plan_compute(run_id=run.pk, now=NOW + STALE_AFTER + datetime.timedelta(seconds=1))
    assert taken_over.status == PlanStatus.DRAFT and taken_over.filled == 2


def test_a_computation_that_breaks_off_leaves_the_plan_failed_with_the_reason(monkeypatch):
    s = versatile_pool()
    run = queue(s)

    def crash(*args, **kwargs):  # the solver process running out of memory, say
        raise MemoryError("the solver ran out of memory")

    monkeypatch.setattr(planner_services, "plan", crash)
    failed = plan_compute(run_id=run.pk, now=NOW)

    assert failed.status == PlanStatus.FAILED
    assert "ran out of memory" in failed.error
    assert not failed.items.exists()


def test_a_plan_discarded_while_queued_is_never_computed():
    s = versatile_pool()
    run = queue(s)

    plan_discard(run=run, actor=s.coordinator.user)
    after = plan_compute(run_id=run.pk, now=NOW)

    assert after.status == PlanStatus.DISCARDED and not after.items.exists()


def test_the_sweep_sends_a_lost_plan_again_and_only_a_lost_one(
    django_capture_on_commit_callbacks,
):
    s = versatile_pool()
    lost = queue(s)
    PlanRun.objects.filter(pk=lost.pk).update(created_at=NOW - datetime.timedelta(minutes=5))
    fresh = queue(s)
    done = queue(s)
    plan_compute(run_id=done.pk, now=NOW)

    with django_capture_on_commit_callbacks(execute=True):
        sent = plans_requeue_stranded(now=NOW)

    assert sent == 1
    lost.refresh_from_db()
    fresh.refresh_from_db()
    assert lost.status == PlanStatus.DRAFT and lost.filled == 2  # computed by the eager task
    assert fresh.status == PlanStatus.QUEUED


def test_the_solver_reports_progress_that_never_promises_less_than_it_found():
    s = versatile_pool()
    problem = problem_for_pool(pool=s.pool, starts_on=DAY, ends_on=DAY, now=NOW).problem
    index = Index(problem)
    reports: list[tuple[int, int]] = []

    outcome = plan(
        problem,
        seconds=1,
        index=index,
        start=greedy(problem, index),
        progress=lambda f, b: reports.append((f, b)),
    )

    assert reports[0] == (1, 2)  # before solving: greedy's fill, and both have a candidate
    assert reports[-1] == (len(outcome.assignment), 2)
    assert all(filled <= bound for filled, bound in reports)
    assert [f for f, _ in reports] == sorted(f for f, _ in reports)


def test_the_task_is_registered_under_the_name_the_service_sends():
    from config.queue import task_named

    assert task_named(PLAN_COMPUTE_TASK).name == PLAN_COMPUTE_TASK


# --- the coordinator's pages ----------------------------------------------------------------


def test_the_planner_page_queues_and_the_plan_page_follows_the_computation(
    client, django_capture_on_commit_callbacks
):
    s = versatile_pool()
    client.force_login(s.coordinator.user)

    response = client.post(reverse("web:coordinator-planner"), {"starts_on": DAY, "ends_on": DAY})
    run = PlanRun.objects.get()
    assert response["Location"] == reverse("web:coordinator-plan", args=[run.pk])
    waiting = client.get(response["Location"]).content.decode()
    status_url = reverse("web:coordinator-plan-status", args=[run.pk])
    assert f'hx-get="{status_url}"' in waiting and 'hx-trigger="every 2s"' in waiting
    assert "htmx.min.js" in waiting
    polled = client.get(status_url)
    assert polled.status_code == 200 and "HX-Refresh" not in polled

    PlanRun.objects.filter(pk=run.pk).update(
        status=PlanStatus.SOLVING, progress_filled=1, progress_bound=2, started_at=NOW
    )
    solving = client.get(status_url).content.decode()
    assert '<progress id="plan-progress" value="1" max="2">' in solving

    PlanRun.objects.filter(pk=run.pk).update(status=PlanStatus.QUEUED)
    plan_compute(run_id=run.pk, now=NOW)
    finished = client.get(status_url)
    assert finished["HX-Refresh"] == "true"
    page = client.get(response["Location"]).content.decode()
    assert "hx-get" not in page and "htmx.min.js" not in page
    assert reverse("web:coordinator-plan-decide", args=[run.pk, "apply"]) in page
