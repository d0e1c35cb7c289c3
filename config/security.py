"""Security middleware of every environment: the Permissions-Policy header and the absolute
lifetime of a signed-in session.

The idle limit is Django's own: ``SESSION_COOKIE_AGE`` (30 minutes) with
``SESSION_SAVE_EVERY_REQUEST``, so every request moves the session's expiry on and a session
left alone for 30 minutes is gone (the database row's ``expire_date`` has passed). The
absolute limit needs the moment of sign-in, which Django does not keep: this middleware
stamps it into the session at the first request after sign-in and ends the session
``SESSION_ABSOLUTE_SECONDS`` (12 hours) later, however active it was.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.signals import user_logged_in
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

SIGNED_IN_AT = "_signed_in_at"


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
        session[SIGNED_IN_AT] = timezone.now().timestamp()


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


class SessionLifetimeMiddleware:
    """Ends a signed-in session ``SESSION_ABSOLUTE_SECONDS`` after it began (after
    AuthenticationMiddleware: the request then goes on as anonymous, so a page asks to sign
    in again and the API answers 401/403)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and hasattr(request, "session"):
            now = timezone.now().timestamp()
            started = request.session.get(SIGNED_IN_AT)
            if started is None:
                request.session[SIGNED_IN_AT] = now
            elif now - float(started) > settings.SESSION_ABSOLUTE_SECONDS:
                logout(request)
        return self.get_response(request)
