"""Outages answer like outages: a database or broker that cannot be reached gives 503 with
``Retry-After`` (JSON under ``/api/``, a short plain page elsewhere), never a 500; a cache that
cannot be reached does not stop the API (``config.api.throttles`` let the request through
and log it).
"""

from __future__ import annotations

import logging
import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
from django.utils.translation import gettext as _

log = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 10


def _outage_errors() -> tuple[type[BaseException], ...]:
    errors: list[type[BaseException]] = [OperationalError, InterfaceError]
    from kombu.exceptions import OperationalError as BrokerError

    errors.append(BrokerError)
    try:
        from redis.exceptions import ConnectionError as RedisConnectionError
        from redis.exceptions import TimeoutError as RedisTimeoutError
    except ImportError:  # pragma: no cover (redis comes with celery[redis])
        pass
    else:
        errors += [RedisConnectionError, RedisTimeoutError]
    return tuple(errors)


OUTAGE_ERRORS = _outage_errors()


def is_outage(exc: BaseException | None) -> bool:
    return isinstance(exc, OUTAGE_ERRORS)


def outage_response(request, exc: BaseException) -> HttpResponse:
    log.warning("answered 503: %s unreachable (%s)", _what(exc), type(exc).__name__)
    if request.path.startswith("/api/"):
        response: HttpResponse = JsonResponse(
            {
                "detail": _("The service is briefly unavailable. Please try again shortly."),
                "code": "unavailable",
            },
            status=503,
        )
    else:
        response = HttpResponse(
            _("The service is briefly unavailable. Please try again shortly.") + "\n",
            status=503,
            content_type="text/plain; charset=utf-8",
        )
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def _what(exc: BaseException) -> str:
    return "database" if isinstance(exc, OperationalError | InterfaceError) else "broker/cache"


class OutageMiddleware:
    """Turns an outage raised by a view (DRF re-raises what it does not know) into a 503."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if is_outage(exception):
            return outage_response(request, exception)
        return None


def server_error(request, *args, **kwargs):
    """``handler500``: an outage raised outside a view (in a middleware, while saving the
    session) is a 503 too; anything else goes to the project's 500 handler."""
    exc = sys.exc_info()[1]
    if is_outage(exc):
        return outage_response(request, exc)
    from config.errors import server_error as project_server_error

    return project_server_error(request, *args, **kwargs)
