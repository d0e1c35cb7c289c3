"""Taking back everything a person signs in with: API tokens and web sessions.

``credentials_revoke_all`` is the one place that does it; erasure calls it (and so will a
password change, a password reset and a coordinator's pause). When the API tokens move to
hashed, expiring tokens, this function deletes those instead of DRF's plain tokens.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.models import Session
from django.utils import timezone
from rest_framework.authtoken.models import Token

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser


def credentials_revoke_all(user: AbstractBaseUser) -> int:
    """Delete every API token and every web session of ``user``; returns how many. Call it
    in the transaction of the change that makes them invalid."""
    tokens, _ = Token.objects.filter(user_id=user.pk).delete()
    # The database session store keeps the user's id inside the encoded session data: read
    # the sessions that have not expired (few: one per signed-in browser) and delete theirs.
    mine = [
        session.pk
        for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator()
        if str(session.get_decoded().get(SESSION_KEY)) == str(user.pk)
    ]
    sessions, _ = Session.objects.filter(pk__in=mine).delete()
    return tokens + sessions
