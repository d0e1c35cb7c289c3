"""Who read or changed a booking (PRODUCT.md, "Privacy and trust").

A read is recorded where the booking is shown (the API's detail, the pages); a change is
recorded by the service that makes it, in its own transaction, whichever way it was called
(API, page, signed link, admin action, command): ``access_log_change``.
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

from ..models import AccessLog, Booking

READ = "read"
CHANGE = "change"


def access_log_record(
    *, booking: Booking, user: AbstractBaseUser | AnonymousUser | None, action: str
) -> AccessLog:
    """One row per read of a booking's details and per change a person makes."""
    if action not in (READ, CHANGE):
        raise ValueError(f"unknown access action: {action}")
    user_id = user.pk if user is not None and user.is_authenticated else None
    return AccessLog.objects.create(booking=booking, user_id=user_id, action=action)


def access_log_change(
    *, booking: Booking, actor: AbstractBaseUser | AnonymousUser | None
) -> AccessLog | None:
    """The change row of a service that changed the booking on a person's behalf; call it
    inside the service's transaction. A change nobody signed in made (the matching engine,
    the planner's command) is in the booking's events only."""
    if actor is None or not actor.is_authenticated:
        return None
    return access_log_record(booking=booking, user=actor, action=CHANGE)
