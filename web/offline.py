"""The installable app's offline reading (web/templates/web/app/sw.js is its other half).

The service worker keeps a copy of a mediator's own pages (their appointments, the offers
and the offer pages last seen) to read them without a network. Which pages it may keep, and
whose they are, the server says in two headers of every page:

- ``X-Offline-Key``: an opaque key of the signed-in person (an HMAC of their id, useless
  elsewhere); the service worker keeps each person's copies apart under their key and
  deletes every other person's the moment a page comes with a new key. A page without the
  key (signed out) makes it delete them all.
- ``X-Offline: keep``: only on the pages marked ``offline_readable`` (GET, 200).

Signing out sends ``Clear-Site-Data`` besides (``SignOutView``).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse
from django.utils.crypto import salted_hmac

KEY_HEADER = "X-Offline-Key"
KEEP_HEADER = "X-Offline"
# What the browser deletes when someone signs out: its HTTP cache, and the site's storage
# (the service worker's caches and its registration among them).
CLEAR_SITE_DATA = '"cache", "storage"'


def offline_key(user) -> str:
    """The key the service worker files this person's copies under."""
    return salted_hmac("web.offline.key", str(user.pk), algorithm="sha256").hexdigest()[:32]


def offline_readable(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Marks a page the service worker may keep for offline reading (a successful GET)."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        response = view(request, *args, **kwargs)
        if request.method == "GET" and response.status_code == 200:
            response[KEEP_HEADER] = "keep"
        return response

    return wrapper


class OfflineKeyMiddleware:
    """Every answer to a signed-in person carries their offline key (see above)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            response[KEY_HEADER] = offline_key(user)
        return response


class SignOutView(auth_views.LogoutView):
    """Django's sign-out, which also tells the browser to forget this site's caches and
    storage: nothing of the person stays readable on the device."""

    def post(self, request, *args, **kwargs):
        response = super().post(request, *args, **kwargs)
        response["Clear-Site-Data"] = CLEAR_SITE_DATA
        return response
