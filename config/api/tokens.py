"""How an API token signs a request in: django-rest-knox's ``TokenAuthentication``, with two
queries fewer on every request (docs/operations.md, "What a request costs").

- The token is read with its user and the user's role rows (``core.roles.ROLE_ROWS``), so the
  role permissions (``IsMediator``, ...) ask the database nothing more. The statement is
  written once per process (``_TokenRead``): the ORM compiled its five tables' 54 columns
  anew on every request, 1.2 ms of the 2 ms the check cost.
- knox reads all of the user's tokens on every request, to delete the expired ones among
  them. An expired token never signs anything in (its own expiry is checked here, and the
  token is deleted then, as knox does) and is never listed (``core.credentials.tokens_of``);
  the user's other expired tokens are deleted when a new token is issued
  (``config.api.auth.TokenApi``), not on every request.
"""

from __future__ import annotations

import binascii
from collections.abc import Callable
from dataclasses import dataclass
from hmac import compare_digest
from typing import Any

from django.db import connections, router
from django.db.models import Model
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
        for auth_token in _token_read().tokens(text[: CONSTANTS.TOKEN_KEY_LENGTH]):
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


@dataclass(frozen=True)
class _Columns:
    """One model's columns in the row: where they are, and how each value is read."""

    model: type[Model]
    start: int
    attnames: list[str]
    pk: int  # the primary key's column in the row
    converters: list[tuple[int, list[Callable], Any]]  # (column, converters, expression)

    def instance(self, db: str, row: list) -> Model:
        return self.model.from_db(
            db, self.attnames, row[self.start : self.start + len(self.attnames)]
        )


@dataclass(frozen=True)
class _TokenRead:
    """What ``Token.objects.filter(token_key=...).select_related("user", "user__<role>",
    ...)`` reads, in the same one statement, written once per database: the instances
    come out as the ORM makes them (``Model.from_db``, the database's converters, the
    user cached on the token, each role row or its absence cached on the user)."""

    db: str
    sql: str
    token: _Columns
    user: _Columns
    user_field: Any  # the token's foreign key to its user
    roles: list[tuple[Any, _Columns]]  # (the user's reverse one-to-one, its columns)

    @classmethod
    def build(cls, db: str) -> _TokenRead:
        connection = connections[db]
        quote = connection.ops.quote_name
        token_model = get_token_model()
        user_field = token_model._meta.get_field("user")
        user_model = user_field.related_model
        columns: list[str] = []

        def add(model: type[Model]) -> _Columns:
            table = model._meta.db_table
            start = len(columns)
            converters = []
            for index, field in enumerate(model._meta.concrete_fields):
                columns.append(f"{quote(table)}.{quote(field.column)}")
                col = field.get_col(table)
                found = connection.ops.get_db_converters(col) + col.get_db_converters(connection)
                if found:
                    converters.append((start + index, found, col))
            attnames = [field.attname for field in model._meta.concrete_fields]
            pk = start + attnames.index(model._meta.pk.attname)
            return _Columns(model, start, attnames, pk, converters)

        token, user = add(token_model), add(user_model)
        user_table = quote(user_model._meta.db_table)
        joins = [
            f"INNER JOIN {user_table} ON {quote(token_model._meta.db_table)}."
            f"{quote(user_field.column)} = {user_table}.{quote(user_model._meta.pk.column)}"
        ]
        roles = []
        for name in ROLE_ROWS:
            relation = user_model._meta.get_field(name)  # the reverse one-to-one
            role_table = quote(relation.related_model._meta.db_table)
            joins.append(
                f"LEFT OUTER JOIN {role_table} ON {user_table}."
                f"{quote(relation.field.target_field.column)} = "
                f"{role_table}.{quote(relation.field.column)}"
            )
            roles.append((relation, add(relation.related_model)))
        token_table = quote(token_model._meta.db_table)
        key = quote(token_model._meta.get_field("token_key").column)
        select = ", ".join(columns)
        sql = f"SELECT {select} FROM {token_table} {' '.join(joins)} WHERE {token_table}.{key} = %s"  # noqa: S608  # quoted names; the key is a parameter  # nosec B608
        return cls(db, sql, token, user, user_field, roles)

    def tokens(self, token_key: str) -> list[Any]:
        connection = connections[self.db]
        with connection.cursor() as cursor:
            cursor.execute(self.sql, [token_key])
            rows = cursor.fetchall()
        found = []
        for fetched in rows:
            row = list(fetched)
            for part in (self.token, self.user, *(columns for _relation, columns in self.roles)):
                for index, converters, expression in part.converters:
                    for convert in converters:
                        row[index] = convert(row[index], expression, connection)
            auth_token, user = self.token.instance(self.db, row), self.user.instance(self.db, row)
            self.user_field.set_cached_value(auth_token, user)
            for relation, columns in self.roles:
                role = columns.instance(self.db, row) if row[columns.pk] is not None else None
                relation.set_cached_value(user, role)
                if role is not None:
                    relation.field.set_cached_value(role, user)
            found.append(auth_token)
        return found


_READS: dict[str, _TokenRead] = {}


def _token_read() -> _TokenRead:
    db = router.db_for_read(get_token_model())
    read = _READS.get(db)
    if read is None:
        read = _READS[db] = _TokenRead.build(db)
    return read


class RoleTokenScheme(KnoxTokenScheme):
    """The OpenAPI schema describes it as knox's token (``Authorization: Token ...``)."""

    target_class = "config.api.tokens.RoleTokenAuthentication"
