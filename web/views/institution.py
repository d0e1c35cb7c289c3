"""Pages of institution staff: request, list, booking with timeline, cancel, report review,
calendar feed."""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from bookings.filters import BookingFilter
from bookings.selectors import booking_list, bookings_ordered
from bookings.selectors.consequences import cancel_consequences
from bookings.selectors.next_steps import next_steps_for
from bookings.services import (
    report_confirm,
    report_dispute,
)
from core.read_log import read_logged
from core.time import local_datetime

from ..forms.institution import (
    BookingFilterForm,
    BookingRequestForm,
    CancelForm,
    ReportReviewForm,
)
from ..forms.series import SeriesFieldsForm
from .access import institution_required
from .common import (
    BOOKINGS_PER_PAGE,
    booking_cancel_change,
    booking_change,
    booking_context,
    booking_in_reach,
    booking_read,
    budget_context,
    feed_page,
    request_file,
    request_values,
)
from .confirm import Confirmation, cancel_summary, confirm_page
from .series import series_context, series_step


@institution_required
def request_booking(request: HttpRequest) -> HttpResponse:
    staff = request.user.staff
    form = BookingRequestForm(request.POST or None, institution=staff.institution)
    series_form = SeriesFieldsForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        values = request_values(form, institution=staff.institution)
        as_series = series_step(request, form, series_form, values)
        if as_series is not None:
            return as_series
        booking = request_file(request, form, values)
        if booking is not None:
            messages.success(request, _("Your request has been sent."))
            return redirect("web:institution-booking", pk=booking.pk)
    context = {"form": form, "series_form": series_form, **budget_context(staff.institution)}
    return render(request, "web/institution/request.html", context)


def filtered_bookings(request: HttpRequest, form: BookingFilterForm):
    """The user's bookings narrowed by the list's filters (the API's FilterSet)."""
    query = QueryDict(mutable=True)
    order = "upcoming"
    if form.is_valid():
        data = form.cleaned_data
        if data["status"]:
            query["status"] = data["status"]
        if data["language"]:
            query["language"] = data["language"]
        if data["starts_after"]:
            query["starts_after"] = local_datetime(
                data["starts_after"], datetime.time()
            ).isoformat()
        if data["starts_before"]:
            day_after = data["starts_before"] + datetime.timedelta(days=1)
            query["starts_before"] = local_datetime(day_after, datetime.time()).isoformat()
        order = data["order"] or order
    return bookings_ordered(
        BookingFilter(query, queryset=booking_list(request.user)).qs, order=order
    )


def bookings_page(request: HttpRequest, template: str, extra: dict | None = None) -> HttpResponse:
    """The list of bookings within reach, filtered and paged (staff's and coordinators')."""
    form = BookingFilterForm(request.GET)
    page = Paginator(filtered_bookings(request, form), BOOKINGS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    # The page's rows, read once here and shown by the template; one access-log row.
    page.object_list = list(page.object_list)
    read_logged(
        user=request.user,
        what=f"page:{request.resolver_match.url_name}",
        booking_ids=[booking.pk for booking in page.object_list],
        count=page.paginator.count,
        query=request.GET.urlencode(),
    )
    return render(request, template, {"form": form, "page": page, **(extra or {})})


@institution_required
def bookings(request: HttpRequest) -> HttpResponse:
    return bookings_page(
        request,
        "web/institution/bookings.html",
        extra=budget_context(request.user.staff.institution),
    )


@institution_required
def booking_detail(request: HttpRequest, pk: int) -> HttpResponse:
    booking = booking_read(request, pk)
    context = booking_context(request, booking)
    context["cancel_form"] = CancelForm()
    context["review_form"] = ReportReviewForm()
    context.update(series_context(booking, cancel_url_name="web:institution-series-cancel"))
    context["next_steps"] = next_steps_for(booking)
    return render(request, "web/institution/booking.html", context)


def _cancel_confirmation(booking, form: CancelForm) -> Confirmation:
    return Confirmation(
        title=_("Cancel this appointment?"),
        summary=cancel_summary(booking, cancel_consequences(booking), by_institution=True),
        action=reverse("web:institution-cancel", args=[booking.pk]),
        button=_("Cancel the appointment"),
        back=reverse("web:institution-booking", args=[booking.pk]),
        back_label=_("Back to the booking"),
        form=form,
        danger=True,
    )


@institution_required
@require_http_methods(["GET", "POST"])
def cancel(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: what the cancellation will do, with the reason to give; POST: cancel."""
    booking = booking_in_reach(request, pk)
    if request.method == "GET":
        return confirm_page(request, _cancel_confirmation(booking, CancelForm()))
    form = CancelForm(request.POST)
    status = booking_cancel_change(request, booking, form)
    if status is None:
        messages.success(request, _("The appointment has been cancelled."))
        return redirect("web:institution-booking", pk=pk)
    return confirm_page(request, _cancel_confirmation(booking, form), status=status)


@institution_required
@require_POST
def review_report(request: HttpRequest, pk: int) -> HttpResponse:
    booking = booking_in_reach(request, pk)
    form = ReportReviewForm(request.POST)

    def review(data) -> None:
        if data["decision"] == ReportReviewForm.CONFIRM:
            report_confirm(
                booking=booking, actor=request.user, rating=data["rating"], comment=data["comment"]
            )
        else:
            report_dispute(booking=booking, actor=request.user, reason=data["reason"])

    status = booking_change(form, review, field_map={"feedback": "comment"})
    if status is None:
        if form.cleaned_data["decision"] == ReportReviewForm.CONFIRM:
            messages.success(request, _("Thank you: the report is confirmed."))
        else:
            messages.success(request, _("The coordinators will look at the report."))
        return redirect("web:institution-booking", pk=pk)
    context = booking_context(request, booking)
    context.update(cancel_form=CancelForm(), review_form=form, next_steps=next_steps_for(booking))
    return render(request, "web/institution/booking.html", context, status=status)


@institution_required
def feed(request: HttpRequest) -> HttpResponse:
    return feed_page(request, institution=request.user.staff.institution)
