"""Outages answer like outages: an unreachable database or broker is a 503 with Retry-After
(JSON under /api/, a plain page elsewhere), never a 500; an unreachable cache does not take
the API down (the throttles count locally and log it). Each outage is a closed port."""

import logging

import pytest
from django.db import OperationalError, connection
from django.test import Client, RequestFactory

from config.queue import enqueue_on_commit
from ops.outages import RETRY_AFTER_SECONDS, server_error
from tests.support.live import use_broker

CLOSED_REDIS = "redis://127.0.0.1:1/0"


@pytest.fixture
def database_down(django_db_blocker):
    """This process's database connection points at a closed port (no test transaction)."""
    with django_db_blocker.unblock():
        connection.close()
        saved = connection.settings_dict["PORT"], connection.settings_dict["HOST"]
        connection.settings_dict["HOST"], connection.settings_dict["PORT"] = "127.0.0.1", 1
        try:
            yield
        finally:
            connection.close()
            connection.settings_dict["PORT"], connection.settings_dict["HOST"] = saved


@pytest.mark.postgres  # a closed port means nothing to SQLite's file
def test_the_api_answers_503_json_with_retry_after_while_the_database_is_down(database_down):
    client = Client(raise_request_exception=False)

    response = client.post(
        "/api/v1/auth/token/",
        {"username": "someone", "password": "secret"},
        content_type="application/json",
    )

    assert response.status_code == 503
    assert response["Retry-After"] == str(RETRY_AFTER_SECONDS)
    assert response["Content-Type"] == "application/json"
    assert response.json()["code"] == "unavailable"


@pytest.mark.postgres  # a closed port means nothing to SQLite's file
def test_a_page_answers_a_plain_503_while_the_database_is_down(database_down):
    client = Client(raise_request_exception=False)

    response = client.post("/accounts/login/", {"username": "someone", "password": "secret"})

    assert response.status_code == 503
    assert response["Retry-After"] == str(RETRY_AFTER_SECONDS)
    assert response["Content-Type"].startswith("text/plain")
    assert b"<html" not in response.content.lower()


@pytest.mark.postgres  # a closed port means nothing to SQLite's file
@pytest.mark.parametrize("path", ["/readyz", "/healthz"])
def test_the_health_endpoints_answer_503_json_with_retry_after_while_the_database_is_down(
    database_down, path
):
    """make faults found /readyz's 503 without the retry hint every other outage answer has."""
    response = Client(raise_request_exception=False).get(path)

    assert response.status_code == 503
    assert response["Retry-After"] == str(RETRY_AFTER_SECONDS)
    assert "database" in response.json()["failing"]


def test_an_outage_outside_a_view_is_a_503_too_and_other_errors_stay_500():
    """handler500 sees the exception (raised in a middleware, say) and tells them apart."""
    request = RequestFactory().get("/api/v1/bookings/")
    try:
        raise OperationalError("connection refused")
    except OperationalError:
        outage = server_error(request)
    try:
        raise KeyError("a bug")
    except KeyError:
        bug = server_error(request)

    assert outage.status_code == 503 and outage["Retry-After"]
    assert bug.status_code == 500 and bug["Content-Type"] == "application/json"  # config/errors.py


@pytest.mark.django_db
def test_the_api_keeps_answering_while_redis_is_down_and_says_so(
    settings, staff, client_for, caplog
):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": CLOSED_REDIS,
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
    client = client_for(staff.user)

    with caplog.at_level(logging.WARNING, logger="config.api.throttles"):
        response = client.get("/api/v1/languages/")

    assert response.status_code == 200
    assert "the cache is unreachable" in caplog.text


@pytest.mark.django_db
def test_the_token_endpoint_still_limits_attempts_while_redis_is_down(settings, caplog):
    """Password guessing stays throttled: the counters go to this process's memory."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": CLOSED_REDIS,
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
            "auth": "2/minute",
        },
    }
    from config.api.throttles import LOCAL_COUNTERS

    LOCAL_COUNTERS.clear()
    client = Client(REMOTE_ADDR="10.9.8.7")
    answers = [
        client.post(
            "/api/v1/auth/token/",
            {"username": "someone", "password": "wrong"},
            content_type="application/json",
        ).status_code
        for _ in range(3)
    ]

    assert answers == [400, 400, 429]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_committed_change_is_not_failed_by_a_broker_that_is_down(caplog):
    """The task is not sent; the log names it; the sweeps send what it would have."""
    with use_broker(CLOSED_REDIS), caplog.at_level(logging.ERROR, logger="config.queue"):
        enqueue_on_commit("notifications.tasks.sweep_outbox")

    assert "task notifications.tasks.sweep_outbox not queued" in caplog.text


def test_a_broker_error_in_a_view_is_a_503():
    from kombu.exceptions import OperationalError as BrokerError

    from ops.outages import OutageMiddleware

    request = RequestFactory().get("/api/v1/plans/")
    response = OutageMiddleware(lambda r: None).process_exception(
        request, BrokerError("Error 111 connecting to 127.0.0.1:1. Connection refused.")
    )

    assert response.status_code == 503 and response["Content-Type"] == "application/json"


def test_a_worker_keeps_reconnecting_to_its_broker_and_lets_a_running_delivery_finish():
    """make faults, redis_restart: workers reconnect by themselves, however long Redis is
    away (Celery's default gives up after 100 attempts and the worker exits), and a delivery
    running when the connection drops is not cancelled halfway through its SMTP conversation
    (which could send an accepted message twice)."""
    from config.celery_app import app

    assert app.conf.broker_connection_max_retries is None
    assert app.conf.broker_connection_retry_on_startup is True
    assert app.conf.worker_cancel_long_running_tasks_on_connection_loss is False
