"""Fixtures for the pages and the statistics."""

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.test import Client

from tests.institutions.factories import CoordinatorFactory, PoolFactory, StaffFactory
from tests.mediators.factories import MediatorFactory

BERLIN = ZoneInfo("Europe/Berlin")


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


@pytest.fixture
def page_for():
    """A browser-like test client signed in as the given user, speaking the given language."""

    def make(user, language: str = "en") -> Client:
        client = Client(HTTP_ACCEPT_LANGUAGE=language)
        client.force_login(user)
        return client

    return make
