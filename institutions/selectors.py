"""Read-only helpers about pools, institutions and who a user is."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Prefetch, QuerySet

from core.constants import ActorRole

from .models import FundingSource, Institution, Location, Pool, PostalCode, Town

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser


def actor_role_of(user: AbstractBaseUser | AnonymousUser | None) -> str | None:
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


def pool_of(user: AbstractBaseUser | AnonymousUser | None) -> Pool | None:
    role = actor_role_of(user)
    if role == ActorRole.COORDINATOR:
        return user.coordinator.pool  # type: ignore[union-attr]
    if role == ActorRole.INSTITUTION:
        return user.staff.institution.pool  # type: ignore[union-attr]
    if role == ActorRole.MEDIATOR:
        return user.mediator.pool  # type: ignore[union-attr]
    return None


def institutions_visible_to(user: AbstractBaseUser | AnonymousUser) -> QuerySet[Institution]:
    role = actor_role_of(user)
    qs = Institution.objects.select_related("town", "pool")
    if role == ActorRole.COORDINATOR:
        return qs.filter(pool_id=user.coordinator.pool_id)  # type: ignore[union-attr]
    if role == ActorRole.INSTITUTION:
        return qs.filter(pk=user.staff.institution_id)  # type: ignore[union-attr]
    return qs.none()


def locations_visible_to(user: AbstractBaseUser | AnonymousUser) -> QuerySet[Location]:
    return Location.objects.filter(institution__in=institutions_visible_to(user)).select_related(
        "town"
    )


def coordinates_for_postal_code(code: str) -> tuple[float, float] | None:
    """(latitude, longitude) of a postal code shipped as data; None for an unknown code."""
    code = (code or "").strip()
    if not (len(code) == 5 and code.isdigit()):
        return None
    row = PostalCode.objects.filter(code=code).values_list("latitude", "longitude").first()
    return (row[0], row[1]) if row else None


def town_by_name(name: str, *, district: str = "") -> Town | None:
    """The town of that name; where two districts have one, the given district's."""
    towns = list(Town.objects.filter(name__iexact=name.strip())[:10])
    if len(towns) > 1:
        towns = [town for town in towns if town.district == district]
    return towns[0] if len(towns) == 1 else None


def institution_list(user: AbstractBaseUser | AnonymousUser) -> QuerySet[Institution]:
    """Institutions within the user's reach with their locations, ready to render."""
    return (
        institutions_visible_to(user)
        .prefetch_related(Prefetch("locations", queryset=Location.objects.select_related("town")))
        .order_by("name", "pk")
    )


def funding_sources_visible_to(user: AbstractBaseUser | AnonymousUser) -> QuerySet[FundingSource]:
    """The funding sources of the user's pool."""
    pool = pool_of(user)
    if pool is None:
        return FundingSource.objects.none()
    return FundingSource.objects.filter(pool=pool)
