"""Second factors for the tests: a person who has set up an authenticator, its current
code (django-otp's own TOTP), a recovery code, and a signed-in test client whose session
has given its code (what a coordinator's session holds after the second step)."""

from __future__ import annotations

import time

from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.selectors import second_factor_needed


def authenticator(user) -> TOTPDevice:
    """The user's confirmed authenticator (set up now if they have none)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    return device or TOTPDevice.objects.create(user=user, name="authenticator", confirmed=True)


def code_of(device: TOTPDevice, *, at: float | None = None) -> str:
    """The six digits the authenticator app shows (at ``at``, now by default)."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() if at is None else at
    return f"{totp.token():0{device.digits}d}"


def code_from_secret(secret: str, *, at: float | None = None) -> str:
    """The code from the key shown on the set-up page (base32, as a person types it)."""
    from base64 import b32decode

    key = b32decode(secret.replace(" ", "").upper())
    totp = TOTP(key)
    totp.time = time.time() if at is None else at
    return f"{totp.token():06d}"


def recovery_code(user) -> str:
    """A fresh one-time recovery code of the user."""
    device = StaticDevice.objects.filter(user=user, confirmed=True).first()
    device = device or StaticDevice.objects.create(user=user, name="recovery", confirmed=True)
    token = StaticToken.random_token()
    StaticToken.objects.create(device=device, token=token)
    return token


def mark_verified(client, user) -> None:
    """After ``client.force_login(user)``: a person who needs a second factor has given it
    in this session (with their authenticator, set up if they had none)."""
    if not second_factor_needed(user):
        return
    device = authenticator(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
