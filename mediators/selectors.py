"""Read-only queries about languages and mediators, scoped to the caller's reach."""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING

from django.db.models import (
    BooleanField,
    ExpressionWrapper,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
)

from core.constants import ActorRole
from core.roles import acting_as
from core.text import case_reference_key
from institutions.models import Pool, PostalCode
from institutions.selectors import coordinator_of

from .models import (
    Absence,
    AvailabilityDate,
    AvailabilitySlot,
    ConflictOfInterest,
    Dialect,
    Language,
    Mediator,
)

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser


def mediator_of(user: AbstractBaseUser | AnonymousUser | None) -> Mediator | None:
    """The mediator the user acts as; None for any other role."""
    return acting_as(user, ActorRole.MEDIATOR)


def language_list() -> QuerySet[Language]:
    return Language.objects.prefetch_related(
        Prefetch("dialects", queryset=Dialect.objects.order_by("name_de"))
    ).order_by("code")


def language_by_code(code: str) -> Language | None:
    return Language.objects.filter(code=code).first()


def dialect_by_code(*, language: Language, code: str) -> Dialect | None:
    return Dialect.objects.filter(language=language, code=code).first()


def mediators_visible_to(user: AbstractBaseUser | AnonymousUser) -> QuerySet[Mediator]:
    """Coordinators see their pool's mediators and those of the pools that explicitly share
    mediators with theirs; a mediator sees only themselves. Each row is annotated ``shared``:
    True for a mediator of another pool, whose profile only that pool's coordinators keep."""
    qs = Mediator.objects.select_related("user", "pool").prefetch_related(
        "languages__language", "languages__dialect"
    )
    if (coordinator := coordinator_of(user)) is not None:
        pool_id = coordinator.pool_id
        sharing = Pool.objects.filter(shares_mediators_with=pool_id).values("pk")
        return qs.filter(Q(pool_id=pool_id) | Q(pool_id__in=sharing)).annotate(
            shared=ExpressionWrapper(~Q(pool_id=pool_id), output_field=BooleanField())
        )
    if (mediator := mediator_of(user)) is not None:
        return qs.filter(pk=mediator.pk).annotate(shared=Value(False, output_field=BooleanField()))
    return qs.none()


def mediators_kept_by(user: AbstractBaseUser | AnonymousUser) -> QuerySet[Mediator]:
    """The mediators whose profile, vetting, conflicts of interest and statements the user
    keeps: a coordinator's own pool's (not those a sharing pool lends), a mediator's own."""
    # ``shared`` is annotated by mediators_visible_to (the stubs cannot see annotations).
    return mediators_visible_to(user).filter(shared=False)  # type: ignore[misc]


def availability_of(mediator: Mediator) -> QuerySet[AvailabilitySlot]:
    return AvailabilitySlot.objects.filter(mediator=mediator).order_by("weekday", "start_time")


def availability_dates_of(
    mediator: Mediator, *, from_day: datetime.date | None = None
) -> QuerySet[AvailabilityDate]:
    """The mediator's one-off times, soonest first; from ``from_day`` on when given."""
    qs = AvailabilityDate.objects.filter(mediator=mediator)
    if from_day is not None:
        qs = qs.filter(day__gte=from_day)
    return qs.order_by("day", "start_time")


def absences_of(mediator: Mediator) -> QuerySet[Absence]:
    return Absence.objects.filter(mediator=mediator).order_by("starts_on", "pk")


def conflicts_of(mediator: Mediator) -> QuerySet[ConflictOfInterest]:
    """The mediator's conflicts of interest that hold (not lifted)."""
    return ConflictOfInterest.objects.active().filter(mediator=mediator).order_by("case_reference")


def conflict_history_of(mediator: Mediator) -> QuerySet[ConflictOfInterest]:
    """Every conflict of interest of the mediator, active and lifted, the newest first, with
    who declared and who lifted it."""
    return (
        ConflictOfInterest.objects.filter(mediator=mediator)
        .select_related("institution", "recorded_by", "lifted_by")
        .order_by("-created_at", "-pk")
    )


def conflicts_for_case(
    mediators: QuerySet[Mediator], *, institution_id: int, case_reference: str
) -> QuerySet[ConflictOfInterest]:
    """The active conflicts of interest of ``mediators`` for one case: the reference at that
    institution (and the records from before institutions were kept, which match it at
    every institution)."""
    key = case_reference_key(case_reference)
    if not key:
        return ConflictOfInterest.objects.none()
    return (
        ConflictOfInterest.objects.active()
        .filter(mediator__in=mediators, reference_key=key)
        .filter(Q(institution_id=institution_id) | Q(institution__isnull=True))
        .select_related("mediator__user", "recorded_by")
        .order_by("mediator__user__last_name", "pk")
    )


def mediator_directory(user: AbstractBaseUser | AnonymousUser) -> QuerySet[Mediator]:
    """The coordinators' mediator list: every mediator in reach (``mediators_visible_to``),
    by name, each annotated ``town_name`` (the town of the home postal code, or None)."""
    town = PostalCode.objects.filter(code=OuterRef("home_postal_code")).values("town__name")
    return (
        mediators_visible_to(user)
        .annotate(town_name=Subquery(town[:1]))
        .order_by("user__last_name", "user__first_name", "pk")
    )
