"""Logs: JSON lines with the request id and the user's number, no personal data; the request
id comes from X-Request-ID (or is made), goes back in the response and into queued tasks."""

import io
import json
import logging
import logging.config

import pytest
from django.conf import settings

from config.settings.base import logging_config
from ops.requestid import request_id_var

pytestmark = pytest.mark.django_db


@pytest.fixture
def json_lines():
    """The production log configuration (LOG_FORMAT=json, LOG_ACCESS on), written to a buffer."""
    config = logging_config("json", True)
    handler = logging.StreamHandler(io.StringIO())
    logging.config.dictConfig({**config, "handlers": {}, "root": {"handlers": []}})
    formatter = logging.config.DictConfigurator(config).configure_formatter(
        dict(config["formatters"]["json"])
    )
    handler.setFormatter(formatter)
    from ops.requestid import RequestContextFilter

    handler.addFilter(RequestContextFilter())
    access = logging.getLogger("ops.access")
    access.addHandler(handler)
    access.setLevel(logging.INFO)
    try:
        yield lambda: [json.loads(line) for line in handler.stream.getvalue().splitlines()]
    finally:
        access.removeHandler(handler)
        logging.config.dictConfig(settings.LOGGING)


def test_a_request_gets_an_id_and_returns_it(client):
    first, second = client.get("/readyz"), client.get("/readyz")

    assert len(first["X-Request-ID"]) == 32
    assert first["X-Request-ID"] != second["X-Request-ID"]


def test_the_proxys_request_id_is_kept_and_a_strange_one_replaced(client):
    kept = client.get("/readyz", headers={"X-Request-ID": "lb-7f3a.42"})
    replaced = client.get("/readyz", headers={"X-Request-ID": "a b\u00e4<script>"})

    assert kept["X-Request-ID"] == "lb-7f3a.42"
    assert replaced["X-Request-ID"] != "a b\u00e4<script>" and len(replaced["X-Request-ID"]) == 32


def test_the_access_line_is_json_with_request_id_and_user_number_and_no_personal_data(
    client, coordinator, json_lines
):
    client.force_login(coordinator.user)

    response = client.get("/coordinator/work/?q=Fatima", headers={"X-Request-ID": "req-1"})

    (line,) = [entry for entry in json_lines() if entry["logger"] == "ops.access"]
    assert response.status_code == 200
    assert line["request_id"] == "req-1"
    assert line["user_id"] == coordinator.user.pk
    assert line["route"] == "coordinator/work/" and line["status"] == 200
    assert line["level"] == "INFO" and "time" in line and line["duration_ms"] >= 0
    text = json.dumps(line)
    assert coordinator.user.email not in text and "Fatima" not in text
    assert coordinator.user.get_username() not in text


def test_an_anonymous_request_logs_no_user(client, json_lines):
    client.get("/readyz")

    (line,) = [entry for entry in json_lines() if entry["logger"] == "ops.access"]
    assert line["user_id"] is None and len(line["request_id"]) == 32


def test_a_task_queued_in_a_request_carries_its_id_in_the_message_headers():
    """before_task_publish puts the current request id into the headers of every task sent."""
    from celery import signals

    headers: dict = {}
    token = request_id_var.set("req-abc")
    try:
        signals.before_task_publish.send(sender="some.task", headers=headers, body=None)
    finally:
        request_id_var.reset(token)

    assert headers == {"request_id": "req-abc"}


def test_every_answer_tells_its_time_inside_the_server_as_the_access_line_does(client, json_lines):
    response = client.get("/readyz")

    (line,) = [entry for entry in json_lines() if entry["logger"] == "ops.access"]
    assert response["Server-Timing"] == f"app;dur={line['duration_ms']}"
