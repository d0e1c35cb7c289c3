"""Secret, revocable calendar feeds of mediators and institutions.

The one module of notifications that reads bookings (README, "Layers"): a feed is the
owner's bookings, read as rows of ``APPOINTMENT_COLUMNS`` and built into events by the same
builder as the invitations (``bookings.messages.calendar.appointment_event``).

The URL's token is ``HMAC(SECRET_KEY, nonce)`` of a random nonce (256 bits); the database
keeps the nonce and ``sha256(token)`` only. Rotating draws a new nonce: the old URL's hash
no longer exists and it answers 404.
"""

from __future__ import annotations

import datetime
import hashlib
import secrets
from functools import cached_property
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, connection, transaction
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from bookings.constants import HOLDING_STATUSES, Status
from bookings.messages.calendar import APPOINTMENT_COLUMNS, appointment_event
from bookings.models import Booking

from .conf import setting
from .constants import SIDE_INSTITUTION, SIDE_MEDIATOR
from .ical import Appointment, CalendarEvent, feed
from .links import absolute_url
from .models import CalendarFeed
from .recipients import message_language

if TYPE_CHECKING:
    from institutions.models import Institution
    from mediators.models import Mediator

FEED_HMAC_SALT = "notifications.calendar-feed"


def _token(nonce: str) -> str:
    return salted_hmac(FEED_HMAC_SALT, nonce, algorithm="sha256").hexdigest()


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def feed_token(feed_row: CalendarFeed) -> str:
    return _token(feed_row.nonce)


def feed_url(feed_row: CalendarFeed) -> str:
    path = reverse("notifications:calendar-feed", kwargs={"token": feed_token(feed_row)})
    return absolute_url(path)


def _fresh_nonce() -> tuple[str, str]:
    nonce = secrets.token_hex(32)
    return nonce, token_hash(_token(nonce))


def calendar_feed_get(
    *, mediator: Mediator | None = None, institution: Institution | None = None
) -> CalendarFeed:
    """The owner's feed, made on first use."""
    owner = {"mediator": mediator} if mediator is not None else {"institution": institution}
    existing = CalendarFeed.objects.filter(**owner).first()
    if existing is not None:
        return existing
    nonce, hashed = _fresh_nonce()
    try:
        with transaction.atomic():
            return CalendarFeed.objects.create(nonce=nonce, token_hash=hashed, **owner)
    except IntegrityError:
        # Made by a concurrent request.
        return CalendarFeed.objects.get(**owner)


def calendar_feed_rotate(
    *, mediator: Mediator | None = None, institution: Institution | None = None
) -> CalendarFeed:
    """A new secret URL; the old one answers 404 from now on."""
    with transaction.atomic():
        feed_row = calendar_feed_get(mediator=mediator, institution=institution)
        feed_row = CalendarFeed.objects.select_for_update().get(pk=feed_row.pk)
        feed_row.nonce, feed_row.token_hash = _fresh_nonce()
        feed_row.save(update_fields=["nonce", "token_hash", "rotated_at"])
    return feed_row


def calendar_feed_by_token(token: str) -> CalendarFeed | None:
    if not token or len(token) > 128:
        return None
    return (
        CalendarFeed.objects.select_related("mediator__user", "institution")
        .filter(token_hash=token_hash(token))
        .first()
    )


# -- contents ------------------------------------------------------------------------------


def feed_bookings(feed_row: CalendarFeed, *, now: datetime.datetime) -> QuerySet[Booking]:
    """Confirmed (and done) bookings of the owner from a while back on, and those cancelled
    recently (shown as STATUS:CANCELLED so that calendars remove them)."""
    since = now - datetime.timedelta(days=setting("FEED_PAST_DAYS"))
    cancelled_since = now - datetime.timedelta(days=setting("FEED_CANCELLED_DAYS"))
    if feed_row.mediator_id:
        owner = Q(mediator_id=feed_row.mediator_id)
    else:
        owner = Q(institution_id=feed_row.institution_id)
    return (
        Booking.objects.filter(owner, ends_at__gte=since)
        .filter(
            Q(status__in=HOLDING_STATUSES)
            | Q(
                status=Status.CANCELLED,
                confirmed_at__isnull=False,
                updated_at__gte=cancelled_since,
            )
        )
        .order_by("starts_at", "pk")
    )


# Bump when what a feed says for the same rows changes (texts, layout), so that calendars
# holding an ETag of the old format fetch the feed again.
FEED_FORMAT = "3"


class FeedContent:
    """What a feed says. Its ETag is known before the feed is built, or even read: on
    PostgreSQL the database hashes the rows the feed would be built from, so a poll whose
    ETag still matches costs one aggregate query. A fetch that builds the feed anyway
    (nothing to compare the ETag with) reads the rows and their hash in one query
    (``read_rows_and_etag``)."""

    def __init__(self, feed_row: CalendarFeed, *, now: datetime.datetime) -> None:
        self.language = message_language(
            feed_row.mediator.language if feed_row.mediator is not None else "de"
        )
        self.side = SIDE_MEDIATOR if feed_row.mediator_id else SIDE_INSTITUTION
        with translation.override(self.language):
            self.name = f"{_('Language mediation')} · {feed_row.mediator or feed_row.institution}"
        self.query = feed_bookings(feed_row, now=now).values_list(*APPOINTMENT_COLUMNS)

    @cached_property
    def rows(self) -> list[tuple[Any, ...]]:
        return list(self.query)

    @cached_property
    def etag(self) -> str:
        fingerprint = repr((FEED_FORMAT, self.language, self.side, self.name, self._rows_digest()))
        return '"' + hashlib.sha256(fingerprint.encode()).hexdigest()[:40] + '"'

    @cached_property
    def _digest(self) -> str:
        sql, params = self.query.query.sql_with_params()
        # Django's own SQL for the feed's rows, with its parameters, wrapped in an aggregate.
        digest_sql = f"SELECT count(*), {_DIGEST} FROM ({sql}) AS r"  # noqa: S608  # Django's SQL; values are parameters  # nosec B608
        with connection.cursor() as cursor:
            cursor.execute(digest_sql, params)
            count, digest = cursor.fetchone()
        return f"{count}:{digest}"

    def _rows_digest(self) -> str:
        if connection.vendor != "postgresql":
            return hashlib.sha256(repr(self.rows).encode()).hexdigest()
        return self._digest

    def read_rows_and_etag(self) -> None:
        """The rows and the digest of ``_digest`` in one query, for a feed that is built
        anyway: the same aggregate over the same rows, as a window over all of them (in the
        same order: a window's aggregate takes its rows in the window's order), next to
        each row. Without rows the digest is the aggregate's over none."""
        if connection.vendor != "postgresql" or "rows" in self.__dict__:
            return
        compiler = self.query.query.get_compiler(using=self.query.db)
        sql, params = compiler.as_sql()
        width = len(APPOINTMENT_COLUMNS)
        # The feed's order (feed_bookings: starts_at, pk) is given again: the window sorts.
        rows_sql = (
            f"SELECT r.*, count(*) OVER w, {_WINDOW_DIGEST} FROM ({sql}) AS r "  # noqa: S608  # Django's SQL; values are parameters  # nosec B608
            "WINDOW w AS (ORDER BY r::text ROWS BETWEEN UNBOUNDED PRECEDING "
            'AND UNBOUNDED FOLLOWING) ORDER BY r."starts_at", r."pk"'
        )
        with connection.cursor() as cursor:
            cursor.execute(rows_sql, params)
            raw = cursor.fetchall()
        if raw:
            count, digest = raw[0][width:]
        else:
            count, digest = 0, _EMPTY_DIGEST
        self.__dict__["_digest"] = f"{count}:{digest}"
        self.__dict__["rows"] = list(
            compiler.results_iter(results=[[row[:width] for row in raw]], tuple_expected=True)
        )


_DIGEST = "md5(coalesce(string_agg(r::text, E'\\n' ORDER BY r::text), ''))"
_WINDOW_DIGEST = "md5(coalesce(string_agg(r::text, E'\\n') OVER w, ''))"
# md5('') in hex: the aggregate's digest of no rows.
_EMPTY_DIGEST = "d41d8cd98f00b204e9800998ecf8427e"


def feed_content(feed_row: CalendarFeed, *, now: datetime.datetime | None = None) -> FeedContent:
    return FeedContent(feed_row, now=now or timezone.now())


def feed_build(content: FeedContent) -> bytes:
    """The feed as iCalendar text, events built by the same builder as the invitations
    (same UIDs)."""
    with translation.override(content.language):
        events: list[CalendarEvent] = []
        for row in content.rows:
            appointment = Appointment(*row)
            events.append(
                appointment_event(
                    appointment,
                    side=content.side,
                    stamp=appointment.updated_at,
                    cancelled=appointment.status == Status.CANCELLED,
                )
            )
        return feed(events, name=content.name)


def feed_render(feed_row: CalendarFeed, *, now: datetime.datetime | None = None) -> bytes:
    return feed_build(feed_content(feed_row, now=now))
