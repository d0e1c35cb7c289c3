"""A pool and one person of each role in it, for the tests of pages and statistics."""

import datetime

import pytest

from core.time import BERLIN
from tests.institutions.factories import CoordinatorFactory, PoolFactory, StaffFactory
from tests.mediators.factories import MediatorFactory


def local(*args) -> datetime.datetime:
    """An aware datetime from Berlin wall-clock time."""
    return datetime.datetime(*args, tzinfo=BERLIN)


@pytest.fixture
def pool():
    return PoolFactory()


@pytest.fixture
def coordinator(pool):
    return CoordinatorFactory(pool=pool)


@pytest.fixture
def staff(pool):
    return StaffFactory(institution__pool=pool)


@pytest.fixture
def mediator(pool):
    return MediatorFactory(pool=pool)
