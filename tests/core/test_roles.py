"""A user's role and the row they act through: the first of coordinator, staff, mediator."""

import pytest
from django.contrib.auth.models import AnonymousUser

from core.constants import ActorRole
from core.roles import actor_role_of
from institutions.selectors import coordinator_of, pool_of, staff_of
from mediators.selectors import mediator_of
from tests.institutions.factories import CoordinatorFactory, StaffFactory, UserFactory
from tests.mediators.factories import MediatorFactory

pytestmark = pytest.mark.django_db


def test_each_role_reaches_its_own_row_and_pool_and_no_other():
    coordinator, staff, mediator = CoordinatorFactory(), StaffFactory(), MediatorFactory()

    assert [actor_role_of(row.user) for row in (coordinator, staff, mediator)] == [
        ActorRole.COORDINATOR,
        ActorRole.INSTITUTION,
        ActorRole.MEDIATOR,
    ]
    assert (coordinator_of(coordinator.user), staff_of(coordinator.user)) == (coordinator, None)
    assert (staff_of(staff.user), mediator_of(staff.user)) == (staff, None)
    assert (mediator_of(mediator.user), coordinator_of(mediator.user)) == (mediator, None)
    assert [pool_of(row.user) for row in (coordinator, staff, mediator)] == [
        coordinator.pool,
        staff.institution.pool,
        mediator.pool,
    ]


def test_a_coordinator_who_is_also_staff_acts_as_coordinator_only():
    coordinator = CoordinatorFactory()
    StaffFactory(user=coordinator.user)

    assert actor_role_of(coordinator.user) == ActorRole.COORDINATOR
    assert (coordinator_of(coordinator.user), staff_of(coordinator.user)) == (coordinator, None)


@pytest.mark.parametrize("user", [None, AnonymousUser(), "a user without a role"])
def test_without_a_role_there_is_no_row_and_no_pool(user):
    user = UserFactory() if user == "a user without a role" else user

    assert actor_role_of(user) is None
    assert (coordinator_of(user), staff_of(user), mediator_of(user), pool_of(user)) == (None,) * 4
