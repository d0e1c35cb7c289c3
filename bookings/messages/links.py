"""The one-click answer to an offer e-mail: a signed, expiring link bound to one offer, its
mediator and one e-mail (each e-mail's accept and decline links answer once in all)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core import signing
from django.urls import reverse

from notifications.conf import setting
from notifications.links import absolute_url

# The salt the links of e-mails already sent were signed with (they lived in notifications
# then): changing it would break every open offer's links.
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


def offer_link_token(*, offer_id: int, mediator_id: int, link_id: str, action: str) -> str:
    """A signed, timestamped token bound to one offer, its mediator and one e-mail."""
    payload = {"o": offer_id, "m": mediator_id, "l": link_id, "a": action}
    return signing.dumps(payload, salt=OFFER_LINK_SALT)


def offer_link_url(*, offer_id: int, mediator_id: int, link_id: str, action: str) -> str:
    token = offer_link_token(
        offer_id=offer_id, mediator_id=mediator_id, link_id=link_id, action=action
    )
    return absolute_url(reverse("bookings:offer-answer", kwargs={"token": token}))


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
