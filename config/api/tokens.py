"""How an API token signs a request in: django-rest-knox's ``TokenAuthentication``, with two
queries fewer on every request (docs/operations.md, "What a request costs").

- The token is read with its user and the user's role rows (``core.roles.ROLE_ROWS``), so the
  role permissions (``IsMediator``, ...) ask the database nothing more.
- knox reads all of the user's tokens on every request, to delete the expired ones among
  them. An expired token never signs anything in (its own expiry is checked here, and the
  token is deleted then, as knox does) and is never listed (``core.credentials.tokens_of``);
  the user's other expired tokens are deleted when a new token is issued
  (``config.api.auth.TokenApi``), not on every request.
"""

from __future__ import annotations

import binascii
from hmac import compare_digest

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.contrib.knox_auth_token import KnoxTokenScheme
from knox.auth import TokenAuthentication
from knox.crypto import hash_token
from knox.models import get_token_model
from knox.settings import CONSTANTS, knox_settings
from knox.signals import token_expired
from rest_framework import exceptions

from core.roles import ROLE_ROWS


class RoleTokenAuthentication(TokenAuthentication):
    def authenticate_credentials(self, token: bytes):
        """knox's own check (the tokens with this key, each compared by its digest), with
        the user and their role rows read in the same query."""
        msg = _("Invalid token.")
        text = token.decode("utf-8")
        candidates = (
            get_token_model()
            .objects.filter(token_key=text[: CONSTANTS.TOKEN_KEY_LENGTH])
            .select_related("user", *(f"user__{row}" for row in ROLE_ROWS))
        )
        for auth_token in candidates:
            if self._cleanup_token(auth_token):
                continue
            try:
                digest = hash_token(text)
            except (TypeError, binascii.Error) as exc:
                raise exceptions.AuthenticationFailed(msg) from exc
            if compare_digest(digest, auth_token.digest):
                if knox_settings.AUTO_REFRESH and auth_token.expiry:
                    self.renew_token(auth_token)
                return self.validate_user(auth_token)
        raise exceptions.AuthenticationFailed(msg)

    def _cleanup_token(self, auth_token) -> bool:
        """True (and the token deleted) when the token has expired; the user's other tokens
        are left alone (see the module)."""
        if auth_token.expiry is not None and auth_token.expiry < timezone.now():
            username = auth_token.user.get_username()
            auth_token.delete()
            token_expired.send(sender=self.__class__, username=username, source="auth_token")
            return True
        return False


class RoleTokenScheme(KnoxTokenScheme):
    """The OpenAPI schema describes it as knox's token (``Authorization: Token ...``)."""

    target_class = "config.api.tokens.RoleTokenAuthentication"
