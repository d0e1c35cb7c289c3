"""Confirmation pages for far-reaching actions: assign a mediator, cancel a booking, apply a
plan, make a new calendar-feed address. The page (GET) says what will happen; only its POST
performs the action. Plain forms: no JavaScript needed, nothing inline (strict CSP)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.http import HttpRequest
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from bookings.models import Booking
from bookings.selectors.consequences import (
    CancelConsequences,
    PlanConsequences,
)
from core.i18n import reader_language

from ..templatetags.web_tags import local


@dataclass
class Confirmation:
    title: str
    summary: list[str]
    action: str  # where the POST goes
    button: str
    back: str
    back_label: str
    hidden: list[tuple[str, Any]] = field(default_factory=list)
    form: forms.Form | None = None
    danger: bool = False


def confirm_page(request: HttpRequest, confirmation: Confirmation, *, status: int = 200):
    return render(request, "web/confirm.html", {"confirm": confirmation}, status=status)


def booking_line(booking: Booking) -> str:
    """ "Tue 17.11.2026 10:00, Arabic, Grundschule Am Park" in the reader's language."""
    return _("%(when)s, %(language)s, %(institution)s") % {
        "when": local(booking.starts_at),
        "language": booking.language.name_for(reader_language()),
        "institution": booking.institution,
    }


def assign_summary(booking: Booking, mediator, *, pending_offers: int) -> list[str]:
    lines = [
        _("%(mediator)s is assigned to the appointment %(booking)s.")
        % {"mediator": mediator, "booking": booking_line(booking)},
        _("%(mediator)s is told at once and finds it among their assignments.")
        % {"mediator": mediator},
        _("The institution sees who is coming."),
    ]
    if pending_offers:
        lines.append(
            ngettext(
                "The open offer to another mediator ends.",
                "The %(count)d open offers to other mediators end.",
                pending_offers,
            )
            % {"count": pending_offers}
        )
    return lines


def cancel_summary(
    booking: Booking, consequences: CancelConsequences, *, by_institution: bool
) -> list[str]:
    lines = [
        _("The appointment %(booking)s is cancelled. This cannot be undone.")
        % {"booking": booking_line(booking)}
    ]
    if consequences.mediator_told:
        lines.append(
            _("%(mediator)s, who was to come, is told at once.") % {"mediator": booking.mediator}
        )
    if consequences.late:
        late = ngettext(
            "This is a late cancellation: less than %(hours)d hour before the appointment.",
            "This is a late cancellation: less than %(hours)d hours before the appointment.",
            consequences.late_cancellation_hours,
        ) % {"hours": consequences.late_cancellation_hours}
        if by_institution:
            late += " " + _("The mediator is paid for the booked time as the pool's rule says.")
        lines.append(late)
    if consequences.offers_withdrawn:
        lines.append(
            ngettext(
                "The open offer to a mediator ends.",
                "The %(count)d open offers to mediators end.",
                consequences.offers_withdrawn,
            )
            % {"count": consequences.offers_withdrawn}
        )
    return lines


def plan_summary(consequences: PlanConsequences) -> list[str]:
    assignments = ngettext(
        "%(count)d assignment is made.", "%(count)d assignments are made.", consequences.assignments
    ) % {"count": consequences.assignments}
    told = ngettext(
        "%(count)d mediator will be told.",
        "%(count)d mediators will be told.",
        consequences.mediators,
    ) % {"count": consequences.mediators}
    return [
        f"{assignments} {told}",
        _(
            "An assignment whose booking was taken meanwhile, or whose mediator can no longer "
            "come, is left out and shown with the reason."
        ),
    ]


def conflict_summary(mediator, case_reference: str, *, released: int) -> list[str]:
    lines = [
        _("%(mediator)s will not be offered the case %(case)s again.")
        % {"mediator": mediator, "case": case_reference}
    ]
    if released:
        lines.append(
            ngettext(
                "%(mediator)s is released from %(count)d confirmed booking of this case; the "
                "institution is told that the pool's rules no longer allow the assignment, "
                "and the booking looks for a mediator again.",
                "%(mediator)s is released from %(count)d confirmed bookings of this case; the "
                "institution is told that the pool's rules no longer allow the assignments, "
                "and the bookings look for a mediator again.",
                released,
            )
            % {"mediator": mediator, "count": released}
        )
    else:
        lines.append(
            _("%(mediator)s holds no confirmed booking of this case ahead: none is released.")
            % {"mediator": mediator}
        )
    lines.append(
        _("Open offers and standbys of this case for %(mediator)s end.") % {"mediator": mediator}
    )
    return lines


def feed_summary() -> list[str]:
    return [
        _("You get a new address for your calendar feed."),
        _(
            "The old address stops working at once: calendars subscribed to it no longer "
            "receive your appointments. Subscribe again with the new address."
        ),
    ]
