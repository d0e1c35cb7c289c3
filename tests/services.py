"""Tests that need a real service: ``@pytest.mark.postgres`` and ``@pytest.mark.redis``.

One rule for every such test, loaded by the top-level conftest:

- the service is configured (``DATABASE_URL=postgres://...``; ``REDIS_URL`` or
  ``CELERY_BROKER_URL=redis://...``): the test runs. Configured but not reachable, it fails;
- it is not configured on a local run: the test is deselected and the run says so loudly at
  the end (``NOT RUN: ...``);
- it is not configured in CI (``CI`` set, e.g. ``CI=1`` or ``CI=true``): the run stops with an
  error before any test runs. CI never skips a test because a service is missing;
- the run is on SQLite on purpose (``TESTS_ON_SQLITE=1``, CI's second run with the clock a
  year ahead, ``make test-future``): as locally, even in CI. Its database must be SQLite.
"""

from __future__ import annotations

import os

import pytest

SERVICES = {
    "postgres": "set DATABASE_URL=postgres://... (a database of your own)",
    "redis": "set REDIS_URL=redis://127.0.0.1:6379/N (a Redis database index of your own)",
}
_not_run = pytest.StashKey[dict[str, int]]()


def _flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() not in ("", "0", "false", "no")


def in_ci() -> bool:
    return _flag("CI")


def on_sqlite_on_purpose() -> bool:
    return _flag("TESTS_ON_SQLITE")


def configured() -> set[str]:
    """The services this run has: PostgreSQL as Django's database, Redis as the broker."""
    from django.conf import settings

    have = set()
    if settings.DATABASES["default"]["ENGINE"].endswith("postgresql"):
        have.add("postgres")
    broker = os.environ.get("CELERY_BROKER_URL") or os.environ.get("REDIS_URL") or ""
    if broker.startswith("redis"):
        have.add("redis")
    return have


def _needs(item: pytest.Item) -> set[str]:
    return {name for name in SERVICES if item.get_closest_marker(name)}


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    have = configured()
    if on_sqlite_on_purpose() and "postgres" in have:
        raise pytest.UsageError(
            "TESTS_ON_SQLITE is set, but the database is PostgreSQL: unset DATABASE_URL "
            "(in the environment and in .env)"
        )
    missing = {
        name: [i for i in items if name in _needs(i)] for name in SERVICES if name not in have
    }
    missing = {name: tests for name, tests in missing.items() if tests}
    if not missing:
        return
    if in_ci() and not on_sqlite_on_purpose():
        lines = [
            f"{len(tests)} tests need {name}: {SERVICES[name]}" for name, tests in missing.items()
        ]
        raise pytest.UsageError(
            "CI must run every test, but a service is not configured:\n  " + "\n  ".join(lines)
        )
    unrunnable = {id(i) for tests in missing.values() for i in tests}
    deselected = [i for i in items if id(i) in unrunnable]
    items[:] = [i for i in items if id(i) not in unrunnable]
    config.hook.pytest_deselected(items=deselected)
    config.stash[_not_run] = {name: len(tests) for name, tests in missing.items()}


def pytest_terminal_summary(terminalreporter, exitstatus, config: pytest.Config) -> None:
    for name, count in config.stash.get(_not_run, {}).items():
        terminalreporter.write_line(
            f"NOT RUN: {count} tests need {name}: {SERVICES[name]} (CI runs them).",
            yellow=True,
            bold=True,
        )
