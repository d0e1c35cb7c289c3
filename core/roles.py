"""Who a signed-in user is in the product: the role they act in.

A user is a coordinator, institution staff or a mediator through a one-to-one row of
institutions or mediators (``user.coordinator``, ``user.staff``, ``user.mediator``); the
first of these that exists is their role. The typed accessors to the rows live with their
models (``institutions.selectors.coordinator_of``, ``staff_of``, ``pool_of``;
``mediators.selectors.mediator_of``): core knows the role, not the models.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .constants import ActorRole

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser


def actor_role_of(user: AbstractBaseUser | AnonymousUser | None) -> ActorRole | None:
    """The product role of a user: coordinator, institution (staff) or mediator; None otherwise."""
    if user is None or not user.is_authenticated:
        return None
    if hasattr(user, "coordinator"):
        return ActorRole.COORDINATOR
    if hasattr(user, "staff"):
        return ActorRole.INSTITUTION
    if hasattr(user, "mediator"):
        return ActorRole.MEDIATOR
    return None


def acting_as(user: AbstractBaseUser | AnonymousUser | None, role: ActorRole) -> Any:
    """The user's row of that role (``user.coordinator``, ``user.staff``, ``user.mediator``)
    if it is the role they act in; None otherwise. Untyped here: the accessors next to the
    models give it its type."""
    if actor_role_of(user) != role:
        return None
    return getattr(user, _ROW_OF[role])


_ROW_OF = {
    ActorRole.COORDINATOR: "coordinator",
    ActorRole.INSTITUTION: "staff",
    ActorRole.MEDIATOR: "mediator",
}

# The user's role rows, to read with the user in one query
# (``User.objects.select_related(*ROLE_ROWS)``): a missing row is then known to be missing,
# so ``actor_role_of`` asks the database nothing more (the sessions' backend,
# ``accounts.backends``, and the API tokens', ``config.api.tokens``, load users this way).
ROLE_ROWS = tuple(_ROW_OF.values())
