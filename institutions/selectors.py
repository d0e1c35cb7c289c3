"""Read-only helpers about pools, institutions and who a user is."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Prefetch, QuerySet

from core.constants import ActorRole
from core.roles import acting_as

from .models import (
    Coordinator,
    FundingSource,
    Institution,
    Location,
    Pool,
    PostalCode,
    Staff,
    TaxFreeLimit,
    Town,
)

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser


def coordinator_of(user: AbstractBaseUser | AnonymousUser | None) -> Coordinator | None:
    """The coordinator the user acts as; None for any other role."""
    return acting_as(user, ActorRole.COORDINATOR)


def staff_of(user: AbstractBaseUser | AnonymousUser | None) -> Staff | None:
    """The institution staff member the user acts as; None for any other role."""
    return acting_as(user, ActorRole.INSTITUTION)


def pool_of(user: AbstractBaseUser | AnonymousUser | None) -> Pool | None:
    """The pool the user works in: a coordinator's, their institution's for staff, a
    mediator's own; None without a role."""
    if (coordinator := coordinator_of(user)) is not None:
        return coordinator.pool
    if (staff := staff_of(user)) is not None:
        return staff.institution.pool
    # A mediator (a model of the mediators app, above this one) belongs to a pool as well.
    mediator = acting_as(user, ActorRole.MEDIATOR)
    return mediator.pool if mediator is not None else None


def institutions_visible_to(user: AbstractBaseUser | AnonymousUser) -> QuerySet[Institution]:
    qs = Institution.objects.select_related("town", "pool")
    if (coordinator := coordinator_of(user)) is not None:
        return qs.filter(pool_id=coordinator.pool_id)
    if (staff := staff_of(user)) is not None:
        return qs.filter(pk=staff.institution_id)
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


def tax_free_limit_cents(year: int) -> int:
    """The tax-free yearly amount of ``year`` (Ehrenamtspauschale): the row in force on 1
    January of that year; before the first row, the first row's amount."""
    limits = TaxFreeLimit.objects.order_by("-valid_from")
    row = limits.filter(valid_from__year__lte=year).first() or limits.last()
    if row is None:
        raise TaxFreeLimit.DoesNotExist("No tax-free yearly amount is kept (see the migration).")
    return row.yearly_cents
