"""Fixtures of the REST API tests: the cast of one pool and its neighbours."""

import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _fresh_throttle_cache():
    """Throttle counters live in the cache; every test starts from zero."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def world():
    from tests.api.world import build_world

    return build_world()
