"""Who read or changed a booking (PRODUCT.md, "Privacy and trust")."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

from ..models import AccessLog, Booking

READ = "read"
CHANGE = "change"


def access_log_record(
    *, booking: Booking, user: AbstractBaseUser | AnonymousUser | None, action: str
) -> AccessLog:
    """One row per read of a booking's details and per change made through the API."""
    if action not in (READ, CHANGE):
        raise ValueError(f"unknown access action: {action}")
    user_id = user.pk if user is not None and user.is_authenticated else None
    return AccessLog.objects.create(booking=booking, user_id=user_id, action=action)
