"""The one table of our own: which accounts ``load_demo`` made. The lock-out's attempts are
django-axes' (``axes.AccessAttempt``), the second factors django-otp's devices."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class DemoAccount(models.Model):
    """An account the demo loader created, with the published demo password. It may sign in
    without a second factor only where ``settings.MFA_DEMO_EXEMPTION`` is on (the local
    settings); production pins that setting off, so the row changes nothing there."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="demo_account",
        verbose_name=_("user"),
    )

    class Meta:
        verbose_name = _("demo account")
        verbose_name_plural = _("demo accounts")

    def __str__(self) -> str:
        return str(self.user)
