"""Role permissions of the REST API.

A role that may never perform an operation answers 403; an object outside the caller's
reach answers 404 because every view looks objects up in a queryset scoped by a selector.
Combine with ``|``: ``permission_classes = [IsCoordinator | IsInstitutionStaff]``.
"""

from __future__ import annotations

from rest_framework.permissions import BasePermission

from core.constants import ActorRole
from core.roles import acting_as, actor_role_of


class _HasRole(BasePermission):
    role: str = ""

    def has_permission(self, request, view) -> bool:
        return actor_role_of(request.user) == self.role


class IsCoordinator(_HasRole):
    role = ActorRole.COORDINATOR


class IsInstitutionStaff(_HasRole):
    role = ActorRole.INSTITUTION


class IsMediator(_HasRole):
    role = ActorRole.MEDIATOR


class IsInstitutionAdmin(BasePermission):
    def has_permission(self, request, view) -> bool:
        staff = acting_as(request.user, ActorRole.INSTITUTION)
        return staff is not None and staff.is_admin


class MethodPermissionsMixin:
    """Different permissions per HTTP method on one path, e.g. GET for staff, POST for
    coordinators: ``method_permissions = {"GET": [...], "POST": [...]}``.

    The default permissions (signed in) always apply first, so anonymous callers get 401.
    """

    method_permissions: dict[str, list[type[BasePermission]]] = {}

    def get_permissions(self):
        base = super().get_permissions()  # type: ignore[misc]
        extra = self.method_permissions.get(self.request.method, [])  # type: ignore[attr-defined]
        return [*base, *(permission() for permission in extra)]
