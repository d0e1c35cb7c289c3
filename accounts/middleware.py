"""The second step of signing in: a signed-in person who needs a second factor
(``accounts.selectors.second_factor_needed``) reaches nothing but the pages to set it up or
give a code, and signing out, until they have given one in this session. This holds for
every page, the admin and the API used with the browser's session; an API token is only
handed out with a code (config/api/auth.py)."""

from __future__ import annotations

from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from .selectors import has_second_factor, second_factor_needed

# What an unverified person may still open: the two-factor pages, signing out, the
# language switch, static files.
OPEN_PREFIXES = ("/accounts/two-factor/", "/accounts/logout/", "/i18n/", "/static/")


class SecondFactorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and not request.path_info.startswith(OPEN_PREFIXES)
            and not user.is_verified()
            and second_factor_needed(user, as_loaded=True)
        ):
            if request.path_info.startswith("/api/"):
                return JsonResponse(
                    {"detail": _("Confirm your sign-in with your second factor first.")},
                    status=403,
                )
            step = "verify" if has_second_factor(user) else "enrol"
            target = reverse(f"two-factor-{step}")
            return redirect(f"{target}?{urlencode({'next': request.get_full_path()})}")
        return self.get_response(request)
