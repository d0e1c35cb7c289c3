"""Throttles of the REST API (429 when exceeded)."""

from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle


class TokenObtainThrottle(SimpleRateThrottle):
    """Limits password guessing at the token endpoint, per client address: the real one,
    as the trusted proxies saw it (``NUM_PROXIES`` = ``settings.TRUSTED_PROXY_COUNT``; 0:
    the TCP peer), never a client-written ``X-Forwarded-For``. The lock-out
    (accounts/lockout.py) counts the failures behind it.

    The rate is read when a request comes in (``DEFAULT_THROTTLE_RATES["auth"]``), so it
    follows the settings of the running process.
    """

    scope = "auth"

    def get_rate(self):
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope, "10/minute")

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}
