"""Links in e-mails: one-click offer answers (signed, expiring, single use) and set-password."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core import signing
from django.urls import NoReverseMatch, reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from .conf import setting

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

OFFER_LINK_SALT = "notifications.offer-answer"
ACCEPT = "accept"
DECLINE = "decline"
ACTIONS = (ACCEPT, DECLINE)


class LinkInvalid(Exception):
    """Tampered, unknown or malformed link."""


class LinkExpired(Exception):
    """The signature is right but too old; ``link`` tells whose link it was."""

    def __init__(self, message: str, link: OfferLink | None = None) -> None:
        super().__init__(message)
        self.link = link


@dataclass(frozen=True)
class OfferLink:
    offer_id: int
    mediator_id: int
    link_id: str
    action: str


def absolute_url(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def offer_link_token(*, offer_id: int, mediator_id: int, link_id: str, action: str) -> str:
    """A signed, timestamped token bound to one offer, its mediator and one e-mail."""
    payload = {"o": offer_id, "m": mediator_id, "l": link_id, "a": action}
    return signing.dumps(payload, salt=OFFER_LINK_SALT)


def offer_link_url(*, offer_id: int, mediator_id: int, link_id: str, action: str) -> str:
    token = offer_link_token(
        offer_id=offer_id, mediator_id=mediator_id, link_id=link_id, action=action
    )
    return absolute_url(reverse("notifications:offer-answer", kwargs={"token": token}))


def offer_link_read(token: str) -> OfferLink:
    """Check signature and age; raise ``LinkExpired`` or ``LinkInvalid``."""
    try:
        payload: Any = signing.loads(
            token, salt=OFFER_LINK_SALT, max_age=setting("OFFER_LINK_MAX_AGE_SECONDS")
        )
    except signing.SignatureExpired as exc:
        # Authentic but too old: read it without the age limit to know whose it was.
        link = _parse(signing.loads(token, salt=OFFER_LINK_SALT))
        raise LinkExpired(str(exc), link=link) from exc
    except signing.BadSignature as exc:
        raise LinkInvalid(str(exc)) from exc
    return _parse(payload)


def _parse(payload: Any) -> OfferLink:
    try:
        link = OfferLink(
            offer_id=int(payload["o"]),
            mediator_id=int(payload["m"]),
            link_id=str(payload["l"]),
            action=str(payload["a"]),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise LinkInvalid("malformed payload") from exc
    if link.action not in ACTIONS:
        raise LinkInvalid("unknown action")
    return link


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
