"""The second factor at the API's token endpoint (core.second_factor names this)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from .lockout import attempt_failed
from .selectors import second_factor_needed
from .services import second_factor_verify


def token_second_factor_check(request: Any, user: Any, code: str | None) -> str | None:
    """Who needs a second factor on the pages needs it for a token too: the ``otp`` field
    then carries the authenticator's code (or a recovery code). None: a token may be given."""
    if not second_factor_needed(user):
        return None
    if not code:
        return _("Give the code from your authenticator app (otp).")
    if second_factor_verify(user, code) is None:
        attempt_failed(request, user.get_username())
        return _("The code is not right.")
    return None
