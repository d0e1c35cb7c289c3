"""Pages of a series of appointments: the request form's second step (the dates, to leave
some out, before the series is sent), the dates of a series on each booking page, and
cancelling from a date onwards behind a confirmation page. The rules are the services'
(``bookings.services.series``)."""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods

from bookings.access import is_cancellable
from bookings.models import Booking, BookingSeries
from bookings.selectors.series import (
    series_bookings,
    series_cancel_consequences,
    series_visible_to,
)
from bookings.services.series import (
    SeriesRule,
    booking_series_cancel_from,
    booking_series_create,
    series_dates,
)
from core.exceptions import DomainError
from core.time import local_date

from ..forms import show_domain_error
from ..forms.series import SeriesCancelForm, SeriesFieldsForm
from ..templatetags.web_tags import local
from .access import coordinator_required, institution_required
from .confirm import Confirmation, confirm_page

# The request form's button on the dates' page: send the series with the dates kept.
SEND = "series-send"
KEEP = "series-keep"


def series_step(
    request: HttpRequest,
    form,
    series_form: SeriesFieldsForm,
    request_values: dict[str, Any],
    *,
    template: str = "web/institution/request.html",
    context: dict[str, Any] | None = None,
    booking_url_name: str = "web:institution-booking",
) -> HttpResponse | None:
    """The request form asked for a series (its ``repeat`` box ticked): None when it did not.
    First the dates, each to keep or leave out (the form's values carried along hidden);
    then, sent from there, the series - or the form again with the refusal. ``form`` is
    the valid request form, ``request_values`` the arguments of ``booking_create``;
    ``template`` and ``context`` show the form again, ``booking_url_name`` the first date
    once sent."""

    def again() -> HttpResponse:
        shown = {**(context or {}), "form": form, "series_form": series_form}
        return render(request, template, shown, status=400)

    if not series_form.is_valid():
        # A series asked for with a rule that does not fit: never a single request instead.
        asked = series_form.add_prefix("repeat") in request.POST
        return again() if asked else None
    if not series_form.cleaned_data["repeat"]:
        return None
    rule_values = {
        key: series_form.cleaned_data[key] or None for key in ("interval_weeks", "until", "count")
    }
    try:
        dates = series_dates(
            SeriesRule(first=request_values["starts_at"], **rule_values), now=timezone.now()
        )
    except DomainError as error:
        _show(form, series_form, error)
        return again()
    if SEND not in request.POST:
        return render(
            request,
            "web/institution/series_preview.html",
            {"dates": dates, "carried": _carried(request), "keep": KEEP, "send": SEND},
        )
    kept = set(request.POST.getlist(KEEP))
    skip = {moment.date() for moment in dates if moment.date().isoformat() not in kept}
    try:
        series = booking_series_create(
            requester=request.user, skip=skip, **rule_values, **request_values
        )
    except DomainError as error:
        _show(form, series_form, error)
        return again()
    first = series.bookings.order_by("starts_at").first()
    count = series.bookings.count()
    messages.success(
        request,
        ngettext(
            "Your series of %(count)d appointment has been sent.",
            "Your series of %(count)d appointments has been sent.",
            count,
        )
        % {"count": count},
    )
    return redirect(booking_url_name, pk=first.pk)


def _carried(request: HttpRequest) -> list[tuple[str, str]]:
    """The request form's values, carried hidden through the dates' page."""
    return [
        (name, value)
        for name, values in request.POST.lists()
        if name not in ("csrfmiddlewaretoken", KEEP, SEND)
        for value in values
    ]


def _show(form, series_form: SeriesFieldsForm, error: DomainError) -> None:
    if error.field in series_form.fields:
        series_form.add_error(error.field, str(error.message))
    elif error.field == "series":
        for line in error.as_dict()["series"]:
            form.add_error(None, line)
    else:
        show_domain_error(form, error, {"starts_at": "date"})


def series_context(booking: Booking, *, cancel_url_name: str = "") -> dict[str, Any]:
    """The dates of the booking's series for its page (none outside a series), and where to
    cancel the series from this date on (while this date or a later one can be)."""
    if booking.series_id is None:
        return {}
    dates = list(series_bookings(booking.series))
    now = timezone.now()
    cancellable = any(
        d.starts_at >= booking.starts_at and d.starts_at > now and is_cancellable(d) for d in dates
    )
    url = ""
    if cancel_url_name and cancellable:
        url = reverse(cancel_url_name, args=[booking.series_id]) + f"?from={booking.pk}"
    return {"series_dates": dates, "series_cancel_url": url}


def _cancel_confirmation(
    series: BookingSeries, day: datetime.date, form, booking_pk: int, *, role: str
):
    consequences = series_cancel_consequences(series, day=day)
    lines = [
        ngettext(
            "%(count)d appointment from %(day)s on will be cancelled. This cannot be undone.",
            "%(count)d appointments from %(day)s on will be cancelled. This cannot be undone.",
            len(consequences.bookings),
        )
        % {"count": len(consequences.bookings), "day": local(day, "DATE")},
        ngettext(
            "%(count)d mediator will be told.",
            "%(count)d mediators will be told.",
            consequences.mediators_told,
        )
        % {"count": consequences.mediators_told},
    ]
    lines += [local(b.starts_at) for b in consequences.bookings]
    if consequences.late:
        lines.append(
            ngettext(
                "%(count)d of them is a late cancellation: its mediator is paid for the booked "
                "time as the pool's rule says.",
                "%(count)d of them are late cancellations: their mediators are paid for the "
                "booked time as the pool's rule says.",
                consequences.late,
            )
            % {"count": consequences.late}
        )
    return Confirmation(
        title=_("Cancel the series from this date on?"),
        summary=lines,
        action=reverse(f"web:{role}-series-cancel", args=[series.pk]) + f"?from={booking_pk}",
        button=_("Cancel these appointments"),
        back=reverse(f"web:{role}-booking", args=[booking_pk]),
        back_label=_("Back to the booking"),
        form=form,
        danger=True,
    )


@institution_required
@require_http_methods(["GET", "POST"])
def cancel_from(request: HttpRequest, pk: int) -> HttpResponse:
    """Institution staff: cancel their series from a date on."""
    return _cancel_from(request, pk, role="institution")


@coordinator_required
@require_http_methods(["GET", "POST"])
def coordinator_cancel_from(request: HttpRequest, pk: int) -> HttpResponse:
    """Coordinators: cancel a series of their pool from a date on."""
    return _cancel_from(request, pk, role="coordinator")


def _cancel_from(request: HttpRequest, pk: int, *, role: str) -> HttpResponse:
    """GET ``?from=<booking>``: what cancelling the series from that date on will do, with
    the reason to give; POST: cancel those dates (all or none)."""
    series = get_object_or_404(series_visible_to(request.user), pk=pk)
    start = get_object_or_404(series.bookings, pk=request.GET.get("from") or 0)
    day = local_date(start.starts_at)
    if request.method == "GET":
        form = SeriesCancelForm(initial={"day": day})
        return confirm_page(request, _cancel_confirmation(series, day, form, start.pk, role=role))
    form = SeriesCancelForm(request.POST)
    if form.is_valid():
        try:
            cancelled = booking_series_cancel_from(
                series=series, day=form.cleaned_data["day"], actor=request.user,
                reason=form.cleaned_data["reason"],
            )  # fmt: skip
        except DomainError as error:
            show_domain_error(form, error)
        else:
            messages.success(
                request,
                ngettext(
                    "%(count)d appointment has been cancelled.",
                    "%(count)d appointments have been cancelled.",
                    len(cancelled),
                )
                % {"count": len(cancelled)},
            )
            return redirect(f"web:{role}-booking", pk=start.pk)
    confirmation = _cancel_confirmation(series, day, form, start.pk, role=role)
    return confirm_page(request, confirmation, status=400)
