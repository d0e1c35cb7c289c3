"""The Django admin, scoped: a coordinator (staff, not superuser) sees and picks only rows of
the own pool. Every app's admin uses these mixins; the "Koordination" group says what kinds
of rows a coordinator may view or change (``institutions.coordination``)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import Model, QuerySet
from django.http import HttpRequest

from core.read_log import ReadLoggedAdminMixin

# How a model reaches its pool, for the models that belong to one.
POOL_LOOKUPS: dict[str, str] = {
    "institutions.pool": "pk",
    "institutions.coordinator": "pool",
    "institutions.institution": "pool",
    "institutions.location": "institution__pool",
    "institutions.staff": "institution__pool",
    "institutions.fundingsource": "pool",
    "institutions.budget": "institution__pool",
    "institutions.compensationrule": "pool",
    "mediators.mediator": "pool",
    "bookings.booking": "pool",
}


def coordinator_pool_id(request: HttpRequest) -> int | None:
    coordinator = getattr(request.user, "coordinator", None)
    return coordinator.pool_id if coordinator is not None else None


def scoped(request: HttpRequest, qs: QuerySet, lookup: str) -> QuerySet:
    """All rows for a superuser; the own pool's rows for a coordinator; none for others."""
    if request.user.is_superuser:
        return qs
    pool_id = coordinator_pool_id(request)
    if pool_id is None:
        return qs.none()
    return qs.filter(**{lookup: pool_id})


class PoolScopedMixin:
    """For ModelAdmin and inlines: rows and the choices of every related field are scoped."""

    pool_lookup: str = ""  # from this admin's model to the pool; "" for shared reference data

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        qs = super().get_queryset(request)  # type: ignore[misc]
        return scoped(request, qs, self.pool_lookup) if self.pool_lookup else qs

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        lookup = POOL_LOOKUPS.get(db_field.related_model._meta.label_lower)
        if lookup and "queryset" not in kwargs:
            kwargs["queryset"] = scoped(
                request, db_field.related_model._default_manager.all(), lookup
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)  # type: ignore[misc]

    def formfield_for_manytomany(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        lookup = POOL_LOOKUPS.get(db_field.related_model._meta.label_lower)
        if lookup and "queryset" not in kwargs:
            kwargs["queryset"] = scoped(
                request, db_field.related_model._default_manager.all(), lookup
            )
        return super().formfield_for_manytomany(db_field, request, **kwargs)  # type: ignore[misc]


class PoolScopedAdmin(ReadLoggedAdminMixin, PoolScopedMixin, admin.ModelAdmin):
    """A coordinator does not choose the pool: new rows belong to the own pool. Its list and
    change pages are access-logged (``core.read_log``)."""

    def get_exclude(self, request: HttpRequest, obj: Model | None = None) -> Any:
        exclude = list(super().get_exclude(request, obj) or [])
        if not request.user.is_superuser and _has_pool_field(self.model):
            exclude.append("pool")
        return exclude

    def get_fields(self, request: HttpRequest, obj: Model | None = None) -> Any:
        fields = list(super().get_fields(request, obj))
        if not request.user.is_superuser and "pool" in fields:
            fields.remove("pool")
        return fields

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        if not change and _has_pool_field(self.model) and not getattr(obj, "pool_id", None):
            obj.pool_id = coordinator_pool_id(request)
        super().save_model(request, obj, form, change)


def _has_pool_field(model: type[Model]) -> bool:
    return any(f.name == "pool" and f.is_relation for f in model._meta.get_fields())


class ReadOnlyInline(admin.TabularInline):
    """History shown under its parent, never edited there."""

    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
