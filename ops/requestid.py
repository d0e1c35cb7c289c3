"""A request id that runs from the web request into the log lines and the Celery tasks it
queues (``ops.signals`` carries it in the task's message headers).

The id comes from the proxy's ``X-Request-ID`` when it sends a sane one, else it is made here;
the response returns it in ``X-Request-ID``. Log lines get ``request_id`` and ``user_id``
(the account's number only: no name, no e-mail address) from ``RequestContextFilter``.
"""

from __future__ import annotations

import contextvars
import logging
import re
import time
import uuid
from typing import Any

from django.utils.functional import empty

HEADER = "X-Request-ID"
_SANE = re.compile(r"^[A-Za-z0-9._:-]{1,100}$")

request_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "request_id", default=None
)
_request_var: contextvars.ContextVar[Any] = contextvars.ContextVar("request", default=None)

access_log = logging.getLogger("ops.access")


def new_request_id() -> str:
    return uuid.uuid4().hex


def incoming_request_id(value: str | None) -> str:
    """The proxy's id if it looks like one (no spaces, no control characters), else a new one."""
    return value if value and _SANE.match(value) else new_request_id()


def current_user_id() -> int | None:
    """The user of the current request, if authentication already ran (never queried here)."""
    request = _request_var.get()
    if request is None:
        return None
    user = request.__dict__.get("user")
    wrapped = getattr(user, "_wrapped", user)
    if user is None or wrapped is empty:
        return None
    return getattr(wrapped, "pk", None)


class RequestIdMiddleware:
    """Outermost middleware: sets the id, logs one access line per request (method, route,
    status, milliseconds; no query string, which may carry names) and answers the same
    milliseconds in ``Server-Timing: app;dur=...``."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        rid = incoming_request_id(request.headers.get(HEADER))
        request.request_id = rid
        token_id, token_request = request_id_var.set(rid), _request_var.set(request)
        started = time.perf_counter()
        try:
            response = self.get_response(request)
            response[HEADER] = rid
            match = getattr(request, "resolver_match", None)
            duration_ms = round((time.perf_counter() - started) * 1000, 1)
            # The time inside Django, for the browser's developer tools and the load test
            # (bench/load: server_p50_ms); the same figure as the access line's.
            response["Server-Timing"] = f"app;dur={duration_ms}"
            access_log.info(
                "request",
                extra={
                    "method": request.method,
                    "route": getattr(match, "route", None) or "unmatched",
                    "status": response.status_code,
                    "duration_ms": duration_ms,
                },
            )
            return response
        finally:
            request_id_var.reset(token_id)
            _request_var.reset(token_request)


class RequestContextFilter(logging.Filter):
    """Adds ``request_id`` and ``user_id`` to every record (None outside a request/task)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = request_id_var.get()
        if not hasattr(record, "user_id"):
            record.user_id = current_user_id()
        return True
