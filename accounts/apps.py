from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    """Sign-in security: the lock-out after failed attempts (django-axes) and the second
    factor (django-otp)."""

    name = "accounts"
    verbose_name = _("Sign-in security")
    default_auto_field = "django.db.models.BigAutoField"
