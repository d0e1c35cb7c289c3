"""Fixtures shared by every test module."""

import pytest
from hypothesis import settings as hypothesis_settings
from rest_framework.test import APIClient

# tests.services: @pytest.mark.postgres / @pytest.mark.redis, deselected locally without the
# service, an error in CI. pytester: to test that rule.
pytest_plugins = ["tests.services", "pytester"]

# Property tests: random examples (and the example database) locally; in CI the same
# examples on every run, no deadline on a shared machine, and the blob that replays a
# failure printed with it.
hypothesis_settings.register_profile(
    "ci", derandomize=True, deadline=None, print_blob=True, database=None
)


def pytest_configure(config):
    """Load the property tests' profile (before the test modules build their settings) and
    compile the translation catalogues when a .po changed (as `make install` does)."""
    from tests.services import in_ci

    hypothesis_settings.load_profile("ci" if in_ci() else "default")

    import django

    django.setup()
    from web.catalogues import compile_stale_catalogues

    compile_stale_catalogues()


@pytest.fixture(autouse=True)
def _reference_data_after_a_flush(request):
    """The reference data that migrations seed (the languages and dialects, the towns and
    postal codes, the law's tax-free yearly amounts) is there for a test on
    ``transactional_db`` too: such a test (the browser tests' people) flushes the database at
    its end, and a later page that reads it (the statement, an import of a volunteer list, an
    accepted application) would otherwise fail in whatever order the tests run. Seeded only
    where a flush emptied it."""
    if "transactional_db" not in request.fixturenames:
        return
    import importlib

    from django.apps import apps

    from institutions.data.kreis_viersen import seed_towns
    from institutions.models import PostalCode, TaxFreeLimit, Town
    from mediators.data.languages import seed_languages
    from mediators.models import Dialect, Language

    request.getfixturevalue("transactional_db")
    if not TaxFreeLimit.objects.exists():
        seed = importlib.import_module("institutions.migrations.0005_tax_free_limit_per_year")
        seed.seed_limits(apps, None)
    if not Language.objects.exists():
        seed_languages(Language, Dialect)
    if not PostalCode.objects.exists():
        seed_towns(Town, PostalCode)


@pytest.fixture(autouse=True)
def _force_login_gives_the_second_factor(monkeypatch):
    """``client.force_login(user)`` signs in as far as the pages need: a coordinator (or
    anyone with admin access, or who set up an authenticator) has also given the code of
    their second factor in that session. The tests of the second factor itself sign in
    through the pages, where nothing is skipped (tests/accounts/)."""
    from django.test.client import ClientMixin

    from tests.support.two_factor import mark_verified

    original = ClientMixin.force_login

    def force_login(self, user, backend=None):
        original(self, user, backend)
        mark_verified(self, user)

    monkeypatch.setattr(ClientMixin, "force_login", force_login)


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


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Every test that commits (``transaction=True``) restores the database it found
    (``serialized_rollback=True``). A plain one flushes at teardown, and Django's flush
    re-runs the post-migrate set-up (the Koordination group): the next test that restores
    its serialized rows then collides with that group, in whatever order the tests run."""
    unsafe = [
        item.nodeid
        for item in items
        if (mark := item.get_closest_marker("django_db")) is not None
        and mark.kwargs.get("transaction")
        and not mark.kwargs.get("serialized_rollback")
    ]
    if unsafe:
        raise pytest.UsageError(
            "django_db(transaction=True) needs serialized_rollback=True: " + ", ".join(unsafe)
        )
