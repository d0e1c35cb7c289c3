"""The rule for tests that need PostgreSQL or Redis (tests/services.py), run in a pytest of
its own: locally a missing service deselects its tests and says so; in CI it is an error."""

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

TESTS = """
import pytest

def test_plain():
    pass

@pytest.mark.postgres
def test_needs_postgres():
    pass

@pytest.mark.redis
def test_needs_redis():
    pass

@pytest.mark.postgres
@pytest.mark.redis
def test_needs_both():
    pass
"""


@pytest.fixture
def run(pytester, monkeypatch):
    """A pytest run of TESTS on SQLite, without a broker unless given (and with settings of
    its own, so it starts in a second, not with the whole project)."""
    pytester.makeconftest('pytest_plugins = ["tests.services"]')
    pytester.makepyfile(
        sqlite_settings='DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3"}}\n'
    )
    pytester.makeini(
        "[pytest]\n"
        "addopts = --strict-markers -p no:cacheprovider\n"
        "markers =\n    postgres: PostgreSQL\n    redis: Redis\n"
    )
    pytester.makepyfile(test_services=TESTS)
    for name in ("DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL", "CI", "TESTS_ON_SQLITE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DJANGO_SETTINGS_MODULE", "sqlite_settings")
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(pytester.path), str(ROOT)]))

    def run(**env):
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        return pytester.runpytest_subprocess()

    return run


def test_locally_the_tests_of_a_missing_service_are_deselected_and_the_run_says_so(run):
    result = run()

    result.assert_outcomes(passed=1, deselected=3)
    result.stdout.fnmatch_lines(
        [
            "NOT RUN: 2 tests need postgres: set DATABASE_URL=postgres://*",
            "NOT RUN: 2 tests need redis: set REDIS_URL=redis://*",
        ]
    )


def test_locally_a_configured_service_runs_its_tests(run):
    result = run(REDIS_URL="redis://127.0.0.1:6379/9")

    result.assert_outcomes(passed=2, deselected=2)
    result.stdout.fnmatch_lines(["NOT RUN: 2 tests need postgres:*"])
    result.stdout.no_fnmatch_line("NOT RUN: * redis*")


def test_in_ci_a_missing_service_is_an_error_not_a_skip(run):
    result = run(CI="true", REDIS_URL="redis://127.0.0.1:6379/9")

    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        ["*CI must run every test, but a service is not configured:*", "*2 tests need postgres*"]
    )
    result.stdout.no_fnmatch_line("*passed*")


def test_in_ci_a_run_on_sqlite_on_purpose_deselects_the_service_tests_and_says_so(run):
    """CI's second run (make test-future) is on SQLite without Redis by design."""
    result = run(CI="true", TESTS_ON_SQLITE="1")

    assert result.ret == pytest.ExitCode.OK
    result.assert_outcomes(passed=1, deselected=3)
    result.stdout.fnmatch_lines(
        ["NOT RUN: 2 tests need postgres:*", "NOT RUN: 2 tests need redis:*"]
    )


def test_a_run_on_sqlite_on_purpose_refuses_a_postgresql_database(run, pytester):
    pytester.makepyfile(
        postgres_settings='DATABASES = {"default": '
        '{"ENGINE": "django.db.backends.postgresql", "NAME": "x"}}\n'
    )

    result = run(CI="true", TESTS_ON_SQLITE="1", DJANGO_SETTINGS_MODULE="postgres_settings")

    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*TESTS_ON_SQLITE is set, but the database is PostgreSQL*"])
    result.stdout.no_fnmatch_line("*passed*")
