"""The database of every bench: the one of ``DATABASE_URL``, on PostgreSQL, used one way.

- ``require_postgres`` / ``require_redis``: ``python -m bench`` checks before it runs
  anything, so a run without the services stops at once with one clear message.
- ``ensure_database``: the database is created if missing and migrated once per process.
- ``bench_pool(slug)``: the bench's data lives in a pool of its own. What an interrupted run
  left under that slug is deleted first, and everything is deleted again at the end: the
  pool, its bookings (and their events, offers, messages, reports, allowances), mediators,
  institutions, their users, and the towns, languages and dialects the bench added (they
  carry the slug: a town's district, a language's or dialect's name). One statement per
  table, rows chosen by subquery (``delete_with_dependents``): the large matching pool goes
  in about 20 s.
- ``vacuum_analyze(*models)``: after a bulk load and before any timing, ``VACUUM ANALYZE``
  of the tables filled (and ``ANALYZE`` of the tables without statistics), as autovacuum
  would have done in production. Straight after the load the planner has no statistics and
  no page is marked all-visible: the large pool's ranking measured median 67 ms, p95 222 ms
  then, 16.5 ms and 41 ms after one VACUUM ANALYZE.
"""

from __future__ import annotations

import contextlib
import functools
import operator
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any


def expect(condition: bool, what: object) -> None:
    """A bench's check of its own data or answers (not an ``assert``: it holds under
    ``python -O`` too, and bandit has nothing to say)."""
    if not condition:
        raise RuntimeError(f"bench check failed: {what}")


NEEDS_POSTGRES = (
    "make bench needs PostgreSQL: set DATABASE_URL=postgres://USER@HOST:PORT/NAME to a "
    "database of the benches' own (created if missing), e.g. "
    "DATABASE_URL=postgres://postgres@127.0.0.1:5432/spm_bench (this run would use {vendor})."
)
NEEDS_REDIS = (
    "the outbox bench needs Redis for its Celery worker: set REDIS_URL=redis://HOST:6379/N "
    "to a Redis database index of its own (it is flushed){problem}."
)


class BenchUnavailable(RuntimeError):
    """A service the chosen benches need is missing: the run stops before it begins."""


def require_postgres(connection: Any = None) -> None:
    if connection is None:
        from django.db import connection
    if connection.vendor != "postgresql":
        raise BenchUnavailable(NEEDS_POSTGRES.format(vendor=connection.vendor))


def require_redis() -> str:
    """The broker URL, once Redis answered there."""
    from redis.exceptions import RedisError

    from tests.support.live import broker_url, redis_client

    try:
        url = broker_url()
    except RuntimeError:
        raise BenchUnavailable(NEEDS_REDIS.format(problem="")) from None
    try:
        redis_client(url)
    except (RedisError, OSError, ValueError) as exc:
        raise BenchUnavailable(NEEDS_REDIS.format(problem=f"; {url} answers: {exc}")) from None
    return url


def ensure_database() -> None:
    """Connect, creating the database of ``DATABASE_URL`` if it does not exist yet."""
    from django.db import OperationalError, connection

    try:
        connection.ensure_connection()
        return
    except OperationalError as exc:
        if "does not exist" not in str(exc):
            raise BenchUnavailable(f"make bench cannot reach PostgreSQL: {exc}") from None
    name = connection.settings_dict["NAME"]
    with connection._nodb_cursor() as cursor:
        cursor.execute(f"CREATE DATABASE {connection.ops.quote_name(name)}")
    print(f"created database {name}", file=sys.stderr, flush=True)
    connection.ensure_connection()


@functools.cache
def ensure_migrated() -> None:
    """``migrate``, once per process, whichever bench asks first."""
    from django.core.management import call_command

    ensure_database()
    call_command("migrate", verbosity=0, interactive=False)


@dataclass
class BenchPool:
    """A bench's own pool, and the shared rows it needs, marked so cleaning finds them."""

    pool: Any

    @property
    def slug(self) -> str:
        return self.pool.slug

    @property
    def mark(self) -> str:
        return f"[{self.slug}]"

    def username(self, name: object) -> str:
        return f"{self.slug}-{name}"

    def town(self, name: str, *, latitude: float = 51.25, longitude: float = 6.39) -> Any:
        from institutions.models import Town

        town, _ = Town.objects.get_or_create(
            name=name, district=self.slug, defaults={"latitude": latitude, "longitude": longitude}
        )
        return town

    def language(self, code: str) -> Any:
        """The language of that ISO 639-3 code; one the migrations did not seed is added,
        named after the bench, and deleted with the pool."""
        from mediators.models import Language

        name = f"{code} {self.mark}"
        language, _ = Language.objects.get_or_create(
            code=code, defaults={"name_de": name, "name_en": name}
        )
        return language

    def dialect(self, language: Any, code: str) -> Any:
        from mediators.models import Dialect

        name = f"{code} {self.mark}"
        dialect, _ = Dialect.objects.get_or_create(
            language=language, code=code, defaults={"name_de": name, "name_en": name}
        )
        return dialect


@contextlib.contextmanager
def bench_pool(slug: str, **fields: Any) -> Iterator[BenchPool]:
    """A fresh pool ``slug`` (``fields`` as for ``Pool``), everything of it deleted after."""
    from institutions.models import Pool

    ensure_migrated()
    clean(slug)
    fields.setdefault("name", f"Bench {slug}")
    try:
        yield BenchPool(Pool.objects.create(slug=slug, **fields))
    finally:
        clean(slug)


@contextlib.contextmanager
def bench_pools(slugs: list[str], **fields: Any) -> Iterator[list[BenchPool]]:
    """Fresh pools ``slugs`` (named "Bench <slug>" unless ``fields`` say otherwise), all
    deleted together after: one statement per table for all of them (the state's fifty pools
    and million bookings in minutes, not one pool after another)."""
    from institutions.models import Pool

    ensure_migrated()
    clean(*slugs)
    try:
        yield [
            BenchPool(Pool.objects.create(slug=slug, **{"name": f"Bench {slug}", **fields}))
            for slug in slugs
        ]
    finally:
        clean(*slugs)


def clean(*slugs: str) -> None:
    """Delete the pools ``slugs`` and every row a bench made for them."""
    from django.contrib.auth import get_user_model
    from django.db import transaction
    from django.db.models import ProtectedError, Q

    from institutions.models import Pool, Town
    from mediators.models import Dialect, Language

    user_model = get_user_model()
    marks = [f" [{slug}]" for slug in slugs]
    with transaction.atomic():
        users = user_model.objects.filter(
            _any(Q(username__startswith=f"{slug}-") for slug in slugs)
            | Q(mediator__pool__slug__in=slugs)
            | Q(staff__institution__pool__slug__in=slugs)
            | Q(coordinator__pool__slug__in=slugs)
        )
        user_ids = list(users.values_list("pk", flat=True))
        delete_with_dependents(user_model.objects.filter(pk__in=user_ids))
        delete_with_dependents(Pool.objects.filter(slug__in=slugs))
        Town.objects.filter(district__in=slugs).delete()
        Dialect.objects.filter(_any(Q(name_en__endswith=mark) for mark in marks)).delete()
    for language in Language.objects.filter(_any(Q(name_en__endswith=mark) for mark in marks)):
        # Another bench's pool, left by an interrupted run, may still use it: that run's
        # cleaning deletes it then.
        with contextlib.suppress(ProtectedError), transaction.atomic():
            language.delete()


def _any(conditions: Iterator[Any]) -> Any:
    """The conditions joined with OR."""
    return functools.reduce(operator.or_, conditions)


def delete_with_dependents(queryset: Any, depth: int = 0) -> None:
    """Delete ``queryset``'s rows and, first, every row that refers to them, as far as the
    references go; a nullable ``SET_NULL`` reference is set to NULL instead. ``PROTECT`` is
    followed like ``CASCADE``: what hangs off a bench's pool or users is the bench's.

    Django's ``delete()`` does the same but loads every row into Python and names them in
    lists of ids: two minutes for the large matching pool. Here each table gets one
    statement choosing its rows by subquery.
    """
    from django.db import models

    if depth > 10:
        raise RuntimeError(f"references too deep below {queryset.model._meta.label}")
    for rel in queryset.model._meta.get_fields(include_hidden=True):
        if not (rel.auto_created and not rel.concrete and (rel.one_to_many or rel.one_to_one)):
            continue
        related = rel.related_model._base_manager.filter(**{f"{rel.field.name}__in": queryset})
        if rel.on_delete is models.SET_NULL:
            related.update(**{rel.field.name: None})
        elif rel.on_delete in (models.CASCADE, models.PROTECT):
            delete_with_dependents(related, depth + 1)
        elif rel.on_delete is not models.DO_NOTHING:
            raise NotImplementedError(f"{rel.field} has on_delete={rel.on_delete.__name__}")
    queryset._raw_delete(queryset.db)


def vacuum_analyze(*models: Any) -> list[str]:
    """``VACUUM ANALYZE`` the tables of ``models`` (those a bench filled), then ``ANALYZE``
    every table without statistics yet; returns the names of the first.

    The second part matters as much: autovacuum never visits a table nothing was written to,
    and for one never analyzed the planner guesses ten pages of rows. In production those
    tables (offers, standbys, blocks, ...) have rows and statistics. On the large pool the
    ranking measured median 70 ms, p95 370 ms with the filled tables VACUUM ANALYZEd only,
    55 ms and 113 ms with the empty tables ANALYZEd as well (load average 6).

    VACUUM cannot run inside a transaction: call it outside ``atomic()`` (Django's
    connection is in autocommit there).
    """
    from django.db import connection

    if connection.in_atomic_block:
        raise RuntimeError("VACUUM cannot run inside a transaction: call it outside atomic()")
    quote = connection.ops.quote_name
    tables = list(dict.fromkeys(model._meta.db_table for model in models))
    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE) " + ", ".join(quote(t) for t in tables))
        # reltuples -1: never vacuumed nor analyzed, the planner's default guess.
        cursor.execute(
            "SELECT relname FROM pg_class WHERE relkind IN ('r', 'p') AND reltuples < 0"
            " AND relnamespace = current_schema()::regnamespace"
        )
        unknown = [name for (name,) in cursor.fetchall()]
        if unknown:
            cursor.execute("ANALYZE " + ", ".join(quote(t) for t in unknown))
    return tables
