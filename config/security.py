"""Security middleware of every environment: the Permissions-Policy header and the absolute
lifetime of a signed-in session.

The idle limit is Django's ``SESSION_COOKIE_AGE`` (30 minutes): a session is saved with the
expiry ``SESSION_COOKIE_AGE`` from then, and a session left alone that long is gone (the
database row's ``expire_date`` has passed; the cookie's max-age too). Django's
``SESSION_SAVE_EVERY_REQUEST`` would save the session on every request to move the expiry
on - a write (three statements) per request. Instead this middleware moves it on when the
last move is ``SESSION_REFRESH_SECONDS`` (60) or more ago, by stamping the time into the
session (which saves it). So the expiry lags the last request by less than that: an idle
session ends between 29 and 30 minutes after its last request, never later than 30.

The absolute limit needs the moment of sign-in, which Django does not keep: this middleware
stamps it into the session at the first request after sign-in and ends the session
``SESSION_ABSOLUTE_SECONDS`` (12 hours) later, however active it was.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.signals import user_logged_in
from django.contrib.sessions.backends.base import SessionBase
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

SIGNED_IN_AT = "_signed_in_at"
# When the session's expiry last moved on (a POSIX timestamp).
REFRESHED_AT = "_refreshed_at"


def permissions_policy_header(policy: dict[str, list[str]]) -> str:
    """``{"camera": [], "publickey-credentials-get": ["self"]}`` →
    ``camera=(), publickey-credentials-get=(self)``."""
    return ", ".join(
        f"{feature}=({' '.join(allowed)})" for feature, allowed in sorted(policy.items())
    )


def stamp_sign_in(sender, request, user, **kwargs) -> None:
    """At sign-in the session's absolute lifetime begins (a new sign-in begins it anew)."""
    session = getattr(request, "session", None)
    if session is not None:
        now = timezone.now().timestamp()
        session[SIGNED_IN_AT] = now
        session[REFRESHED_AT] = now  # saved with the sign-in: its expiry is fresh


user_logged_in.connect(stamp_sign_in, dispatch_uid="config.security.stamp_sign_in")


class PermissionsPolicyMiddleware:
    """Sets ``Permissions-Policy`` from ``settings.PERMISSIONS_POLICY`` on every response."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response
        self.header = permissions_policy_header(settings.PERMISSIONS_POLICY)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", self.header)
        return response


def session_refresh(session: SessionBase, *, now: float) -> bool:
    """Move the expiry of a session that holds something on, when it last moved
    ``SESSION_REFRESH_SECONDS`` or more ago (or never): the stamp makes SessionMiddleware
    save it, with the expiry ``SESSION_COOKIE_AGE`` from now. True when it did."""
    if session.is_empty():  # no cookie, or one the database no longer knows
        return False
    last = session.get(REFRESHED_AT)
    if last is not None and 0 <= now - float(last) < settings.SESSION_REFRESH_SECONDS:
        return False
    if not session.keys():
        return False
    session[REFRESHED_AT] = now
    return True


class SessionLifetimeMiddleware:
    """Moves a session's expiry on (``session_refresh``, the idle limit); ends a signed-in
    session ``SESSION_ABSOLUTE_SECONDS`` after it began (after AuthenticationMiddleware: the
    request then goes on as anonymous, so a page asks to sign in again and the API answers
    401/403)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        session = getattr(request, "session", None)
        if session is None:
            return self.get_response(request)
        now = timezone.now().timestamp()
        if user is not None and user.is_authenticated:
            started = session.get(SIGNED_IN_AT)
            if started is None:
                session[SIGNED_IN_AT] = now
            elif now - float(started) > settings.SESSION_ABSOLUTE_SECONDS:
                logout(request)
        session_refresh(session, now=now)
        return self.get_response(request)
