"""The throttles count in Redis with one script (config/api/throttles.py): the same answers
and the same Retry-After as DRF's own count in any other cache, request for request."""

from typing import Any

import pytest
from django.core.cache import caches
from django.core.cache.backends.locmem import LocMemCache
from django.test import RequestFactory
from rest_framework.request import Request
from rest_framework.throttling import UserRateThrottle

from config.api.throttles import UserThrottle
from tests.institutions.factories import UserFactory

pytestmark = [pytest.mark.redis, pytest.mark.django_db]


class ThreeAMinute(UserThrottle):
    rate = "3/minute"


class DrfThreeAMinute(UserRateThrottle):
    rate = "3/minute"


class TwoAMinute(UserThrottle):
    rate = "2/minute"


class Clock:
    def __init__(self):
        self.now = 1_767_000_000.25

    def __call__(self):
        return self.now


def answers(throttle_class, cache, user, clock, steps):
    out = []
    request = Request(RequestFactory().get("/api/v1/languages/"))
    request.user = user
    for step in steps:
        clock.now += step
        throttle = throttle_class()
        throttle.cache = cache
        throttle.timer = clock
        allowed = throttle.allow_request(request, None)
        out.append((allowed, None if allowed else round(throttle.wait(), 6)))
    return out


def test_the_script_answers_as_drf_counts(settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": settings.REDIS_URL,
        }
    }
    user: Any = UserFactory()
    redis = caches["default"]
    redis.clear()
    # Within a minute, at its edge, long after; refused requests are not counted.
    steps = [0, 1, 1, 58, 0, 1, 1, 1, 5, 20, 31.75, 0.5, 0, 0, 0, 60, 59.999, 0.002, 120, 0, 0, 0]

    in_redis = answers(ThreeAMinute, redis, user, Clock(), steps)
    drf = answers(DrfThreeAMinute, LocMemCache("drf", {}), user, Clock(), steps)

    assert in_redis == drf
    assert [allowed for allowed, _ in in_redis].count(False) >= 5
    assert redis.get(f"throttle_user_{user.pk}") is None  # a key of its own: a list
    redis.clear()


def test_without_redis_the_throttle_counts_drfs_way(settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    user: Any = UserFactory()

    got = answers(TwoAMinute, caches["default"], user, Clock(), [0, 1, 1])

    assert [allowed for allowed, _ in got] == [True, True, False]
    assert caches["default"].get(f"throttle_user_{user.pk}")  # DRF's pickled list
