"""Pages of mediators: offers, assignments, report, availability, absences, profile,
calendar feed and the monthly expense statement (CSV, PDF)."""

from __future__ import annotations

from decimal import Decimal

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from bookings.constants import OfferStatus
from bookings.exceptions import BookingConflict
from bookings.matching.consent import consent_notes
from bookings.matching.selectors import offers_of
from bookings.selectors.assignments import assignments_of
from bookings.selectors.board import open_requests_for
from bookings.selectors.statements import mediator_statement
from bookings.services import report_submit
from bookings.services.absences import (
    appointment_label,
    appointments_covered_by,
    mediator_absence_create,
)
from bookings.services.board import open_request_take
from bookings.services.offers import offer_accept, offer_decline
from core.exceptions import DomainError
from core.time import local_date
from mediators.models import AvailabilitySlot
from mediators.selectors import absences_of, availability_dates_of, availability_of
from mediators.services import (
    MEDIATOR_EDITABLE,
    LanguageSkill,
    absence_delete,
    availability_date_create,
    availability_date_delete,
    availability_slot_create,
    availability_slot_delete,
    mediator_update,
)
from notifications.push import vapid_public_key
from notifications.selectors import push_devices_of

from ..forms import show_domain_error
from ..forms.institution import CancelForm
from ..forms.mediator import (
    AbsenceForm,
    DateSlotForm,
    LanguageSkillFormSet,
    ProfileForm,
    ReportForm,
    SlotForm,
    StatementMonthForm,
)
from ..offline import offline_readable
from ..statements import statement_csv, statement_filename, statement_pdf, statement_rows
from .access import mediator_required
from .common import (
    booking_cancel_change,
    booking_change,
    booking_context,
    booking_in_reach,
    booking_read,
    feed_page,
)
from .tokens import tokens_context


@mediator_required
@offline_readable
def offers(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    mine = offers_of(request.user.mediator)
    open_offers = [o for o in mine.filter(status=OfferStatus.PENDING, expires_at__gt=now)]
    notes = consent_notes(open_offers)
    for offer in open_offers:
        offer.consent_note = notes.get(offer.pk, "")  # asked anyway, with consent
    return render(request, "web/mediator/offers.html", {"offers": open_offers})


def _own_offer(request: HttpRequest, pk: int):
    offer = offers_of(request.user.mediator).filter(pk=pk).first()
    if offer is None:
        raise Http404
    return offer


@mediator_required
@offline_readable
def offer_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One offer: the appointment, the answer buttons while it is open, the way back."""
    offer = _own_offer(request, pk)
    offer.is_open = offer.status == OfferStatus.PENDING and offer.expires_at > timezone.now()
    offer.consent_note = consent_notes([offer]).get(offer.pk, "") if offer.is_open else ""
    try:
        context = booking_context(request, booking_read(request, offer.booking_id))
    except Http404:  # declined, expired or withdrawn: the appointment is out of reach now
        context = {"booking": None}
    context["offer"] = offer
    return render(request, "web/mediator/offer.html", context)


@mediator_required
@require_POST
def offer_answer(request: HttpRequest, pk: int, answer: str) -> HttpResponse:
    offer = _own_offer(request, pk)
    try:
        if answer == "accept":
            offer_accept(offer=offer, mediator=request.user.mediator)
            messages.success(request, _("Thank you! The appointment is confirmed to you."))
            return redirect("web:mediator-booking", pk=offer.booking_id)
        offer_decline(offer=offer, mediator=request.user.mediator)
        messages.success(request, _("You have declined the offer."))
    except BookingConflict as error:
        messages.error(request, str(error))
    return redirect("web:mediator-offers")


@mediator_required
def board(request: HttpRequest) -> HttpResponse:
    mediator = request.user.mediator
    return render(
        request,
        "web/mediator/board.html",
        {"requests": open_requests_for(mediator), "board_off": not mediator.pool.open_board},
    )


@mediator_required
@require_POST
def board_take(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        open_request_take(booking=pk, mediator=request.user.mediator)
    except BookingConflict as error:
        messages.error(request, str(error))
        return redirect("web:mediator-board")
    messages.success(request, _("Thank you! The appointment is confirmed to you."))
    return redirect("web:mediator-booking", pk=pk)


@mediator_required
@offline_readable
def assignments(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    mine = assignments_of(request.user, now=now)
    return render(
        request,
        "web/mediator/assignments.html",
        {
            "report_due": mine.report_due,
            "upcoming": mine.upcoming,
            "past": mine.past,
            "now": now,
        },
    )


@mediator_required
@offline_readable
def booking_detail(request: HttpRequest, pk: int) -> HttpResponse:
    booking = booking_read(request, pk)
    context = booking_context(request, booking)
    actions = context["actions"]
    context.update(
        report_form=ReportForm() if actions.can_report else None,
        cancel_form=CancelForm() if actions.can_give_back else None,
    )
    return render(request, "web/mediator/booking.html", context)


@mediator_required
@require_POST
def report(request: HttpRequest, pk: int) -> HttpResponse:
    booking = booking_in_reach(request, pk)
    form = ReportForm(request.POST)
    status = booking_change(
        form,
        lambda data: report_submit(
            booking=booking,
            actor=request.user,
            actual_minutes=data["actual_minutes"],
            travel_km=data["travel_km"],
            travel_minutes=data["travel_minutes"],
            ticket_cents=int((data["ticket_euros"] or Decimal(0)) * 100),
            debrief_note=data["debrief_note"],
            call_back=data["call_back"],
        ),
        field_map={"ticket_cents": "ticket_euros"},
    )
    if status is None:
        messages.success(request, _("Thank you for your report."))
        return redirect("web:mediator-booking", pk=pk)
    context = booking_context(request, booking)
    context.update(report_form=form, cancel_form=None)
    return render(request, "web/mediator/booking.html", context, status=status)


@mediator_required
@require_POST
def give_back(request: HttpRequest, pk: int) -> HttpResponse:
    booking = booking_in_reach(request, pk)
    form = CancelForm(request.POST)
    status = booking_cancel_change(request, booking, form)
    if status is None:
        messages.success(request, _("You have given the appointment back."))
        return redirect("web:mediator-assignments")
    context = booking_context(request, booking)
    context.update(report_form=None, cancel_form=form)
    return render(request, "web/mediator/booking.html", context, status=status)


@mediator_required
def availability(request: HttpRequest) -> HttpResponse:
    """The weekly times and the one-off dates (``date_form``, prefixed ``once``): one page,
    a form each; the one posted is the one whose fields came."""
    mediator = request.user.mediator
    posted = request.POST if request.method == "POST" else None
    dated = posted is not None and "once-day" in posted
    form = SlotForm(None if dated else posted)
    date_form = DateSlotForm(posted if dated else None, prefix="once")
    chosen, create = (
        (date_form, availability_date_create) if dated else (form, availability_slot_create)
    )
    if posted is not None and chosen.is_valid():
        try:
            create(mediator=mediator, **chosen.cleaned_data)
        except DomainError as error:
            show_domain_error(chosen, error)
        else:
            messages.success(request, _("The time has been added."))
            return redirect("web:mediator-availability")
    slots = availability_of(mediator)
    weekdays = [
        {"label": label, "slots": [slot for slot in slots if slot.weekday == day]}
        for day, label in AvailabilitySlot._meta.get_field("weekday").choices
    ]
    dates = availability_dates_of(mediator, from_day=local_date(timezone.now()))
    context = {"form": form, "date_form": date_form, "weekdays": weekdays, "dates": dates}
    return render(request, "web/mediator/availability.html", context)


@mediator_required
@require_POST
def availability_date_remove(request: HttpRequest, pk: int) -> HttpResponse:
    dated = availability_dates_of(request.user.mediator).filter(pk=pk).first()
    if dated is None:
        raise Http404
    availability_date_delete(dated=dated)
    messages.success(request, _("The time has been removed."))
    return redirect("web:mediator-availability")


@mediator_required
@require_POST
def availability_delete(request: HttpRequest, pk: int) -> HttpResponse:
    slot = availability_of(request.user.mediator).filter(pk=pk).first()
    if slot is None:
        raise Http404
    availability_slot_delete(slot=slot)
    messages.success(request, _("The time has been removed."))
    return redirect("web:mediator-availability")


@mediator_required
def absences(request: HttpRequest) -> HttpResponse:
    mediator = request.user.mediator
    form = AbsenceForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if data["starts_on"] <= data["ends_on"]:
            covered = appointments_covered_by(
                mediator=mediator, starts_on=data["starts_on"], ends_on=data["ends_on"]
            )
            if covered:
                form.offer_give_back([(b.pk, appointment_label(b)) for b in covered])
                form.full_clean()  # again, with the checkboxes
        try:
            _absence, given_back = mediator_absence_create(
                mediator=mediator,
                actor=request.user,
                starts_on=data["starts_on"],
                ends_on=data["ends_on"],
                note=data.get("note", ""),
                give_back=form.cleaned_data.get("give_back") or (),
            )
        except DomainError as error:
            show_domain_error(form, error)
        else:
            messages.success(request, _("The absence has been added."))
            if given_back:
                messages.success(
                    request,
                    ngettext(
                        "You have given %(count)d appointment back.",
                        "You have given %(count)d appointments back.",
                        len(given_back),
                    )
                    % {"count": len(given_back)},
                )
            return redirect("web:mediator-absences")
    today = local_date(timezone.now())
    current = absences_of(mediator).filter(ends_on__gte=today)
    return render(request, "web/mediator/absences.html", {"form": form, "absences": current})


@mediator_required
@require_POST
def absence_remove(request: HttpRequest, pk: int) -> HttpResponse:
    absence = absences_of(request.user.mediator).filter(pk=pk).first()
    if absence is None:
        raise Http404
    absence_delete(absence=absence)
    messages.success(request, _("The absence has been removed."))
    return redirect("web:mediator-absences")


def _skills_initial(mediator) -> list[dict]:
    return [
        {"language": row.language, "dialect": row.dialect, "level": row.level}
        for row in mediator.languages.select_related("language", "dialect")
    ]


@mediator_required
def profile(request: HttpRequest) -> HttpResponse:
    mediator = request.user.mediator
    initial = {name: getattr(mediator, name) for name in ProfileForm.base_fields}
    form = ProfileForm(request.POST or None, initial=initial)
    skills = LanguageSkillFormSet(
        request.POST or None, initial=_skills_initial(mediator), prefix="languages"
    )
    if request.method == "POST" and form.is_valid() and skills.is_valid():
        chosen = [
            LanguageSkill(language=f["language"], dialect=f.get("dialect"), level=f["level"])
            for f in skills.cleaned_data
            if f.get("language")
        ]
        try:
            mediator_update(
                mediator=mediator,
                data=form.cleaned_data,
                languages=chosen,
                allowed=MEDIATOR_EDITABLE,
            )
        except DomainError as error:
            show_domain_error(form, error)
        else:
            messages.success(request, _("Your profile has been saved."))
            response = redirect("web:mediator-profile")
            from django.conf import settings

            response.set_cookie(
                settings.LANGUAGE_COOKIE_NAME, form.cleaned_data["language"], samesite="Lax"
            )
            return response
    return render(
        request,
        "web/mediator/profile.html",
        {
            "form": form,
            "skills": skills,
            "mediator": mediator,
            "push_key": vapid_public_key(),
            "push_devices": push_devices_of(request.user.pk),
            **tokens_context(request),
        },
    )


@mediator_required
def feed(request: HttpRequest) -> HttpResponse:
    return feed_page(request, mediator=request.user.mediator)


@mediator_required
def statement(request: HttpRequest) -> HttpResponse:
    mediator = request.user.mediator
    form = StatementMonthForm(request.GET)
    year, month = form.chosen(today=local_date(timezone.now()))
    result = mediator_statement(mediator=mediator, year=year, month=month)
    file_format = request.GET.get("format")
    if file_format == "csv":
        response = HttpResponse(
            statement_csv(mediator, result), content_type="text/csv; charset=utf-8"
        )
    elif file_format == "pdf":
        response = HttpResponse(statement_pdf(mediator, result), content_type="application/pdf")
    else:
        return render(
            request,
            "web/mediator/statement.html",
            {
                "form": form,
                "statement": result,
                "rows": statement_rows(result),
                "month_value": f"{year}-{month:02d}",
            },
        )
    response["Content-Disposition"] = (
        f'attachment; filename="{statement_filename(mediator, result, file_format)}"'
    )
    return response
