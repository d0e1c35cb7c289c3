"""Fixtures shared by every test module."""

import pytest
from rest_framework.test import APIClient

# tests.services: @pytest.mark.postgres / @pytest.mark.redis, deselected locally without the
# service, an error in CI. pytester: to test that rule.
pytest_plugins = ["tests.services", "pytester"]


def pytest_configure(config):
    """Compile the translation catalogues when a .po changed (as `make install` does)."""
    import django

    django.setup()
    from web.catalogues import compile_stale_catalogues

    compile_stale_catalogues()


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()


@pytest.fixture
def client_for():
    """An API client authenticated as the given user."""

    def make(user) -> APIClient:
        client = APIClient()
        client.force_authenticate(user=user)
        return client

    return make
