"""The coordinators' daily tasks on the pages: a request filed for an institution that phones
in, a disputed report settled, a no-show recorded, the travel of a late cancellation filed on
a mediator's behalf, a conflict of interest declared or lifted. Each calls one service; the
booking page shows the forms (``tasks_context``, template
``web/coordinator/includes/booking_actions.html``)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ObjectDoesNotExist
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from bookings.exceptions import BookingConflict
from bookings.models import Booking
from bookings.selectors.consequences import conflict_consequences
from bookings.services import (
    booking_mark_no_show,
    late_cancellation_travel_report,
    report_call_back_done,
    report_resolve,
)
from bookings.services.intake import earliest_start_day
from core.exceptions import DomainError
from institutions.selectors import institutions_visible_to
from mediators.selectors import conflicts_for_case, mediators_kept_by
from mediators.services import conflict_declare, conflict_lift

from ..forms.coordinator import ReasonForm
from ..forms.series import SeriesFieldsForm
from ..forms.tasks import (
    ConflictForm,
    CoordinatorRequestForm,
    InstitutionPickForm,
    ResolveReportForm,
    TravelReportForm,
)
from .access import coordinator_required
from .common import (
    booking_change,
    booking_in_reach,
    budget_context,
    now,
    request_file,
    request_values,
)
from .confirm import Confirmation, confirm_page, conflict_summary
from .series import series_step

FIGURES = ("actual_minutes", "travel_km", "travel_minutes", "ticket_cents")


# --- a request filed for an institution ---------------------------------------------------


@coordinator_required
def request_new(request: HttpRequest) -> HttpResponse:
    """First the institution (a GET form), then its request form with who asks, the
    contact and, for shorter notice, the reason for the exception."""
    institutions = institutions_visible_to(request.user).order_by("name")
    pick = InstitutionPickForm(request.GET or None, institutions=institutions)
    if not pick.is_valid():
        return render(request, "web/coordinator/request_pick.html", {"pick": pick})
    institution = pick.cleaned_data["institution"]
    form = CoordinatorRequestForm(
        request.POST or None, institution=institution, institutions=institutions
    )
    series_form = SeriesFieldsForm(request.POST or None)
    pool = institution.pool
    context = {
        "institution": institution,
        "form": form,
        "series_form": series_form,
        "notice_days": pool.min_notice_working_days,
        "earliest_day": earliest_start_day(pool, now=now()),
        **budget_context(institution),
    }
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        values = request_values(
            form,
            institution=institution,
            on_behalf_of=data["on_behalf_of"],
            contact_name=data["contact_name"],
            contact_phone=data["contact_phone"],
            notice_override_reason=data["notice_override_reason"],
        )
        as_series = series_step(
            request, form, series_form, values, template="web/coordinator/request.html",
            context=context, booking_url_name="web:coordinator-booking",
        )  # fmt: skip
        if as_series is not None:
            return as_series
        booking = request_file(request, form, values)
        if booking is not None:
            messages.success(
                request,
                _("The request for %(institution)s has been filed.")
                % {"institution": institution.name},
            )
            return redirect("web:coordinator-booking", pk=booking.pk)
    return render(
        request,
        "web/coordinator/request.html",
        context,
        status=400 if request.method == "POST" else 200,
    )


# --- the booking page's forms -------------------------------------------------------------


def tasks_context(request: HttpRequest, booking: Booking, forms: dict[str, Any]) -> dict:
    """The forms of the coordinator's tasks on a booking's page (bound ones shown again
    with their errors), and the conflicts of interest recorded for its case."""
    context: dict[str, Any] = {
        "resolve_form": forms.get("resolve_form") or ResolveReportForm(initial=_report(booking)),
        "no_show_form": forms.get("no_show_form") or ReasonForm(prefix="no-show"),
        "travel_form": forms.get("travel_form") or TravelReportForm(),
        "conflict_form": None,
        "case_conflicts": [],
    }
    if booking.case_reference:
        mediators = mediators_kept_by(request.user)
        context["conflict_form"] = forms.get("conflict_form") or ConflictForm(
            mediators=mediators.select_related("user").order_by("user__last_name")
        )
        context["case_conflicts"] = list(
            conflicts_for_case(
                mediators,
                institution_id=booking.institution_id,
                case_reference=booking.case_reference,
            )
        )
    return context


def _report(booking: Booking) -> dict[str, Any]:
    try:
        report = booking.report
    except ObjectDoesNotExist:
        return {}
    return {name: getattr(report, name) for name in FIGURES}


def _page_again(request: HttpRequest, booking: Booking, status: int, **forms) -> HttpResponse:
    """The booking's page again with the form and its errors; a conflict of state (409) is
    also said at the top, since the page may no longer offer that form."""
    from .coordinator import _booking_page  # that module imports this one

    if status == 409:
        for form in forms.values():
            for error in form.non_field_errors():
                messages.error(request, error)

    return _booking_page(request, booking, status=status, **forms)


# --- a disputed report, a no-show, the travel of a late cancellation ----------------------


@coordinator_required
@require_POST
def resolve_report(request: HttpRequest, pk: int) -> HttpResponse:
    """Accept the report as the mediator gave it, or decide with other figures."""
    booking = booking_in_reach(request, pk)
    form = ResolveReportForm(request.POST)

    def resolve(data: dict[str, Any]) -> None:
        figures = {}
        if data["decision"] == ResolveReportForm.CORRECT:
            figures = {name: data[name] for name in FIGURES}
        report_resolve(booking=booking, actor=request.user, reason=data["reason"], **figures)

    status = booking_change(form, resolve)
    if status is not None:
        return _page_again(request, booking, status, resolve_form=form)
    messages.success(request, _("The report is settled and the booking closed."))
    return redirect("web:coordinator-booking", pk=pk)


@coordinator_required
@require_POST
def no_show(request: HttpRequest, pk: int) -> HttpResponse:
    booking = booking_in_reach(request, pk)
    form = ReasonForm(request.POST, prefix="no-show")
    status = booking_change(
        form,
        lambda data: booking_mark_no_show(
            booking=booking, actor=request.user, reason=data["reason"]
        ),
    )
    if status is not None:
        return _page_again(request, booking, status, no_show_form=form)
    messages.success(request, _("The appointment is recorded as a no-show."))
    return redirect("web:coordinator-booking", pk=pk)


@coordinator_required
@require_POST
def travel_report(request: HttpRequest, pk: int) -> HttpResponse:
    booking = booking_in_reach(request, pk)
    form = TravelReportForm(request.POST)
    status = booking_change(
        form,
        lambda data: late_cancellation_travel_report(booking=booking, actor=request.user, **data),
    )
    if status is not None:
        return _page_again(request, booking, status, travel_form=form)
    messages.success(request, _("The travel is reported and added to the mediator's allowance."))
    return redirect("web:coordinator-booking", pk=pk)


# --- conflicts of interest ----------------------------------------------------------------


@coordinator_required
@require_POST
def conflict_add(request: HttpRequest, pk: int) -> HttpResponse:
    """A mediator of the pool knows the family of this booking's case."""
    booking = booking_in_reach(request, pk)
    if not booking.case_reference:
        raise Http404
    form = ConflictForm(request.POST, mediators=mediators_kept_by(request.user))
    if not request.POST.get("confirmed") and form.is_valid():
        return _conflict_confirmation(request, booking, form)
    status = booking_change(
        form,
        lambda data: conflict_declare(
            mediator=data["mediator"],
            institution=booking.institution,
            case_reference=booking.case_reference,
            recorded_by=request.user,
            reason=data["reason"],
        ),
        field_map={"institution": "mediator", "case_reference": "mediator"},
    )
    if status is not None:
        return _page_again(request, booking, status, conflict_form=form)
    messages.success(
        request,
        _("%(mediator)s will not be offered this case.")
        % {"mediator": form.cleaned_data["mediator"]},
    )
    return redirect("web:coordinator-booking", pk=pk)


def _conflict_confirmation(request: HttpRequest, booking: Booking, form: ConflictForm):
    """What declaring the conflict will do, before it is done: how many confirmed bookings
    of the case the mediator is released from."""
    mediator = form.cleaned_data["mediator"]
    released = conflict_consequences(
        mediator_id=mediator.pk,
        institution_id=booking.institution_id,
        case_reference=booking.case_reference,
        now=now(),
    )
    page = reverse("web:coordinator-booking", args=[booking.pk])
    return confirm_page(
        request,
        Confirmation(
            title=_("Declare the conflict of interest?"),
            summary=conflict_summary(mediator, booking.case_reference, released=released),
            action=request.path,
            button=_("Declare the conflict"),
            back=page,
            back_label=_("Back to the booking"),
            hidden=[
                ("mediator", mediator.pk),
                ("reason", form.cleaned_data["reason"]),
                ("confirmed", "1"),
            ],
            danger=bool(released),
        ),
    )


@coordinator_required
@require_POST
def conflict_remove(request: HttpRequest, pk: int, conflict_pk: int) -> HttpResponse:
    """Lift a conflict of this booking's case (recorded in error, or no longer true)."""
    booking = booking_in_reach(request, pk)
    conflict = (
        conflicts_for_case(
            mediators_kept_by(request.user),
            institution_id=booking.institution_id,
            case_reference=booking.case_reference,
        )
        .filter(pk=conflict_pk)
        .first()
    )
    if conflict is None:
        raise Http404
    try:
        conflict_lift(
            conflict=conflict, lifted_by=request.user, reason=request.POST.get("reason", "")
        )
    except DomainError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(
            request,
            _("The conflict of interest of %(mediator)s is lifted.")
            % {"mediator": conflict.mediator},
        )
    return redirect("web:coordinator-booking", pk=pk)


# --- a mediator who asked to be called back ---------------------------------------------


@coordinator_required
@require_POST
def called_back(request: HttpRequest, pk: int) -> HttpResponse:
    """The coordinator has called the mediator back after a hard conversation: the entry
    leaves the work list."""
    booking = booking_in_reach(request, pk)
    try:
        report_call_back_done(booking=booking, actor=request.user)
    except BookingConflict as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Marked as called back."))
    if request.POST.get("next") == "worklist":
        return redirect("web:coordinator-worklist")
    return redirect("web:coordinator-booking", pk=pk)
