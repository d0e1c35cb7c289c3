"""The delivery settings: ``settings.NOTIFICATIONS_<NAME>`` or the default in constants."""

from django.conf import settings

from .constants import DEFAULTS


def setting(name: str) -> int:
    return int(getattr(settings, f"NOTIFICATIONS_{name}", DEFAULTS[name]))
