"""The real address of the client that sent a request.

Behind our reverse proxy the TCP peer (``REMOTE_ADDR``) is the proxy; each trusted proxy
appends the address it was talking to, to ``X-Forwarded-For``. Only the last
``settings.TRUSTED_PROXY_COUNT`` entries were written by proxies we run: everything to the
left of them the client may have written itself, so it is never believed. With no trusted
proxy (the default, 0) the header is ignored and the peer address counts.

This is the rule of Django REST framework's throttles with ``NUM_PROXIES``
(``settings.REST_FRAMEWORK["NUM_PROXIES"]`` is set to the same number), so the lock-out
(django-axes, ``AXES_CLIENT_IP_CALLABLE``) and the API throttles count the same client.
"""

from __future__ import annotations

import ipaddress
from typing import Any

from django.conf import settings


def client_address(request: Any) -> str | None:
    """The client's address as the trusted proxies saw it; ``REMOTE_ADDR`` without one."""
    remote = request.META.get("REMOTE_ADDR")
    trusted = int(getattr(settings, "TRUSTED_PROXY_COUNT", 0) or 0)
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR")
    if trusted <= 0 or not forwarded:
        return remote
    hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
    if not hops:
        return remote
    address = hops[-min(trusted, len(hops))]
    try:
        ipaddress.ip_address(address)
    except ValueError:
        return remote
    return address
