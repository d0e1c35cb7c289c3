"""How to join a video or phone appointment: a meeting link, or a dial-in number and PIN.

- A video appointment may carry a link: ``http``/``https`` only, to one of the pool's
  allowed meeting hosts (``Pool.meeting_hosts``, exact host or a subdomain of one), without
  user name or password in it.
- A phone appointment may carry a dial-in number (digits, spaces, ``+ - / ( )``) and a PIN
  (digits, ``#`` and ``*``).
- The details belong to the mode: given for another mode they are refused; when a booking's
  mode changes (``services.reschedule``) the old mode's details go unless new ones are given.
- They are optional when the request is made: the institution may add them later with a
  change of the booking, which sends the updated invitation. Until then the mediator is told
  that the details follow.

Only the assigned mediator, the institution's staff and the pool's coordinators see them
(``selectors.bookings.BookingView.meeting_details``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.utils.translation import gettext as _

from core.exceptions import DomainError
from institutions.meeting_hosts import host_allowed
from institutions.models import Pool

from ..constants import MEETING_URL_MAX_LENGTH, Mode

PHONE_NUMBER = re.compile(r"^\+?[0-9][0-9 ()/-]{3,38}$")
PIN = re.compile(r"^[0-9#*]{1,20}$")


@dataclass(frozen=True)
class MeetingDetails:
    meeting_url: str = ""
    dial_in_number: str = ""
    dial_in_pin: str = ""

    @property
    def given(self) -> bool:
        return bool(self.meeting_url or self.dial_in_number or self.dial_in_pin)


def meeting_url_check(*, pool: Pool, url: str) -> str:
    """The link, trimmed, if it may be given; else a ``DomainError`` that says why."""
    url = url.strip()
    if len(url) > MEETING_URL_MAX_LENGTH:
        raise DomainError(
            _("The meeting link is too long (at most %(max)s characters).")
            % {"max": MEETING_URL_MAX_LENGTH},
            field="meeting_url",
        )
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError:
        parts, host = None, ""
    if (
        parts is None
        or parts.scheme not in ("http", "https")
        or not host
        or any(ch.isspace() for ch in url)
    ):
        raise DomainError(
            _("Give the meeting link as a web address starting with https://."),
            field="meeting_url",
        )
    if parts.username is not None or parts.password is not None:
        raise DomainError(
            _("The meeting link must not contain a user name or password."), field="meeting_url"
        )
    allowed = pool.meeting_hosts or []
    if not host_allowed(host, allowed):
        if not allowed:
            message = _(
                "The integration centre has not named any video services yet; ask it to add "
                "%(host)s to the allowed meeting hosts."
            ) % {"host": host}
        else:
            message = _("Links to %(host)s are not allowed. Allowed video services: %(hosts)s.") % {
                "host": host,
                "hosts": ", ".join(allowed),
            }
        raise DomainError(message, field="meeting_url")
    return url


def meeting_details_check(
    *, pool: Pool, mode: str, meeting_url: str = "", dial_in_number: str = "", dial_in_pin: str = ""
) -> MeetingDetails:
    """The details of a booking in ``mode``, checked and trimmed (empty: none given)."""
    meeting_url = (meeting_url or "").strip()
    dial_in_number = " ".join((dial_in_number or "").split())
    dial_in_pin = "".join((dial_in_pin or "").split())
    if meeting_url and mode != Mode.VIDEO:
        raise DomainError(_("A meeting link belongs to a video appointment."), field="meeting_url")
    if (dial_in_number or dial_in_pin) and mode != Mode.PHONE:
        raise DomainError(
            _("A dial-in number belongs to a phone appointment."), field="dial_in_number"
        )
    if meeting_url:
        meeting_url = meeting_url_check(pool=pool, url=meeting_url)
    if dial_in_number and not PHONE_NUMBER.match(dial_in_number):
        raise DomainError(
            _("Give the dial-in number in digits, e.g. +49 2162 123456."),
            field="dial_in_number",
        )
    if dial_in_pin and not dial_in_number:
        raise DomainError(_("Give the dial-in number with the PIN."), field="dial_in_number")
    if dial_in_pin and not PIN.match(dial_in_pin):
        raise DomainError(
            _("The PIN may contain digits, # and * only (at most 20)."), field="dial_in_pin"
        )
    return MeetingDetails(meeting_url, dial_in_number, dial_in_pin)
