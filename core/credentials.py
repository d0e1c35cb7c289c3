"""A person's credentials: the API tokens (django-rest-knox, stored as SHA-512 hashes, each
with its expiry) and the signed-in browser sessions.

``credentials_revoke_all`` takes all of them back at once. It runs when the password is
changed or reset (any way: the pages, the admin, ``set_password`` anywhere: see
``CoreConfig.ready``), when a coordinator pauses a mediator (``mediators.services``) and
when a person is erased (``bookings.privacy.erasure``). Any other service that must shut a
person out calls it too, in the transaction of the change that makes them invalid.
"""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING

from django.contrib.sessions.models import Session
from django.db import transaction
from django.utils import timezone
from knox.models import AuthToken
from knox.settings import knox_settings

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser


def tokens_of(user: AbstractBaseUser, *, now: datetime.datetime | None = None):
    """The person's API tokens that still work, newest first."""
    now = now or timezone.now()
    return (
        AuthToken.objects.filter(user=user)
        .exclude(expiry__lte=now)
        .order_by("-created", "token_key")
    )


def token_issue(*, user: AbstractBaseUser, now: datetime.datetime | None = None):
    """A new API token for ``user`` (``(instance, token)``, as knox creates it); the user's
    expired tokens are deleted at the same time (they never sign anything in; knox would
    look for them on every request, ``config.api.tokens`` does it here)."""
    now = now or timezone.now()
    with transaction.atomic():
        AuthToken.objects.filter(user=user, expiry__lte=now).delete()
        return AuthToken.objects.create(user=user, expiry=knox_settings.TOKEN_TTL)


def token_revoke(*, user: AbstractBaseUser, token_key: str) -> bool:
    """Revoke one of the person's own tokens, named by its ``token_key`` (the first
    characters of the token, the one part the list shows). False when there is none."""
    deleted, _kinds = AuthToken.objects.filter(user=user, token_key=token_key).delete()
    return bool(deleted)


def credentials_revoke_all(user: AbstractBaseUser, *, keep_session_key: str | None = None) -> int:
    """Delete every API token and end every browser session of ``user`` (but the session
    ``keep_session_key``). Answers how many tokens and sessions were taken back."""
    with transaction.atomic():
        tokens, _kinds = AuthToken.objects.filter(user=user).delete()
        user_id = str(user.pk)
        # Sessions store the user inside the signed data: only the live ones are read, and
        # with the 30-minute idle limit those are few.
        sessions = [
            session.session_key
            for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator()
            if session.session_key != keep_session_key
            and session.get_decoded().get("_auth_user_id") == user_id
        ]
        Session.objects.filter(session_key__in=sessions).delete()
    return tokens + len(sessions)
