"""POST /api/v1/plans/: coordinators queue, review and apply plans of their own pool.

The API answers 202 at once and a Celery task computes the plan after the commit (eager in
these tests: ``django_capture_on_commit_callbacks(execute=True)`` runs it; a real worker
computes it in tests/bookings/planner/test_plan_worker.py)."""

import pytest

from bookings.constants import Status
from bookings.planner.models import PlanRun, PlanStatus
from tests.bookings.matching.scenario import NOW
from tests.clock import frozen
from tests.institutions.factories import CoordinatorFactory, StaffFactory

from .scenario import DAY, versatile_pool

# Plans are computed and applied through the API, which reads the clock: it is NOW, before
# the requests' DAY.
pytestmark = [pytest.mark.django_db, frozen(NOW)]


def test_a_coordinator_queues_reviews_and_applies_a_plan(
    client_for, django_capture_on_commit_callbacks
):
    s = versatile_pool()
    client = client_for(s.coordinator.user)

    with django_capture_on_commit_callbacks(execute=True) as queued:
        created = client.post(
            "/api/v1/plans/", {"from": str(DAY), "to": str(DAY), "seconds": 2}, format="json"
        )
    assert created.status_code == 202, created.content
    assert created.json()["status"] == "queued" and created.json()["items"] == []
    assert created["Location"].endswith(f"/api/v1/plans/{created.json()['id']}/")
    assert len(queued) == 1  # the computation was handed to Celery after the commit

    body = client.get(created["Location"]).json()
    assert body["status"] == "draft"
    assert body["progress"]["filled"] == 2 and body["progress"]["bound"] == 2
    assert (body["requests"], body["filled"], body["greedy_filled"]) == (2, 2, 1)
    assert body["fill_rate"] == 1.0
    assert {i["booking"] for i in body["items"]} == {s.arabic.pk, s.tigrinya.pk}
    s.arabic.refresh_from_db()
    assert s.arabic.status == Status.REQUESTED

    review = client.get(f"/api/v1/plans/{body['id']}/")
    assert review.status_code == 200 and review.json()["items"] == body["items"]

    applied = client.post(f"/api/v1/plans/{body['id']}/apply/")
    assert applied.status_code == 200
    assert {i["outcome"] for i in applied.json()["items"]} == {"assigned"}
    s.tigrinya.refresh_from_db()
    assert s.tigrinya.status == Status.CONFIRMED and s.tigrinya.mediator == s.both

    again = client.post(f"/api/v1/plans/{body['id']}/apply/")
    assert again.status_code == 409


def test_a_reversed_or_missing_period_answers_400_and_stores_nothing(client_for):
    s = versatile_pool()
    client = client_for(s.coordinator.user)

    reversed_ = client.post("/api/v1/plans/", {"from": "2027-01-12", "to": "2027-01-11"})
    missing = client.post("/api/v1/plans/", {"from": "2027-01-12"})
    garbage = client.post("/api/v1/plans/", {"from": "soon", "to": "2027-01-11"})

    assert reversed_.status_code == 400 and "to" in reversed_.json()
    assert missing.status_code == 400 and "to" in missing.json()
    assert garbage.status_code == 400 and "from" in garbage.json()
    assert not PlanRun.objects.exists()


def test_institution_staff_may_not_plan_and_other_pools_plans_are_not_found(
    client_for, django_capture_on_commit_callbacks
):
    s = versatile_pool()
    with django_capture_on_commit_callbacks(execute=True):
        mine = client_for(s.coordinator.user).post(
            "/api/v1/plans/", {"from": str(DAY), "to": str(DAY), "seconds": 1}
        )
    other_coordinator = client_for(CoordinatorFactory().user)
    staff = client_for(StaffFactory(institution__pool=s.pool).user)

    assert staff.post("/api/v1/plans/", {"from": str(DAY), "to": str(DAY)}).status_code == 403
    plan_id = mine.json()["id"]
    assert other_coordinator.get(f"/api/v1/plans/{plan_id}/").status_code == 404
    assert other_coordinator.post(f"/api/v1/plans/{plan_id}/apply/").status_code == 404
    assert other_coordinator.get("/api/v1/plans/").json()["count"] == 0
    assert PlanRun.objects.get().status == PlanStatus.DRAFT


def test_a_discarded_plan_cannot_be_applied(client_for, django_capture_on_commit_callbacks):
    s = versatile_pool()
    client = client_for(s.coordinator.user)
    with django_capture_on_commit_callbacks(execute=True):
        plan_id = client.post(
            "/api/v1/plans/", {"from": str(DAY), "to": str(DAY), "seconds": 1}
        ).json()["id"]

    assert client.post(f"/api/v1/plans/{plan_id}/discard/").json()["status"] == "discarded"
    assert client.post(f"/api/v1/plans/{plan_id}/apply/").status_code == 409
    s.arabic.refresh_from_db()
    assert s.arabic.status == Status.REQUESTED


def test_a_plan_still_queued_or_solving_cannot_be_applied_and_says_so(client_for):
    s = versatile_pool()
    client = client_for(s.coordinator.user)
    created = client.post("/api/v1/plans/", {"from": str(DAY), "to": str(DAY), "seconds": 1})
    plan_id = created.json()["id"]  # the commit callback never ran: the plan stays queued

    assert client.get(f"/api/v1/plans/{plan_id}/").json()["status"] == "queued"
    assert client.post(f"/api/v1/plans/{plan_id}/apply/").status_code == 409
    s.arabic.refresh_from_db()
    assert s.arabic.status == Status.REQUESTED
