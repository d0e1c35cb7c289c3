"""The pool's allowed meeting hosts: the video services institutions may link to.

A host is a plain DNS name (``meet.kreis-viersen.de``), compared case-insensitively; a link
is allowed when its host is one of them or a subdomain of one (``a.meet.kreis-viersen.de``),
never a look-alike (``evilmeet.kreis-viersen.de`` matches no ``meet.kreis-viersen.de``).
"""

from __future__ import annotations

import re
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

_LABEL = r"(?!-)[a-z0-9-]{1,63}(?<!-)"
HOST_PATTERN = re.compile(rf"^{_LABEL}(\.{_LABEL})+$")


def normalise_host(value: str) -> str:
    return value.strip().lower().rstrip(".")


def validate_meeting_hosts(value: Any) -> None:
    """A list of host names (no scheme, path, port or wildcard), each given once."""
    if not isinstance(value, list):
        raise ValidationError(_("Give the meeting hosts as a list of host names."))
    for item in value:
        if not isinstance(item, str) or not HOST_PATTERN.match(normalise_host(item)):
            raise ValidationError(
                _("'%(host)s' is not a host name like meet.example.de (no https://, no path).")
                % {"host": item}
            )


def host_allowed(host: str, allowed: list[str]) -> bool:
    """The host is one of ``allowed`` or a subdomain of one."""
    host = normalise_host(host)
    for entry in allowed:
        entry = normalise_host(entry)
        if entry and (host == entry or host.endswith("." + entry)):
            return True
    return False
