"""Throttles of the REST API (429 when exceeded).

The counters live in the default cache (Redis in production). When the cache cannot be
reached, a throttle counts in a cache of its own process instead and logs it: Redis down does
not take the API down, and the limits still hold per process (the token endpoint's too).

In Redis a throttle keeps DRF's own count (the times of the requests within the last
duration, newest first; a refused request is not counted) in a list, checked and extended
by one script in one round trip (``SlidingLogInRedis``): DRF's way, reading the pickled list
and writing it back, cost two round trips and two clients, 0.95 ms of CPU per request (0.2
ms now). Any other cache (the fallback's, the tests' without Redis) counts DRF's way.
"""

import logging
import weakref

from django.core.cache import DEFAULT_CACHE_ALIAS, caches
from django.core.cache import cache as default_cache
from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache
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


# KEYS[1]: the list; ARGV: now, the duration, the number of requests allowed. Drops the times
# older than the duration; nil (allowed, now counted) or the times that refuse it.
_SLIDING_LOG = """
local key, now = KEYS[1], tonumber(ARGV[1])
local duration, allowed = tonumber(ARGV[2]), tonumber(ARGV[3])
while true do
  local oldest = redis.call('LINDEX', key, -1)
  if not oldest or tonumber(oldest) > now - duration then break end
  redis.call('RPOP', key)
end
if redis.call('LLEN', key) >= allowed then
  return redis.call('LRANGE', key, 0, -1)
end
redis.call('LPUSH', key, ARGV[1])
redis.call('EXPIRE', key, duration)
return false
"""
# One Redis client and script per cache backend (the backends are per thread).
_SCRIPTS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _script_of(cache):
    backend = caches[DEFAULT_CACHE_ALIAS] if cache is default_cache else cache
    if not isinstance(backend, RedisCache):
        return None
    script = _SCRIPTS.get(backend)
    if script is None:
        client = backend._cache.get_client(write=True)  # type: ignore[attr-defined]  # its pool
        script = _SCRIPTS[backend] = client.register_script(_SLIDING_LOG)
    return script


class SlidingLogInRedis(SimpleRateThrottle):
    """DRF's ``SimpleRateThrottle.allow_request``, in one script when the cache is Redis."""

    num_requests: int
    duration: int

    def allow_request(self, request, view):
        if self.rate is None:
            return True
        self.key = self.get_cache_key(request, view)
        if self.key is None:  # not this throttle's (the anonymous one for a signed-in user)
            return True
        script = _script_of(self.cache)
        if script is None:
            return super().allow_request(request, view)
        self.now = self.timer()
        key = f"{self.cache.make_and_validate_key(self.key)}:log"
        refused = script(keys=[key], args=[repr(self.now), self.duration, self.num_requests])
        if refused is None:
            self.history = []
            return True
        self.history = [float(at) for at in refused]  # for wait(): Retry-After
        return self.throttle_failure()


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


class AnonThrottle(FallBackToLocalCounters, SlidingLogInRedis, AnonRateThrottle):
    pass


class UserThrottle(FallBackToLocalCounters, SlidingLogInRedis, UserRateThrottle):
    pass


class TokenObtainThrottle(FallBackToLocalCounters, SlidingLogInRedis, SimpleRateThrottle):
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
