"""Fixtures of the matching tests: a recorder of the notification hooks the engine calls."""

from __future__ import annotations

from collections import defaultdict

import pytest

HOOKS = ("offer_made_notify", "offer_withdrawn_notify", "alert_notify")
STANDBY_HOOKS = ("standby_notify",)


class Messages:
    """Counts the calls of each notification hook (the hooks stay real: they are wrapped)."""

    def __init__(self):
        self.calls: dict[str, list[dict]] = defaultdict(list)

    def count(self, hook: str) -> int:
        return len(self.calls[hook])

    def reset(self) -> None:
        self.calls.clear()


@pytest.fixture(autouse=True)
def _fresh_cache():
    """The pool's mean hours are cached; every test starts without."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def messages(monkeypatch) -> Messages:
    import bookings.services.offers as offers
    import bookings.services.standby as standby

    recorder = Messages()

    def wrap(module, name):
        real = getattr(module, name)

        def recording(**kwargs):
            recorder.calls[name].append(kwargs)
            return real(**kwargs)

        monkeypatch.setattr(module, name, recording)

    for name in HOOKS:
        wrap(offers, name)
    for name in STANDBY_HOOKS:
        wrap(standby, name)
    return recorder


# --- tests that need PostgreSQL ------------------------------------------------------------


def pytest_configure(config):
    config.addinivalue_line(
        "markers",
        "postgresql: needs PostgreSQL (row locks, real concurrency); deselected on SQLite "
        "during local runs, an error in CI (CI=1)",
    )


def pytest_collection_modifyitems(config, items):
    import os

    from django.db import connection

    needs_pg = [item for item in items if item.get_closest_marker("postgresql")]
    if not needs_pg or connection.vendor == "postgresql":
        return
    if os.environ.get("CI"):
        raise pytest.UsageError(
            f"{len(needs_pg)} tests need PostgreSQL but DATABASE_URL points to "
            f"{connection.vendor}: CI must run them (set DATABASE_URL=postgres://...)."
        )
    config.hook.pytest_deselected(items=needs_pg)
    items[:] = [item for item in items if not item.get_closest_marker("postgresql")]
