"""Reading applications to become a mediator, scoped to the coordinator's pool."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import QuerySet

from institutions.models import Pool
from institutions.selectors import coordinator_of

from ..models import MediatorApplication

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser


def applications_visible_to(
    user: AbstractBaseUser | AnonymousUser,
) -> QuerySet[MediatorApplication]:
    """The applications of the coordinator's own pool (none for anyone else), with their
    languages."""
    coordinator = coordinator_of(user)
    if coordinator is None:
        return MediatorApplication.objects.none()
    return MediatorApplication.objects.filter(pool_id=coordinator.pool_id).prefetch_related(
        "languages"
    )


def applications_open_for(user: AbstractBaseUser | AnonymousUser) -> QuerySet[MediatorApplication]:
    """What waits for the coordinator's decision, the oldest first."""
    return applications_visible_to(user).filter(status=MediatorApplication.Status.OPEN)


def pools_taking_applications() -> QuerySet[Pool]:
    """The pools a visitor may apply to, and the front door presents: every pool of the
    installation (one district's, or several sharing it)."""
    return Pool.objects.order_by("name")
