"""Read-only queries about languages and mediators, scoped to the caller's reach."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Prefetch, QuerySet

from bookings.constants import ActorRole
from institutions.selectors import actor_role_of

from .models import Absence, AvailabilitySlot, ConflictOfInterest, Dialect, Language, Mediator

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser


def language_list() -> QuerySet[Language]:
    return Language.objects.prefetch_related(
        Prefetch("dialects", queryset=Dialect.objects.order_by("name_de"))
    ).order_by("code")


def language_by_code(code: str) -> Language | None:
    return Language.objects.filter(code=code).first()


def dialect_by_code(*, language: Language, code: str) -> Dialect | None:
    return Dialect.objects.filter(language=language, code=code).first()


def mediators_visible_to(user: AbstractBaseUser | AnonymousUser) -> QuerySet[Mediator]:
    """Coordinators see their pool's mediators; a mediator sees only themselves."""
    role = actor_role_of(user)
    qs = Mediator.objects.select_related("user", "pool").prefetch_related(
        "languages__language", "languages__dialect"
    )
    if role == ActorRole.COORDINATOR:
        return qs.filter(pool_id=user.coordinator.pool_id)  # type: ignore[union-attr]
    if role == ActorRole.MEDIATOR:
        return qs.filter(pk=user.mediator.pk)  # type: ignore[union-attr]
    return qs.none()


def availability_of(mediator: Mediator) -> QuerySet[AvailabilitySlot]:
    return AvailabilitySlot.objects.filter(mediator=mediator).order_by("weekday", "start_time")


def absences_of(mediator: Mediator) -> QuerySet[Absence]:
    return Absence.objects.filter(mediator=mediator).order_by("starts_on", "pk")


def conflicts_of(mediator: Mediator) -> QuerySet[ConflictOfInterest]:
    return ConflictOfInterest.objects.filter(mediator=mediator).order_by("case_reference")
