"""The second factor at the API's token endpoint.

``POST /api/v1/auth/token/`` (config's API plumbing, which needs core only) hands out a
token only to someone who also gives a code from their second factor when they need one.
``settings.SECOND_FACTOR_TOKEN_CHECK`` names the function of the accounts app that decides
(``accounts.api.token_second_factor_check``), as ``ACCOUNT_INVITATION_SERVICE`` names the
invitation's: the settings bind the layers.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.utils.module_loading import import_string


def token_second_factor_check(request: Any, user: Any, code: str | None) -> str | None:
    """None when ``user`` may have a token (no second factor needed, or ``code`` is right);
    otherwise why not, to show next to the ``otp`` field. A wrong code counts as a failed
    sign-in attempt for the lock-out."""
    check = import_string(settings.SECOND_FACTOR_TOKEN_CHECK)
    return check(request, user, code)
