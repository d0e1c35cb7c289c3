"""Fixtures for the statistics: a pool and one person of each role in it."""

from tests.support.people import coordinator, local, mediator, pool, staff  # noqa: F401
