"""The lock-out after failed sign-in attempts, with back-off (django-axes underneath).

Every way in counts: the pages' and the admin's sign-in and ``POST /api/v1/auth/token/``
call ``django.contrib.auth.authenticate(request, ...)``, which asks axes' backend first
(``settings.AUTHENTICATION_BACKENDS``) and reports a failure through Django's
``user_login_failed`` signal; the password reset, the set-password link and the second
factor report theirs through ``attempt_failed`` and ask ``attempt_allowed`` first.

Axes keeps one row per (username, client address, user agent) with the number of failures
and the time of the last one (``axes.AccessAttempt``). ``LockoutHandler`` decides from them:
``LOCKOUT_ACCOUNT_FAILURES`` failures for one account (from any address), or
``LOCKOUT_ADDRESS_FAILURES`` from one client address (for any accounts), lock for
``LOCKOUT_MINUTES`` from the last failure; every failure after that, once the lock has ended,
doubles the time (up to ``LOCKOUT_MAX_HOURS``). Attempts while locked are refused without a
password check and are not counted, so the time the person is shown holds. The failures are
forgotten ``LOCKOUT_MEMORY_HOURS`` after the last one (axes' cool-off), after a successful
sign-in from the same address (that account's rows from that address only), after a
password reset, or when a coordinator lifts the lock-out. The client address is the real one
(``core.client_address``): a client-written ``X-Forwarded-For`` changes nothing.
"""

from __future__ import annotations

import datetime
import math
from typing import Any

from axes.handlers.database import AxesDatabaseHandler
from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_client_username
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth.signals import user_login_failed
from django.db.models import Max, Sum
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import formats, timezone
from django.utils.translation import gettext as _

# Namespaces of the account key for the ways in that are not a password check: their
# failures lock that way for the account (and count for the client address), not the
# account's sign-in, so someone guessing links cannot keep the owner from resetting.
PASSWORD_RESET = "password-reset:"  # noqa: S105  # a key prefix, no password  # nosec B105
SET_PASSWORD = "set-password:"  # noqa: S105  # a key prefix, no password  # nosec B105
MAX_DOUBLINGS = 16


def backoff(extra_failures: int) -> datetime.timedelta:
    """How long a lock lasts after ``extra_failures`` failures beyond the threshold."""
    minutes = settings.LOCKOUT_MINUTES * 2 ** min(max(extra_failures, 0), MAX_DOUBLINGS)
    return min(
        datetime.timedelta(minutes=minutes), datetime.timedelta(hours=settings.LOCKOUT_MAX_HOURS)
    )


def locked_until(
    *, username: str | None, ip_address: str | None, now: datetime.datetime
) -> datetime.datetime | None:
    """Until when attempts for this account or from this address are refused; None if they
    are not."""
    since = now - datetime.timedelta(hours=settings.LOCKOUT_MEMORY_HOURS)
    ends = []
    for field, value, limit in (
        ("username", username, settings.LOCKOUT_ACCOUNT_FAILURES),
        ("ip_address", ip_address, settings.LOCKOUT_ADDRESS_FAILURES),
    ):
        if not value:
            continue
        seen = AccessAttempt.objects.filter(**{field: value}, attempt_time__gte=since).aggregate(
            failures=Sum("failures_since_start"), last=Max("attempt_time")
        )
        if seen["failures"] and seen["failures"] >= limit:
            ends.append(seen["last"] + backoff(seen["failures"] - limit))
    until = max(ends, default=None)
    return until if until is not None and until > now else None


class LockoutHandler(AxesDatabaseHandler):
    """Axes' database handler with our thresholds and back-off (``locked_until``)."""

    def is_locked(self, request, credentials: dict | None = None) -> bool:
        return self.locked_until(request, credentials) is not None

    def locked_until(self, request, credentials: dict | None = None) -> datetime.datetime | None:
        return locked_until(
            username=get_client_username(request, credentials),
            ip_address=request.axes_ip_address,
            now=request.axes_attempt_time or timezone.now(),
        )

    def get_failures(self, request, credentials: dict | None = None) -> int:
        # Axes locks when this reaches AXES_FAILURE_LIMIT; answer in those terms.
        return settings.AXES_FAILURE_LIMIT if self.is_locked(request, credentials) else 0

    def user_login_failed(self, sender, credentials: dict, request=None, **kwargs):
        super().user_login_failed(sender, credentials, request, **kwargs)
        # Django REST framework's views hand authenticate() their own Request, which wraps
        # the HttpRequest that axes' middleware sees: tell that one, too.
        inner = getattr(request, "_request", None)
        if inner is not None and getattr(request, "axes_locked_out", False):
            inner.axes_locked_out = True
            inner.axes_credentials = credentials

    def reset_user_attempts(self, request, credentials: dict | None = None) -> int:
        """After a successful sign-in: forget that account's failures from that address
        only (never other accounts' from the same address, nor the account's from
        elsewhere)."""
        username = get_client_username(request, credentials)
        if not username:
            return 0
        count, _ = AccessAttempt.objects.filter(
            username=username, ip_address=request.axes_ip_address
        ).delete()
        return count


def attempt_allowed(request: HttpRequest, key: str) -> bool:
    """May this client try the way in keyed ``key`` now (an account key, e.g.
    ``SET_PASSWORD + username``)?"""
    return AxesProxyHandler.is_allowed(request, {"username": key})


def attempt_failed(request: HttpRequest, key: str) -> None:
    """Count a failed attempt (a wrong code, an invalid link) for ``key`` and the client
    address; the response becomes the lock-out answer if this one locks."""
    user_login_failed.send(sender=__name__, credentials={"username": key}, request=request)


def lockout_response(
    request: HttpRequest,
    original_response: HttpResponse | None = None,
    credentials: dict | None = None,
) -> HttpResponse:
    """The answer to a locked-out attempt: 429 with ``Retry-After``; the API's as JSON
    (``detail``, ``retry_after`` in seconds, ``locked_until``), the pages' as a page in the
    visitor's language that says until when."""
    AxesProxyHandler.update_request(request)
    credentials = credentials or getattr(request, "axes_credentials", None)
    now = timezone.now()
    until = locked_until(
        username=get_client_username(request, credentials),
        ip_address=request.axes_ip_address,  # type: ignore[attr-defined]
        now=now,
    ) or now + backoff(0)
    seconds = max(1, math.ceil((until - now).total_seconds()))
    minutes = max(1, math.ceil(seconds / 60))
    response: HttpResponse
    if request.path.startswith("/api/"):
        response = JsonResponse(
            {
                "detail": _("Too many failed sign-in attempts. Try again in %(minutes)s minutes.")
                % {"minutes": minutes},
                "retry_after": seconds,
                "locked_until": until.isoformat(),
            },
            status=429,
        )
    else:
        local = timezone.localtime(until)
        context: dict[str, Any] = {
            # The date in the reader's format, the time as 24-hour hh:mm everywhere (some
            # locales' short formats leave the minutes out).
            "until": f"{formats.date_format(local, 'SHORT_DATE_FORMAT')} {local:%H:%M}",
            "minutes": minutes,
        }
        response = render(request, "registration/locked_out.html", context, status=429)
    response["Retry-After"] = str(seconds)
    return response
