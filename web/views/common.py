"""What the role pages share: looking a booking up within reach, the feed link, the
timeline."""

from __future__ import annotations

import datetime

from django.http import Http404, HttpRequest
from django.utils import timezone

from bookings.models import Booking
from bookings.selectors import booking_detail_queryset, booking_view_for

BOOKINGS_PER_PAGE = 25


def booking_in_reach(request: HttpRequest, pk: int) -> Booking:
    """The booking if the user may see it; 404 otherwise (never reveal that it exists)."""
    booking = booking_detail_queryset(request.user).filter(pk=pk).first()
    if booking is None:
        raise Http404
    return booking


def booking_context(request: HttpRequest, booking: Booking) -> dict:
    return {"booking": booking, "view": booking_view_for(request.user, booking)}


def now() -> datetime.datetime:
    return timezone.now()


def feed_context(request: HttpRequest, *, mediator=None, institution=None) -> dict:
    """The caller's secret calendar-feed URL; POST rotates it (notifications' services)."""
    from notifications.feeds import calendar_feed_get, calendar_feed_rotate, feed_url

    if request.method == "POST":
        feed = calendar_feed_rotate(mediator=mediator, institution=institution)
    else:
        feed = calendar_feed_get(mediator=mediator, institution=institution)
    return {"feed_url": feed_url(feed), "rotated": request.method == "POST"}
