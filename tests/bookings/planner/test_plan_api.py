"""POST /api/v1/plans/: coordinators compute, review and apply plans of their own pool."""

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


def test_a_coordinator_creates_reviews_and_applies_a_plan(client_for):
    s = versatile_pool()
    client = client_for(s.coordinator.user)

    created = client.post(
        "/api/v1/plans/", {"from": str(DAY), "to": str(DAY), "seconds": 2}, format="json"
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["status"] == "draft"
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


def test_institution_staff_may_not_plan_and_other_pools_plans_are_not_found(client_for):
    s = versatile_pool()
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


def test_a_discarded_plan_cannot_be_applied(client_for):
    s = versatile_pool()
    client = client_for(s.coordinator.user)
    plan_id = client.post(
        "/api/v1/plans/", {"from": str(DAY), "to": str(DAY), "seconds": 1}
    ).json()["id"]

    assert client.post(f"/api/v1/plans/{plan_id}/discard/").json()["status"] == "discarded"
    assert client.post(f"/api/v1/plans/{plan_id}/apply/").status_code == 409
    s.arabic.refresh_from_db()
    assert s.arabic.status == Status.REQUESTED
