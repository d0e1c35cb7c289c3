"""The token check reads the token, its user and the user's role rows in one statement written
once per process (config/api/tokens.py): what it hands out is what the ORM's
``select_related`` would, and asking for the role afterwards costs no query."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from knox.models import AuthToken

from config.api.tokens import RoleTokenAuthentication
from core.constants import ActorRole
from core.roles import ROLE_ROWS, actor_role_of
from tests.institutions.factories import CoordinatorFactory, StaffFactory, UserFactory
from tests.mediators.factories import MediatorFactory

pytestmark = pytest.mark.django_db


def _values(instance) -> dict:
    return {field.attname: getattr(instance, field.attname) for field in instance._meta.fields}


def _person(role):
    if role == ActorRole.COORDINATOR:
        return CoordinatorFactory().user
    if role == ActorRole.INSTITUTION:
        return StaffFactory().user
    if role == ActorRole.MEDIATOR:
        mediator = MediatorFactory(
            declined_topics=["asylum"],
            paused_at=datetime.datetime(2026, 1, 5, 8, tzinfo=datetime.UTC),
        )
        return mediator.user
    return UserFactory()


@pytest.mark.parametrize(
    "role", [ActorRole.COORDINATOR, ActorRole.INSTITUTION, ActorRole.MEDIATOR, None]
)
def test_the_token_its_user_and_roles_come_as_the_orm_reads_them_in_one_query(role):
    user = _person(role)
    token = AuthToken.objects.create(user)[1]
    expected = (
        AuthToken.objects.select_related("user", *(f"user__{row}" for row in ROLE_ROWS))
        .filter(user=user)
        .get()
    )

    with CaptureQueriesContext(connection) as queries:
        found_user, auth_token = RoleTokenAuthentication().authenticate_credentials(token.encode())
        assert actor_role_of(found_user) == role
        rows = {row: getattr(found_user, row, None) for row in ROLE_ROWS}
        assert auth_token.user is found_user

    assert len(queries.captured_queries) == 1
    assert _values(auth_token) == _values(expected)
    assert _values(found_user) == _values(expected.user)
    assert not found_user._state.adding and found_user._state.db == "default"
    for row in ROLE_ROWS:
        mine = getattr(expected.user, row, None)
        assert (rows[row] is None) == (mine is None), row
        if mine is not None:
            read = rows[row]
            assert read is not None
            assert _values(read) == _values(mine)
            assert read.user is found_user


def test_a_wrong_token_or_key_is_refused():
    from rest_framework.exceptions import AuthenticationFailed

    token = AuthToken.objects.create(UserFactory())[1]

    for wrong in (token[:-1] + ("0" if token[-1] != "0" else "1"), "0" * len(token)):
        with pytest.raises(AuthenticationFailed):
            RoleTokenAuthentication().authenticate_credentials(wrong.encode())
