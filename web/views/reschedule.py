"""A new time, duration or place for a booking, for coordinators and institution staff.

Two steps: the form, then a summary of what will happen (the same checks as the change, and
whether the mediator stays booked or is released, and why), confirmed with a second POST
that makes the change through ``bookings.services.booking_reschedule``. Nothing is written
before the confirmation."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from bookings.constants import Mode, RescheduleOutcome
from bookings.exceptions import BookingConflict
from bookings.selectors import last_reschedule_for
from bookings.selectors.reschedule import hard_rule_labels, reschedule_explanation
from bookings.services import booking_reschedule, booking_reschedule_preview
from core.constants import ActorRole
from core.exceptions import DomainError
from core.roles import actor_role_of

from ..forms import show_domain_error
from ..forms.institution import meeting_values
from ..forms.tasks import RescheduleForm
from .access import coordinator_required, institution_required
from .common import booking_in_reach

# Service fields → form fields.
RESCHEDULE_FIELDS = {"starts_at": "time"}
PAGES = {
    ActorRole.COORDINATOR: ("web:coordinator-booking", "web:coordinator-reschedule"),
    ActorRole.INSTITUTION: ("web:institution-booking", "web:institution-reschedule"),
}


def _changes(data: dict) -> dict:
    return {
        "starts_at": data["starts_at"],
        "duration_minutes": data["duration_minutes"],
        "location": data.get("location"),
        "mode": data["mode"],
        **meeting_values(data),
    }


def _reschedule(request: HttpRequest, pk: int) -> HttpResponse:
    booking = booking_in_reach(request, pk)
    role = actor_role_of(request.user)
    booking_page, own_page = PAGES[role]
    form = RescheduleForm(request.POST or None, booking=booking)
    context = {
        "booking": booking,
        "form": form,
        "back_url": reverse(booking_page, args=[pk]),
        "action_url": reverse(own_page, args=[pk]),
    }
    if request.method != "POST":
        return render(request, "web/reschedule.html", context)
    if not form.is_valid():
        return render(request, "web/reschedule.html", context, status=400)
    data = form.cleaned_data
    try:
        if request.POST.get("confirm") != "yes":
            preview = booking_reschedule_preview(
                booking=booking, actor=request.user, **_changes(data)
            )
            context["preview"] = preview
            context["new_mode"] = Mode(data["mode"]).label
            context["explanation"] = reschedule_explanation(
                preview.outcome, preview.release_reasons
            )
            if role == ActorRole.COORDINATOR:
                context["broken_rules"] = hard_rule_labels(preview.broken_rules)
            return render(request, "web/reschedule_confirm.html", context)
        booking_reschedule(
            booking=booking, actor=request.user, reason=data["reason"], **_changes(data)
        )
    except DomainError as error:
        show_domain_error(form, error, RESCHEDULE_FIELDS)
        return render(request, "web/reschedule.html", context, status=400)
    except BookingConflict as error:
        form.add_error(None, str(error))
        return render(request, "web/reschedule.html", context, status=409)
    _tell_outcome(request, booking)
    return redirect(booking_page, pk=pk)


def _tell_outcome(request: HttpRequest, booking) -> None:
    """The change's outcome as the user may see it: kept, or released and why (the exact
    broken rules for coordinators only)."""
    note = last_reschedule_for(request.user, booking_in_reach(request, booking.pk))
    if note is None:  # pragma: no cover - every change records its outcome
        messages.success(request, _("The appointment has been changed."))
        return
    text = f"{_('The appointment has been changed.')} {note.explanation}"
    if note.broken_rules:
        text += " " + _("Hard rules broken: %(rules)s.") % {
            "rules": "; ".join(hard_rule_labels(note.broken_rules))
        }
    if note.outcome == RescheduleOutcome.MEDIATOR_RELEASED:
        messages.warning(request, text)
    else:
        messages.success(request, text)


@coordinator_required
def coordinator_reschedule(request: HttpRequest, pk: int) -> HttpResponse:
    return _reschedule(request, pk)


@institution_required
def institution_reschedule(request: HttpRequest, pk: int) -> HttpResponse:
    return _reschedule(request, pk)
