"""What the role pages share: looking a booking up within reach, changing it, the feed
link, the timeline."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

from django import forms
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from bookings.exceptions import BookingConflict
from bookings.models import Booking
from bookings.selectors import (
    booking_actions_for,
    booking_detail_queryset,
    booking_view_for,
    timeline_for,
)
from bookings.selectors.budgets import budget_use_for_pool
from bookings.services import access_log_record, booking_cancel, booking_create
from bookings.services.access_log import READ
from core.exceptions import DomainError
from core.time import local_date
from notifications.feeds import calendar_feed_get, calendar_feed_rotate, feed_url

from ..forms import show_domain_error
from .confirm import Confirmation, confirm_page, feed_summary

BOOKINGS_PER_PAGE = 25

# Service fields → form fields, for a request's errors.
REQUEST_FIELDS = {"starts_at": "date", "follow_up_of": None}


def request_values(form: Any, *, institution: Any, **extra: Any) -> dict[str, Any]:
    """The arguments of ``booking_create`` from a valid request form (the institution's own,
    or a coordinator's for an institution, ``extra`` adding who asks and the contact): the
    form's own ``request_values()`` (only the chosen mode's place or meeting details)."""
    return {"institution": institution, **form.request_values(), **extra}


def request_file(request: HttpRequest, form: forms.Form, values: dict[str, Any]) -> Booking | None:
    """File one request (``values`` from ``request_values``): the booking, or None with the
    service's message on the form."""
    try:
        return booking_create(requester=request.user, **values)
    except DomainError as error:
        show_domain_error(form, error, REQUEST_FIELDS)
        return None


def booking_in_reach(request: HttpRequest, pk: int) -> Booking:
    """The booking if the user may see it; 404 otherwise (never reveal that it exists)."""
    booking = booking_detail_queryset(request.user).filter(pk=pk).first()
    if booking is None:
        raise Http404
    return booking


def booking_read(request: HttpRequest, pk: int) -> Booking:
    """The booking for its page, within reach (404 otherwise); the read is access-logged,
    as a read through the API is, whichever role reads it."""
    booking = booking_in_reach(request, pk)
    access_log_record(booking=booking, user=request.user, action=READ)
    return booking


def booking_change(
    form: forms.Form,
    change: Callable[[dict[str, Any]], object],
    *,
    field_map: dict[str, str] | None = None,
) -> int | None:
    """The shape of every booking action on the pages (as ``booking_change`` of the API):
    with the form valid, ``change(cleaned_data)`` calls the service with the caller as actor
    (the service writes the change and its access-log row in one transaction). None when the
    change is made; otherwise the form says why and the status to show the page again with:
    400 for invalid input or a refused value (next to its field), 409 for a conflict."""
    if not form.is_valid():
        return 400
    try:
        change(form.cleaned_data)
    except DomainError as error:
        show_domain_error(form, error, field_map)
        return 400
    except BookingConflict as error:
        form.add_error(None, str(error))
        return 409
    return None


def booking_cancel_change(request: HttpRequest, booking: Booking, form: forms.Form) -> int | None:
    """Cancel (or, for the assigned mediator, give back) with the form's reason."""
    return booking_change(
        form,
        lambda data: booking_cancel(booking=booking, actor=request.user, reason=data["reason"]),
    )


def booking_context(request: HttpRequest, booking: Booking) -> dict:
    """The booking, what the user may see of it and what they may do to it now."""
    timeline = timeline_for(request.user, booking)
    notes = [note for _event, note in timeline if note is not None]
    return {
        "booking": booking,
        "view": booking_view_for(request.user, booking),
        "actions": booking_actions_for(request.user, booking),
        "timeline": timeline,
        "last_reschedule": notes[-1] if notes else None,
    }


def budget_context(institution) -> dict:
    """What is left of the institution's budgets this (local) year, per funding source."""
    year = local_date(now()).year
    return {
        "budgets": budget_use_for_pool(pool=institution.pool, year=year, institution=institution),
        "budget_year": year,
    }


def now() -> datetime.datetime:
    return timezone.now()


def feed_page(request: HttpRequest, *, mediator=None, institution=None) -> HttpResponse:
    """The caller's secret calendar-feed URL; ``?new=1`` asks to confirm a new address (the
    old one stops working), whose POST makes it (notifications' services)."""
    if request.method == "POST":
        feed = calendar_feed_rotate(mediator=mediator, institution=institution)
    elif request.GET.get("new"):
        return confirm_page(
            request,
            Confirmation(
                title=_("Make a new calendar-feed address?"),
                summary=feed_summary(),
                action=request.path,
                button=_("Make a new address"),
                back=request.path,
                back_label=_("Back to the calendar feed"),
                danger=True,
            ),
        )
    else:
        feed = calendar_feed_get(mediator=mediator, institution=institution)
    context = {"feed_url": feed_url(feed), "rotated": request.method == "POST"}
    return render(request, "web/feed.html", context)
