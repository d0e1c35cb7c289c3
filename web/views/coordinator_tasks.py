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
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from bookings.models import Booking
from bookings.services import (
    booking_create,
    booking_mark_no_show,
    late_cancellation_travel_report,
    report_resolve,
)
from bookings.services.intake import earliest_start_day
from core.exceptions import DomainError
from institutions.selectors import institutions_visible_to
from mediators.selectors import conflicts_for_case, mediators_kept_by
from mediators.services import conflict_declare, conflict_lift

from ..forms import show_domain_error
from ..forms.coordinator import ReasonForm
from ..forms.tasks import (
    ConflictForm,
    CoordinatorRequestForm,
    InstitutionPickForm,
    ResolveReportForm,
    TravelReportForm,
)
from .access import coordinator_required
from .common import booking_change, booking_in_reach, budget_context, now

# Service fields → form fields.
REQUEST_FIELDS = {"starts_at": "date", "follow_up_of": None}
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
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            booking = booking_create(
                requester=request.user,
                institution=institution,
                on_behalf_of=data["on_behalf_of"],
                contact_name=data["contact_name"],
                contact_phone=data["contact_phone"],
                notice_override_reason=data["notice_override_reason"],
                **form.request_values(),
            )
        except DomainError as error:
            show_domain_error(form, error, REQUEST_FIELDS)
        else:
            messages.success(
                request,
                _("The request for %(institution)s has been filed.")
                % {"institution": institution.name},
            )
            return redirect("web:coordinator-booking", pk=booking.pk)
    pool = institution.pool
    context = {
        "institution": institution,
        "form": form,
        "notice_days": pool.min_notice_working_days,
        "earliest_day": earliest_start_day(pool, now=now()),
        **budget_context(institution),
    }
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
