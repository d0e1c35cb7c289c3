"""Links in e-mails: absolute URLs of pages, the set-password link (the one-click answer to
an offer is the bookings': ``bookings.messages.links``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.urls import NoReverseMatch, reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser


def absolute_url(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def set_password_url(user: AbstractBaseUser) -> str:
    """The set-password page for a new account (Django's password-reset confirmation)."""
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    for name in ("set-password", "password_reset_confirm"):
        try:
            return absolute_url(reverse(name, kwargs={"uidb64": uid, "token": token}))
        except NoReverseMatch:
            continue
    return absolute_url(f"/accounts/reset/{uid}/{token}/")


def page_url(name: str, *, kwargs: dict[str, Any] | None = None, fallback: str = "/") -> str:
    """A page of the web app by URL name, or the fallback while that page does not exist."""
    try:
        return absolute_url(reverse(name, kwargs=kwargs))
    except NoReverseMatch:
        return absolute_url(fallback)
