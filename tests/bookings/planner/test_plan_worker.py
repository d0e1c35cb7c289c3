"""A real Celery worker computes the plan the API queued: the request answers at once (202),
the plan is polled until it is a draft. PostgreSQL and Redis, as in production."""

import datetime

import pytest
from django.utils import timezone

from bookings.planner.models import PlanRun
from core.time import local_date
from tests.bookings.matching.scenario import VIERSEN, at, make_booking, make_mediator
from tests.institutions.factories import CoordinatorFactory, InstitutionFactory, PoolFactory
from tests.support.live import (
    CeleryWorker,
    broker_url,
    database_url,
    flush_broker,
    use_broker,
    wait_until,
)

# The worker is a process of its own, which no frozen clock reaches: the real clock, and the
# requests lie two weeks ahead of it.
pytestmark = [
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def worker(tmp_path):
    broker = broker_url()
    flush_broker(broker)
    with use_broker(broker):
        process = CeleryWorker(
            database=database_url(), broker=broker, smtp_port=1, log_dir=tmp_path, concurrency=1
        )
        try:
            yield process.start()
        finally:
            process.stop()
            flush_broker(broker)


def test_the_api_answers_202_at_once_and_the_worker_computes_the_plan(worker, client_for):
    day = local_date(timezone.now()) + datetime.timedelta(days=14)
    pool = PoolFactory()
    institution = InstitutionFactory(pool=pool)
    make_mediator(pool, home=VIERSEN)
    booking = make_booking(institution=institution, starts_at=at(day, 10), place=VIERSEN)
    client = client_for(CoordinatorFactory(pool=pool).user)

    queued = client.post("/api/v1/plans/", {"from": str(day), "to": str(day), "seconds": 1})

    assert queued.status_code == 202 and queued.json()["status"] == "queued"
    done = wait_until(
        lambda: (body := client.get(queued["Location"]).json())["status"] == "draft" and body,
        timeout=60,
        what=f"the worker to compute the plan ({worker.log_path})",
        every=0.2,
    )
    assert done["filled"] == 1 and done["items"][0]["booking"] == booking.pk
    assert done["progress"] == {**done["progress"], "filled": 1, "bound": 1}
    assert PlanRun.objects.get().started_at is not None
