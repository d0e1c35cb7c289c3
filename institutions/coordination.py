"""The "Koordination" group: what coordinators may do in the Django admin.

The admin scopes every row to the coordinator's own pool (``institutions.admin_scoping``);
this group only says which kinds of rows they may view, add, change or delete. Seeded by a
data migration and brought up to date after every ``migrate`` (``InstitutionsConfig.ready``)
and by ``load_demo``: add a new model here and the group follows.
"""

from __future__ import annotations

from typing import Any

COORDINATION_GROUP = "Koordination"

_ALL = ("view", "add", "change", "delete")
_EDIT = ("view", "add", "change")
_VIEW = ("view",)

COORDINATION_PERMISSIONS: dict[str, dict[str, tuple[str, ...]]] = {
    "institutions": {
        "pool": ("view", "change"),
        "compensationrule": _EDIT,
        "coordinator": _VIEW,
        "town": _VIEW,
        "postalcode": _VIEW,
        "institution": _EDIT,
        "location": _ALL,
        "staff": _ALL,
        "fundingsource": _EDIT,
        "budget": _ALL,
    },
    "mediators": {
        "language": _EDIT,
        "dialect": _EDIT,
        "mediator": _EDIT,
        "mediatorlanguage": _ALL,
        "availabilityslot": _ALL,
        "absence": _ALL,
        "conflictofinterest": _ALL,
        "institutionblock": _ALL,
        "mediatorapplication": ("view", "change"),
    },
    "bookings": {
        "booking": ("view", "change"),
        "bookingseries": _VIEW,
        "bookingevent": _VIEW,
        "offer": _VIEW,
        "standby": _VIEW,
        "alert": ("view", "change"),
        "report": _VIEW,
        "feedback": _VIEW,
        "allowance": _VIEW,
        "accesslog": _VIEW,
    },
    "notifications": {"message": ("view", "change")},
}


def coordination_codenames() -> list[tuple[str, str]]:
    """(app_label, codename) of every permission of the group."""
    return [
        (app_label, f"{action}_{model}")
        for app_label, models in COORDINATION_PERMISSIONS.items()
        for model, actions in models.items()
        for action in actions
    ]


def coordination_group_sync(*, group_model: Any = None, permission_model: Any = None) -> Any:
    """Create the group if missing and give it exactly the permissions above that exist.

    Pass historical models from a migration; by default the real ones are used.
    """
    if group_model is None or permission_model is None:
        from django.contrib.auth.models import Group, Permission

        group_model, permission_model = Group, Permission
    group, _ = group_model.objects.get_or_create(name=COORDINATION_GROUP)
    wanted = coordination_codenames()
    by_app: dict[str, list[str]] = {}
    for app_label, codename in wanted:
        by_app.setdefault(app_label, []).append(codename)
    permissions = []
    for app_label, codenames in by_app.items():
        permissions += list(
            permission_model.objects.filter(
                content_type__app_label=app_label, codename__in=codenames
            )
        )
    group.permissions.set(permissions)
    return group
