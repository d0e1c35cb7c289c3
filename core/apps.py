from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "core"

    def ready(self) -> None:
        from django.contrib.auth import get_user_model
        from django.db.models.signals import post_save

        post_save.connect(
            _revoke_on_password_change,
            sender=get_user_model(),
            dispatch_uid="core.credentials.revoke_on_password_change",
        )


def _revoke_on_password_change(sender, instance, created: bool, **kwargs) -> None:
    """``set_password`` leaves the new password in ``_password`` until the save: a saved
    password change (the pages' change and reset, the admin, a command) revokes the person's
    tokens and sessions. The session of the person who changed it is kept by Django's views
    (``update_session_auth_hash`` moves it to a new key)."""
    if created or getattr(instance, "_password", None) is None:
        return
    from .credentials import credentials_revoke_all

    credentials_revoke_all(instance)
