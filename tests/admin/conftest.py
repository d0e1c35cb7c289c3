import pytest
from django.contrib.auth.models import Group

from bookings.constants import Status
from institutions.coordination import COORDINATION_GROUP
from tests.bookings.factories import BookingFactory
from tests.institutions.factories import (
    CoordinatorFactory,
    InstitutionFactory,
    LocationFactory,
    PoolFactory,
    StaffFactory,
    UserFactory,
)
from tests.mediators.factories import MediatorFactory


class Side:
    """One pool with a coordinator, an institution, staff, a mediator and a booking."""

    def __init__(self, name: str) -> None:
        self.pool = PoolFactory(name=f"Pool {name}")
        self.coordinator = CoordinatorFactory(pool=self.pool, user__is_staff=True)
        self.coordinator.user.groups.add(Group.objects.get(name=COORDINATION_GROUP))
        self.institution = InstitutionFactory(pool=self.pool, name=f"Schule {name}")
        self.location = LocationFactory(institution=self.institution, name=f"Ort {name}")
        self.staff = StaffFactory(institution=self.institution, user__last_name=f"Staff{name}")
        self.mediator = MediatorFactory(pool=self.pool, user__last_name=f"Mittler{name}")
        self.booking = BookingFactory(
            institution=self.institution,
            location=self.location,
            status=Status.AWAITING_APPROVAL,
            case_reference=f"CASE-{name}",
        )


@pytest.fixture
def own(db) -> Side:
    return Side("A")


@pytest.fixture
def other(db) -> Side:
    return Side("B")


@pytest.fixture
def coordinator_client(client, own):
    client.force_login(own.coordinator.user)
    return client


@pytest.fixture
def superuser(db):
    return UserFactory(is_staff=True, is_superuser=True)


@pytest.fixture
def superuser_client(client, superuser):
    client.force_login(superuser)
    return client
