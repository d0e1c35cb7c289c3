"""Fixtures of the sign-in security tests: the throttles' and sessions' caches start empty."""

import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()
