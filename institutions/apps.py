from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class InstitutionsConfig(AppConfig):
    name = "institutions"
    verbose_name = _("Pools and institutions")

    def ready(self) -> None:
        # Permissions of models added later reach the "Koordination" group after each migrate
        # (as Django's own permissions, this is set-up, not business logic).
        post_migrate.connect(_sync_coordination_group, dispatch_uid="coordination_group_sync")


def _sync_coordination_group(sender: AppConfig, using: str = "default", **kwargs: object) -> None:
    from django.apps import apps
    from django.contrib.auth.management import create_permissions

    from .coordination import COORDINATION_PERMISSIONS, coordination_group_sync

    # Run once, after the last of our apps has had its permissions created.
    if sender.label != list(COORDINATION_PERMISSIONS)[-1]:
        return
    for label in COORDINATION_PERMISSIONS:
        create_permissions(apps.get_app_config(label), verbosity=0, using=using)
    coordination_group_sync()
