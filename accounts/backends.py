"""The sign-in backend of the pages and the admin: Django's ``ModelBackend``, but the user
of a signed-in request is read in one query with what every request asks of them - their
role rows (``core.roles.ROLE_ROWS``: a missing row is known to be missing) and whether they
have a confirmed authenticator (``accounts.middleware.SecondFactorMiddleware``) - instead of
one query for the user and four more for the checks (docs/operations.md, "What a request
costs"). Signing in (``authenticate``, password checks, ``user_can_authenticate``) is
``ModelBackend``'s, unchanged.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.db.models import Exists, OuterRef
from django_otp.plugins.otp_totp.models import TOTPDevice

from core.roles import ROLE_ROWS

# The annotation ``get_user`` gives the user: has a confirmed authenticator (TOTP), as read
# at the start of the request (``selectors.second_factor_needed(as_loaded=True)``).
HAS_SECOND_FACTOR = "loaded_has_second_factor"


class RoleModelBackend(ModelBackend):
    def get_user(self, user_id: Any) -> Any:
        confirmed = TOTPDevice.objects.filter(user_id=OuterRef("pk"), confirmed=True)
        user = (
            get_user_model()
            ._default_manager.select_related(*ROLE_ROWS)
            .annotate(**{HAS_SECOND_FACTOR: Exists(confirmed)})
            .filter(pk=user_id)
            .first()
        )
        return user if user is not None and self.user_can_authenticate(user) else None
