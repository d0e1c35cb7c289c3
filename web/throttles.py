"""The public application form's rate limit: Django REST framework's throttle (the counter in
the default cache, Redis in production, with the API throttles' fallback to a counter of the
process), keyed by the client address as the trusted proxies saw it (core.client_address, the
rule of the lock-out and the API throttles)."""

from __future__ import annotations

from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle

from config.api.throttles import FallBackToLocalCounters
from core.client_address import client_address


class ApplicationThrottle(FallBackToLocalCounters, SimpleRateThrottle):
    scope = "mediator-application"

    def get_rate(self) -> str:
        return settings.MEDIATOR_APPLICATION_RATE

    def get_cache_key(self, request, view) -> str:
        return self.cache_format % {"scope": self.scope, "ident": client_address(request)}


def application_allowed(request) -> bool:
    """Count one attempt of the client; False once it is over the rate."""
    return ApplicationThrottle().allow_request(request, None)
