"""What sign-in security reads: who needs a second factor, whose lock-outs a coordinator
sees."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Max, Q, QuerySet, Sum
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from core.constants import ActorRole
from core.roles import actor_role_of
from institutions.selectors import coordinator_of

from .backends import HAS_SECOND_FACTOR
from .lockout import SET_PASSWORD, backoff
from .models import DemoAccount


def second_factor_required(user: Any) -> bool:
    """Coordinators and anyone with admin access must sign in with a second factor, except
    the demo's accounts where ``settings.MFA_DEMO_EXEMPTION`` is on (never in production)."""
    if user is None or not user.is_authenticated:
        return False
    if not (user.is_staff or user.is_superuser or actor_role_of(user) == ActorRole.COORDINATOR):
        return False
    return not second_factor_exempt(user)


def second_factor_exempt(user: Any) -> bool:
    """A demo account, where the settings allow the exemption."""
    if not getattr(settings, "MFA_DEMO_EXEMPTION", False):
        return False
    return DemoAccount.objects.filter(user_id=user.pk).exists()


def has_second_factor(user: Any, *, as_loaded: bool = False) -> bool:
    """The user has a confirmed authenticator (TOTP) device. ``as_loaded``: as read with the
    user at the start of the request (``backends.RoleModelBackend``), where it was; the
    request's middleware asks so (one query fewer), a page that has just set one up asks
    the database."""
    if user is None or not user.is_authenticated:
        return False
    if as_loaded and hasattr(user, HAS_SECOND_FACTOR):
        return bool(getattr(user, HAS_SECOND_FACTOR))
    return TOTPDevice.objects.filter(user_id=user.pk, confirmed=True).exists()


def second_factor_needed(user: Any, *, as_loaded: bool = False) -> bool:
    """Must this signed-in user give a code before going on? Everyone who has set up an
    authenticator (optional or not), and everyone for whom it is required."""
    return has_second_factor(user, as_loaded=as_loaded) or second_factor_required(user)


def recovery_codes_left(user: Any) -> int:
    """How many unused recovery codes the user has."""
    return StaticToken.objects.filter(device__user_id=user.pk, device__confirmed=True).count()


def people_of_pool(pool: Any) -> QuerySet:
    """The accounts of a pool's coordinators, institution staff and mediators."""
    return get_user_model().objects.filter(
        Q(coordinator__pool=pool) | Q(staff__institution__pool=pool) | Q(mediator__pool=pool)
    )


def person_in_reach(actor: Any, user_id: int) -> Any | None:
    """A person of the coordinator's pool (None otherwise); a superuser reaches everyone."""
    users = get_user_model().objects.all()
    if not actor.is_superuser:
        coordinator = coordinator_of(actor)
        if coordinator is None:
            return None
        users = people_of_pool(coordinator.pool)
    return users.filter(pk=user_id).first()


@dataclass(frozen=True)
class Lockout:
    """One person's account locked out: which way in (sign-in, set-password link), since
    how many failures and until when."""

    user: Any
    way: str
    failures: int
    until: datetime.datetime


def lockouts_for(actor: Any, *, now: datetime.datetime) -> list[Lockout]:
    """The current lock-outs of the people the coordinator reaches (their pool's)."""
    coordinator = coordinator_of(actor)
    if coordinator is None and not actor.is_superuser:
        return []
    people = (
        people_of_pool(coordinator.pool)
        if coordinator is not None
        else get_user_model().objects.all()
    )
    usernames = {u.username: u for u in people.only("id", "username", "first_name", "last_name")}
    keys = set(usernames) | {SET_PASSWORD + name for name in usernames}
    since = now - datetime.timedelta(hours=settings.LOCKOUT_MEMORY_HOURS)
    rows = (
        AccessAttempt.objects.filter(username__in=keys, attempt_time__gte=since)
        .values("username")
        .annotate(failures=Sum("failures_since_start"), last=Max("attempt_time"))
        .order_by("username")
    )
    found = []
    for row in rows:
        key = row["username"]
        if row["failures"] < settings.LOCKOUT_ACCOUNT_FAILURES:
            continue
        until = row["last"] + backoff(row["failures"] - settings.LOCKOUT_ACCOUNT_FAILURES)
        if until <= now:
            continue
        way = "set-password" if key.startswith(SET_PASSWORD) else "sign-in"
        user = usernames[key.removeprefix(SET_PASSWORD)]
        found.append(Lockout(user=user, way=way, failures=row["failures"], until=until))
    return found
