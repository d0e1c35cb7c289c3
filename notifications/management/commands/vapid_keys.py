"""``manage.py vapid_keys``: a new VAPID key pair for Web Push, as lines for the environment."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from notifications.push import vapid_keys_generate


class Command(BaseCommand):
    help = (
        "Print a new VAPID key pair for push notifications (VAPID_PRIVATE_KEY, "
        "VAPID_PUBLIC_KEY). A new pair ends every device's subscription: mediators turn "
        "push on again."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        private, public = vapid_keys_generate()
        self.stdout.write(f"VAPID_PRIVATE_KEY={private}")
        self.stdout.write(f"VAPID_PUBLIC_KEY={public}")
        self.stdout.write("VAPID_SUBJECT=mailto:<the pool's technical contact>")
