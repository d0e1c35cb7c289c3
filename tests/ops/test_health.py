"""/healthz and /readyz: 200 only when the database, the broker and the heartbeats of beat and
a worker are fine; 503 naming what is not. A dead beat shows within five minutes, on
/healthz and on the coordinator's work list."""

import datetime

import pytest
from django.urls import reverse

from bookings.selectors import work_list_for
from core.heartbeat import BEAT, HEARTBEAT_SECONDS, STALE_AFTER, WORKER, beat
from ops import health
from tests.bookings.lifecycle import berlin
from tests.clock import frozen
from tests.institutions.factories import CoordinatorFactory

pytestmark = pytest.mark.django_db

NOW = berlin(2027, 3, 15, 9, 0)
CLOSED_PORT = "redis://127.0.0.1:1/0"


@pytest.fixture
def with_background(settings):
    """As in production: a broker, a worker and beat (not tasks run in the web process)."""
    settings.CELERY_TASK_ALWAYS_EAGER = False
    return settings


@pytest.fixture
def broker_ok(monkeypatch):
    """The broker check passes (the tests of the other checks need no Redis)."""
    monkeypatch.setattr(health, "check_broker", lambda: {"ok": True})


@frozen(NOW)
def test_healthz_is_200_when_database_broker_beat_and_worker_are_fine(
    client, with_background, broker_ok
):
    beat(BEAT, now=NOW - datetime.timedelta(seconds=30))
    beat(WORKER, now=NOW - datetime.timedelta(seconds=29))

    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json()["status"] == "ok" and response.json()["failing"] == []
    assert response.json()["checks"]["beat"]["age_seconds"] == 30


@frozen(NOW)
def test_a_dead_beat_shows_on_healthz_and_the_work_list_within_five_minutes(
    client, with_background, broker_ok
):
    """Beat stamped its last heartbeat, then died. Every heartbeat it missed keeps it fine up
    to STALE_AFTER; from then on it is named, well before five minutes have passed."""
    assert STALE_AFTER + datetime.timedelta(seconds=HEARTBEAT_SECONDS) < datetime.timedelta(
        minutes=5
    )
    coordinator = CoordinatorFactory()
    died = NOW - STALE_AFTER - datetime.timedelta(seconds=1)
    beat(BEAT, now=died)
    beat(WORKER, now=NOW - datetime.timedelta(seconds=10))

    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json()["failing"] == ["beat"]
    assert "beat heartbeat" in response.json()["checks"]["beat"]["detail"]
    assert work_list_for(coordinator, now=NOW).background_down == ["beat"]
    client.force_login(coordinator.user)
    page = client.get(reverse("web:coordinator-worklist"))
    assert 'id="h-background"' in page.content.decode()  # the notice, in any language


@frozen(NOW)
def test_a_beat_that_missed_two_heartbeats_is_still_fine(client, with_background, broker_ok):
    coordinator = CoordinatorFactory()
    beat(BEAT, now=NOW - datetime.timedelta(seconds=2 * HEARTBEAT_SECONDS + 5))
    beat(WORKER, now=NOW)

    assert client.get("/healthz").status_code == 200
    assert work_list_for(coordinator, now=NOW).background_down == []
    client.force_login(coordinator.user)
    page = client.get(reverse("web:coordinator-worklist"))
    assert 'id="h-background"' not in page.content.decode()


@frozen(NOW)
def test_no_worker_heartbeat_ever_is_named(client, with_background, broker_ok):
    beat(BEAT, now=NOW)

    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json()["failing"] == ["worker"]
    assert response.json()["checks"]["worker"]["detail"] == "no worker heartbeat yet"


@frozen(NOW)
def test_an_unreachable_broker_is_named(client, with_background):
    from config.celery_app import app

    beat(BEAT, now=NOW)
    beat(WORKER, now=NOW)
    saved = app.conf.broker_url
    app.conf.broker_url = CLOSED_PORT
    app._pool = None
    try:
        response = client.get("/healthz")
    finally:
        app.conf.broker_url = saved
        app._pool = None

    assert response.status_code == 503
    assert response.json()["failing"] == ["broker"]
    assert response.json()["checks"]["broker"]["detail"].startswith("broker unreachable")


def test_without_background_processes_healthz_checks_the_database_only(client, settings):
    """The first-look set-up runs tasks in the web process: no beat, no worker to miss."""
    settings.CELERY_TASK_ALWAYS_EAGER = True

    response = client.get("/healthz")

    assert response.status_code == 200
    assert set(response.json()["checks"]) == {"database", "broker", "beat", "worker"}


def test_readyz_is_200_when_the_database_answers_and_every_migration_is_applied(client):
    response = client.get("/readyz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "failing": []}


def test_readyz_is_503_while_a_migration_is_missing(client, monkeypatch):
    """A web process started before `migrate` finished: the newest migration is not recorded
    as applied (deleted from the record inside this test's transaction)."""
    from django.db.migrations.recorder import MigrationRecorder

    monkeypatch.setattr(health, "_migrated", False)
    MigrationRecorder.Migration.objects.filter(app="core", name="0002_heartbeat").delete()

    response = client.get("/readyz")

    assert response.status_code == 503
    assert response.json()["failing"] == ["migrations"]
