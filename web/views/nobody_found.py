"""When nobody is found: the near misses on the coordinator's booking page, and what the
coordinator does next (ask one anyway, move to another time, widen to a pool that helps on
request, tell the institution)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from bookings.constants import ASSIGNABLE_STATUSES, Status
from bookings.matching.near_misses import available_times, near_misses
from bookings.matching.selectors import (
    mediators_assignable_by,
    offers_on,
    pools_helping_on_request,
    pools_sharing_with,
)
from bookings.models import Booking
from bookings.services.nobody_found import institution_tell_nobody_found, offer_with_consent
from bookings.services.reschedule import booking_reschedule
from bookings.services.widen import Widening, booking_widen

from ..forms.nobody_found import AskAnywayForm, MoveForm, TellInstitutionForm, WidenForm
from .access import coordinator_required
from .common import booking_change, booking_in_reach


def nobody_found_context(booking: Booking, *, has_candidates: bool) -> dict:
    """What the booking page shows when nobody can take the booking (the near misses, other
    times, the pools already searched, the forms), and the offers of a booking on offer."""
    context: dict = {"offers": list(offers_on(booking))}
    stuck = booking.status in ASSIGNABLE_STATUSES and (
        not has_candidates or booking.status == Status.UNFILLED
    )
    if stuck:
        context.update(
            nobody_found=True,
            near_misses=near_misses(booking),
            other_times=available_times(booking, now=timezone.now()),
            sharing_pools=list(pools_sharing_with(booking)),
            helping_pools=list(pools_helping_on_request(booking)),
            tell_form=TellInstitutionForm(),
        )
    return context


def _done(request: HttpRequest, pk: int, text: str) -> HttpResponse:
    messages.success(request, text)
    return redirect("web:coordinator-booking", pk=pk)


def _refused(request: HttpRequest, pk: int, form) -> HttpResponse:
    errors = [str(e) for e in form.non_field_errors()]
    errors += [
        f"{form[name].label}: {' '.join(errs)}"
        for name, errs in form.errors.items()
        if name != "__all__"
    ]
    messages.error(request, " ".join(errors) or _("This could not be done."))
    return redirect("web:coordinator-booking", pk=pk)


@coordinator_required
@require_POST
def ask_anyway(request: HttpRequest, pk: int) -> HttpResponse:
    booking = booking_in_reach(request, pk)
    form = AskAnywayForm(request.POST)
    mediator = (
        mediators_assignable_by(request.user, booking)
        .filter(pk=form.cleaned_data["mediator"])
        .select_related("user")
        .first()
        if form.is_valid()
        else None
    )
    if mediator is None:
        form.add_error(None, _("Unknown mediator."))
        return _refused(request, pk, form)
    status = booking_change(
        form,
        lambda data: offer_with_consent(
            booking=booking, mediator=mediator, actor=request.user, reason=data["reason"]
        ),
    )
    if status is not None:
        return _refused(request, pk, form)
    return _done(request, pk, _("%(mediator)s has been asked.") % {"mediator": mediator})


@coordinator_required
@require_POST
def move(request: HttpRequest, pk: int) -> HttpResponse:
    booking = booking_in_reach(request, pk)
    form = MoveForm(request.POST)
    status = booking_change(
        form,
        lambda data: booking_reschedule(
            booking=booking,
            actor=request.user,
            starts_at=data["starts_at"],
            reason=data["reason"],
        ),
    )
    if status is not None:
        return _refused(request, pk, form)
    return _done(request, pk, _("The appointment has been moved; the search starts again."))


@coordinator_required
@require_POST
def tell_institution(request: HttpRequest, pk: int) -> HttpResponse:
    booking = booking_in_reach(request, pk)
    form = TellInstitutionForm(request.POST)

    def tell(data: dict) -> object:
        times = available_times(booking, now=timezone.now()) if data["with_times"] else []
        return institution_tell_nobody_found(
            booking=booking,
            actor=request.user,
            reason=data["reason"],
            times=[t.starts_at for t in times],
        )

    status = booking_change(form, tell)
    if status is not None:
        return _refused(request, pk, form)
    return _done(request, pk, _("The institution has been told."))


def _widened_text(widening: Widening) -> str:
    pool = widening.pool.name
    if not widening.changed:
        return _("The search already includes the mediators of %(pool)s.") % {"pool": pool}
    if not widening.eligible:
        return _(
            "The search now includes the mediators of %(pool)s, but none of them is "
            "eligible for this booking."
        ) % {"pool": pool}
    if not widening.matching:
        return ngettext(
            "The search now includes %(pool)s: %(count)d of its mediators is eligible. The "
            "fill deadline has passed, so nobody is asked automatically: assign directly.",
            "The search now includes %(pool)s: %(count)d of its mediators are eligible. The "
            "fill deadline has passed, so nobody is asked automatically: assign directly.",
            widening.eligible,
        ) % {"pool": pool, "count": widening.eligible}
    return ngettext(
        "The search now includes %(pool)s: %(count)d of its mediators is eligible and may "
        "now be asked.",
        "The search now includes %(pool)s: %(count)d of its mediators are eligible and may "
        "now be asked.",
        widening.eligible,
    ) % {"pool": pool, "count": widening.eligible}


@coordinator_required
@require_POST
def widen(request: HttpRequest, pk: int) -> HttpResponse:
    booking = booking_in_reach(request, pk)
    form = WidenForm(request.POST)
    pool = (
        pools_helping_on_request(booking).filter(pk=form.cleaned_data["pool"]).first()
        if form.is_valid()
        else None
    )
    if pool is None:
        form.add_error(None, _("This pool does not help your pool on request."))
        return _refused(request, pk, form)
    done: list[Widening] = []
    status = booking_change(
        form,
        lambda data: done.append(
            booking_widen(booking=booking, pool=pool, actor=request.user, reason=data["reason"])
        ),
    )
    if status is not None:
        return _refused(request, pk, form)
    if not done[0].changed:
        messages.info(request, _widened_text(done[0]))
        return redirect("web:coordinator-booking", pk=pk)
    return _done(request, pk, _widened_text(done[0]))
