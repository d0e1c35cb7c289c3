"""Throttles of the REST API (429 when exceeded).

The counters live in the default cache (Redis in production). When the cache cannot be
reached, a throttle counts in a cache of its own process instead and logs it: Redis down does
not take the API down, and the limits still hold per process (the token endpoint's too).
"""

import logging

from django.core.cache.backends.locmem import LocMemCache
from rest_framework.settings import api_settings
from rest_framework.throttling import AnonRateThrottle, SimpleRateThrottle, UserRateThrottle

log = logging.getLogger(__name__)


def _cache_errors() -> tuple[type[BaseException], ...]:
    errors: list[type[BaseException]] = [ConnectionError, TimeoutError]
    try:
        from redis.exceptions import ConnectionError as RedisConnectionError
        from redis.exceptions import TimeoutError as RedisTimeoutError
    except ImportError:  # pragma: no cover (redis comes with celery[redis])
        return tuple(errors)
    return (*errors, RedisConnectionError, RedisTimeoutError)


CACHE_ERRORS = _cache_errors()
# The counters while the shared cache is away (one per process).
LOCAL_COUNTERS = LocMemCache("throttle-fallback", {"OPTIONS": {"MAX_ENTRIES": 10000}})


class FallBackToLocalCounters:
    def allow_request(self, request, view):
        try:
            return super().allow_request(request, view)
        except CACHE_ERRORS as exc:
            log.warning(
                "throttle %s counts in this process: the cache is unreachable (%s)",
                getattr(self, "scope", type(self).__name__),
                type(exc).__name__,
            )
            self.cache = LOCAL_COUNTERS
            return super().allow_request(request, view)


class AnonThrottle(FallBackToLocalCounters, AnonRateThrottle):
    pass


class UserThrottle(FallBackToLocalCounters, UserRateThrottle):
    pass


class TokenObtainThrottle(FallBackToLocalCounters, SimpleRateThrottle):
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
