"""Pages of coordinators: work list, bookings with candidates and assignment, approval,
the batch planner's plans, mediator onboarding and vetting."""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from bookings.constants import OPEN_STATUSES
from bookings.exceptions import BookingConflict
from bookings.matching.selectors import candidates_for, mediators_assignable_by
from bookings.planner.models import PlanStatus
from bookings.planner.selectors import plan_unfilled, plans_visible_to
from bookings.planner.services import plan_apply, plan_discard, plan_request
from bookings.selectors import work_list_for
from bookings.selectors.consequences import (
    assign_consequences,
    cancel_consequences,
    plan_apply_consequences,
)
from bookings.selectors.mediator_overview import mediator_overview
from bookings.services import booking_approve, booking_cancel, booking_refuse
from bookings.services.offers import booking_assign
from core.exceptions import DomainError
from core.read_log import READ, read_logged
from core.time import local_date
from mediators.selectors import mediators_visible_to
from mediators.services import (
    VETTING_FIELDS,
    LanguageSkill,
    mediator_onboard,
    mediator_pause,
    mediator_resume,
    mediator_update,
)
from notifications.selectors import failed_messages_for
from notifications.services import message_resend

from ..forms import show_domain_error
from ..forms.coordinator import AssignForm, OnboardingForm, PlanForm, ReasonForm, VettingForm
from .access import coordinator_required
from .common import booking_change, booking_context, booking_in_reach, booking_read
from .confirm import Confirmation, assign_summary, cancel_summary, confirm_page, plan_summary
from .coordinator_tasks import tasks_context
from .institution import bookings_page
from .nobody_found import nobody_found_context
from .series import series_context


@coordinator_required
def worklist(request: HttpRequest) -> HttpResponse:
    work = work_list_for(request.user.coordinator)
    return render(request, "web/coordinator/worklist.html", {"work": work})


@coordinator_required
@require_POST
def resend(request: HttpRequest, pk: int) -> HttpResponse:
    message = failed_messages_for(request.user.coordinator.pool).filter(pk=pk).first()
    if message is None:
        raise Http404
    if message_resend(message=message):
        messages.success(request, _("The message will be sent again."))
    return redirect("web:coordinator-worklist")


@coordinator_required
def bookings(request: HttpRequest) -> HttpResponse:
    return bookings_page(request, "web/coordinator/bookings.html")


def _booking_page(request: HttpRequest, booking, *, status: int = 200, **forms) -> HttpResponse:
    context = booking_context(request, booking)
    context["candidates"] = candidates_for(booking) if booking.status in (*OPEN_STATUSES,) else []
    context["reason_form"] = forms.get("reason_form") or ReasonForm()
    context["assign_error"] = forms.get("assign_error")
    context.update(nobody_found_context(booking, has_candidates=bool(context["candidates"])))
    context.update(tasks_context(request, booking, forms))
    context.update(series_context(booking, cancel_url_name="web:coordinator-series-cancel"))
    return render(request, "web/coordinator/booking.html", context, status=status)


@coordinator_required
def booking_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _booking_page(request, booking_read(request, pk))


def _back_to_booking(booking) -> dict:
    return {
        "back": reverse("web:coordinator-booking", args=[booking.pk]),
        "back_label": _("Back to the booking"),
    }


@coordinator_required
@require_http_methods(["GET", "POST"])
def assign(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: what the assignment will do (the confirmation page); POST: assign."""
    booking = booking_in_reach(request, pk)
    form = AssignForm(request.POST if request.method == "POST" else request.GET)
    mediator = (
        mediators_assignable_by(request.user, booking)
        .filter(pk=form.cleaned_data["mediator"])
        .first()
        if form.is_valid()
        else None
    )
    if mediator is None:
        return _booking_page(request, booking, status=400, assign_error=_("Unknown mediator."))
    if request.method == "GET":
        pending = assign_consequences(booking, mediator_id=mediator.pk)
        return confirm_page(
            request,
            Confirmation(
                title=_("Assign %(mediator)s?") % {"mediator": mediator},
                summary=assign_summary(booking, mediator, pending_offers=pending),
                action=reverse("web:coordinator-assign", args=[booking.pk]),
                button=_("Assign"),
                hidden=[("mediator", mediator.pk)],
                **_back_to_booking(booking),
            ),
        )
    status = booking_change(
        form,
        lambda data: booking_assign(booking=booking, mediator=mediator, actor=request.user),
    )
    if status is not None:
        error = " ".join(str(e) for e in form.non_field_errors())
        return _booking_page(request, booking, status=status, assign_error=error)
    messages.success(request, _("%(mediator)s has been assigned.") % {"mediator": mediator})
    return redirect("web:coordinator-booking", pk=pk)


def _cancel_confirmation(booking, form: ReasonForm) -> Confirmation:
    return Confirmation(
        title=_("Cancel this booking?"),
        summary=cancel_summary(booking, cancel_consequences(booking), by_institution=False),
        action=reverse("web:coordinator-decide", args=[booking.pk, "cancel"]),
        button=_("Cancel the booking"),
        form=form,
        danger=True,
        **_back_to_booking(booking),
    )


@coordinator_required
@require_http_methods(["GET", "POST"])
def decide(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """Approve or refuse a request that waits for approval, or cancel a booking (GET: the
    cancellation's confirmation page, with the reason)."""
    booking = booking_in_reach(request, pk)
    services = {"approve": booking_approve, "refuse": booking_refuse, "cancel": booking_cancel}
    if action not in services:
        raise Http404
    if request.method == "GET":
        if action != "cancel":
            return HttpResponseNotAllowed(["POST"])
        return confirm_page(request, _cancel_confirmation(booking, ReasonForm()))
    form = ReasonForm(request.POST)
    status = booking_change(
        form,
        lambda data: services[action](booking=booking, actor=request.user, reason=data["reason"]),
    )
    if status is not None and action == "cancel":
        return confirm_page(request, _cancel_confirmation(booking, form), status=status)
    if status is not None:
        return _booking_page(request, booking, status=status, reason_form=form)
    done = {
        "approve": _("The request is approved."),
        "refuse": _("The request is refused."),
        "cancel": _("The booking is cancelled."),
    }
    messages.success(request, done[action])
    return redirect("web:coordinator-booking", pk=pk)


@coordinator_required
def planner(request: HttpRequest) -> HttpResponse:
    today = local_date(timezone.now())
    form = PlanForm(
        request.POST or None,
        initial={"starts_on": today, "ends_on": today + datetime.timedelta(days=13)},
    )
    if request.method == "POST" and form.is_valid():
        try:
            run = plan_request(
                pool=request.user.coordinator.pool,
                starts_on=form.cleaned_data["starts_on"],
                ends_on=form.cleaned_data["ends_on"],
                actor=request.user,
            )
        except DomainError as error:
            show_domain_error(form, error, {"to": "ends_on", "from": "starts_on"})
        else:
            return redirect("web:coordinator-plan", pk=run.pk)
    plans = plans_visible_to(request.user).order_by("-created_at")[:20]
    return render(request, "web/coordinator/planner.html", {"form": form, "plans": plans})


def _plan_in_reach(request: HttpRequest, pk: int):
    run = plans_visible_to(request.user).filter(pk=pk).first()
    if run is None:
        raise Http404
    return run


@coordinator_required
def plan_detail(request: HttpRequest, pk: int) -> HttpResponse:
    run = _plan_in_reach(request, pk)
    items = run.items.select_related(
        "booking__language", "booking__institution", "booking__location__town", "mediator__user"
    )
    unfilled = plan_unfilled(run) if run.status in (PlanStatus.DRAFT, PlanStatus.APPLIED) else []
    return render(
        request, "web/coordinator/plan.html", {"run": run, "items": items, "unfilled": unfilled}
    )


@coordinator_required
def plan_status(request: HttpRequest, pk: int) -> HttpResponse:
    """The plan's status while it is computed (polled by the plan page every two seconds);
    once it is done or failed, the page reloads to show it."""
    run = _plan_in_reach(request, pk)
    response = render(request, "web/coordinator/_plan_status.html", {"run": run})
    if run.status not in RUNNING_PLAN_STATUSES:
        response["HX-Refresh"] = "true"
    return response


RUNNING_PLAN_STATUSES = (PlanStatus.QUEUED, PlanStatus.SOLVING)


@coordinator_required
@require_http_methods(["GET", "POST"])
def plan_decide(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """Apply or discard a plan (GET: the application's confirmation page)."""
    run = _plan_in_reach(request, pk)
    if request.method == "GET":
        if action != "apply":
            return HttpResponseNotAllowed(["POST"])
        if run.status != PlanStatus.DRAFT:
            return redirect("web:coordinator-plan", pk=run.pk)
        return confirm_page(
            request,
            Confirmation(
                title=_("Apply this plan?"),
                summary=plan_summary(plan_apply_consequences(run)),
                action=reverse("web:coordinator-plan-decide", args=[run.pk, "apply"]),
                button=_("Apply the plan"),
                back=reverse("web:coordinator-plan", args=[run.pk]),
                back_label=_("Back to the plan"),
            ),
        )
    try:
        if action == "apply":
            run = plan_apply(run=run, actor=request.user)
            messages.success(request, _("The plan has been applied."))
        elif action == "discard":
            plan_discard(run=run, actor=request.user)
            messages.success(request, _("The plan has been discarded."))
        else:
            raise Http404
    except BookingConflict as error:
        messages.error(request, str(error))
    return redirect("web:coordinator-plan", pk=pk)


@coordinator_required
def mediator_new(request: HttpRequest) -> HttpResponse:
    form = OnboardingForm(request.POST or None, initial={"active": True})
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        data.pop("paused_reason", None)
        speaks, level = data.pop("speaks"), data.pop("level")
        skills = [LanguageSkill(language=speaks, level=level)] if speaks else []
        try:
            mediator = mediator_onboard(
                pool=request.user.coordinator.pool, languages=skills, **data
            )
        except DomainError as error:
            show_domain_error(form, error, {"languages": "speaks"})
        else:
            messages.success(
                request, _("%(name)s has been invited by e-mail.") % {"name": mediator}
            )
            return redirect("web:coordinator-mediator", pk=mediator.pk)
    return render(request, "web/coordinator/mediator_new.html", {"form": form})


def _mediator_page(request: HttpRequest, mediator, context: dict) -> HttpResponse:
    """The mediator's page: the profile with its overview (languages, availability and
    absences, assignments, the year's hours and allowances, conflicts, access log)."""
    context["overview"] = mediator_overview(
        viewer=request.user, mediator=mediator, now=timezone.now()
    )
    read_logged(
        user=request.user,
        what="page:coordinator-mediator",
        action=READ,
        user_ids=[mediator.user_id],
        booking_ids=[b.pk for b in (*context["overview"].upcoming, *context["overview"].past)],
    )
    return render(request, "web/coordinator/mediator.html", {"mediator": mediator, **context})


@coordinator_required
def mediator_detail(request: HttpRequest, pk: int) -> HttpResponse:
    mediator = mediators_visible_to(request.user).filter(pk=pk).select_related("user").first()
    if mediator is None:
        raise Http404
    if mediator.shared:
        # Lent by a sharing pool: shown, but its coordinators keep the vetting.
        if request.method == "POST":
            raise PermissionDenied
        vetting = [
            (VettingForm.base_fields[name].label, getattr(mediator, name))
            for name in (*VETTING_FIELDS, "active")
        ]
        return _mediator_page(request, mediator, {"vetting": vetting})
    initial = {name: getattr(mediator, name) for name in VettingForm.base_fields}
    form = VettingForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        active, reason = data.pop("active"), data.pop("paused_reason")
        try:
            with transaction.atomic():
                mediator_update(mediator=mediator, data=data)
                if not active:
                    mediator_pause(mediator=mediator, by=request.user, reason=reason)
                elif not mediator.active:
                    mediator_resume(mediator=mediator, by=request.user)
        except DomainError as error:
            show_domain_error(form, error)
        else:
            messages.success(request, _("The vetting has been saved."))
            return redirect("web:coordinator-mediator", pk=pk)
    return _mediator_page(request, mediator, {"form": form, "vetting_fields": VETTING_FIELDS})
