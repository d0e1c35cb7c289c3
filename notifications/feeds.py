"""Secret, revocable calendar feeds of mediators and institutions.

The URL's token is ``HMAC(SECRET_KEY, nonce)`` of a random nonce (256 bits); the database
keeps the nonce and ``sha256(token)`` only. Rotating draws a new nonce: the old URL's hash
no longer exists and it answers 404.
"""

from __future__ import annotations

import datetime
import hashlib
import secrets
from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from .conf import setting
from .constants import SIDE_INSTITUTION, SIDE_MEDIATOR
from .content import event_description
from .ical import (
    APPOINTMENT_COLUMNS,
    Appointment,
    CalendarEvent,
    event_for_appointment,
    feed,
)
from .links import absolute_url
from .models import CalendarFeed
from .recipients import message_language

if TYPE_CHECKING:
    from bookings.models import Booking
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
    from bookings.constants import HOLDING_STATUSES, Status
    from bookings.models import Booking

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


def feed_render(feed_row: CalendarFeed, *, now: datetime.datetime | None = None) -> bytes:
    """The feed as iCalendar text: one query, rows read as tuples, events built by the
    same builder as the invitations (same UIDs)."""
    from bookings.constants import Status

    now = now or timezone.now()
    language = feed_row.mediator.language if feed_row.mediator is not None else "de"
    side = SIDE_MEDIATOR if feed_row.mediator_id else SIDE_INSTITUTION
    rows = feed_bookings(feed_row, now=now).values_list(*APPOINTMENT_COLUMNS)
    with translation.override(message_language(language)):
        events: list[CalendarEvent] = []
        for row in rows:
            appointment = Appointment(*row)
            events.append(
                event_for_appointment(
                    appointment,
                    stamp=appointment.updated_at,
                    cancelled=appointment.status == Status.CANCELLED,
                    description=event_description(appointment, side),
                )
            )
        name = _("Language mediation")
        owner = feed_row.mediator or feed_row.institution
        return feed(events, name=f"{name} · {owner}")
