"""What changes sign-in security: enrolling and checking a second factor, resetting it,
lifting a lock-out."""

from __future__ import annotations

from typing import Any

from axes.models import AccessAttempt
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from .lockout import PASSWORD_RESET, SET_PASSWORD
from .selectors import person_in_reach

RECOVERY_CODES = 10
AUTHENTICATOR = "authenticator"
RECOVERY = "recovery codes"


def totp_enrolment_start(user: Any) -> TOTPDevice:
    """The user's authenticator being set up (a new secret, unconfirmed until a code from
    it is given); the same one again while it is not confirmed."""
    device = TOTPDevice.objects.filter(user_id=user.pk, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=AUTHENTICATOR, confirmed=False)
    return device


@transaction.atomic
def totp_enrolment_confirm(user: Any, code: str) -> list[str] | None:
    """Confirm the authenticator being set up with a code from it. Returns the new recovery
    codes (shown once), or None when the code is wrong."""
    device = TOTPDevice.objects.select_for_update().filter(user_id=user.pk, confirmed=False).first()
    if device is None or not device.verify_token(_digits(code)):
        return None
    TOTPDevice.objects.filter(user_id=user.pk).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    return recovery_codes_renew(user)


@transaction.atomic
def recovery_codes_renew(user: Any) -> list[str]:
    """New recovery codes; the old ones stop working."""
    StaticDevice.objects.filter(user_id=user.pk).delete()
    device = StaticDevice.objects.create(user=user, name=RECOVERY, confirmed=True)
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODES)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=code) for code in codes])
    return codes


def second_factor_verify(user: Any, code: str) -> Any | None:
    """The device that accepts the code (the authenticator's six digits, or one recovery
    code, used up then); None if none does. django-otp throttles each device on its own
    (every failure doubles its wait)."""
    code = (code or "").strip()
    if not code or len(code) > 32:
        return None
    with transaction.atomic():
        for device in TOTPDevice.objects.select_for_update().filter(
            user_id=user.pk, confirmed=True
        ):
            if device.verify_token(_digits(code)):
                return device
        for device in StaticDevice.objects.select_for_update().filter(
            user_id=user.pk, confirmed=True
        ):
            if device.verify_token(code.replace(" ", "").lower()):
                return device
    return None


@transaction.atomic
def second_factor_remove(user: Any) -> None:
    """The user turns their own (optional) second factor off."""
    TOTPDevice.objects.filter(user_id=user.pk).delete()
    StaticDevice.objects.filter(user_id=user.pk).delete()


@transaction.atomic
def second_factor_reset(*, actor: Any, user_id: int) -> Any:
    """A coordinator resets the second factor of a person of their pool (a superuser: of
    anyone), e.g. after a lost phone: the authenticator and the recovery codes are removed,
    so the person sets up a new one at their next sign-in (if it is required) or may.
    Outside reach: PermissionDenied."""
    user = person_in_reach(actor, user_id)
    if user is None:
        raise PermissionDenied
    second_factor_remove(user)
    return user


@transaction.atomic
def lockout_lift(*, actor: Any, user_id: int) -> int:
    """A coordinator lifts the lock-out of a person of their pool: the failures of their
    account (sign-in and set-password link, from every address) are forgotten. Returns the
    number of rows removed. Outside reach: PermissionDenied."""
    user = person_in_reach(actor, user_id)
    if user is None:
        raise PermissionDenied
    return lockout_forget(user.get_username())


def lockout_forget(username: str) -> int:
    """Forget the failures of an account (every way in, every address)."""
    keys = [username, SET_PASSWORD + username]
    count, _ = AccessAttempt.objects.filter(username__in=keys).delete()
    return count


def password_reset_key(email: str) -> str:
    return PASSWORD_RESET + (email or "").strip().lower()[:200]


def _digits(code: str) -> str:
    return "".join(ch for ch in (code or "") if not ch.isspace())
