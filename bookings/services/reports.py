"""After the appointment: the mediator's report, the institution's confirmation or dispute,
the coordinator's resolution, the no-show, and the travel made for a late cancellation.

Each confirmed report creates the expense allowance (``compensation``).
"""

from __future__ import annotations

import datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.constants import ActorRole
from core.exceptions import DomainError
from core.time import local_date

from ..access import (
    is_coordinator_of,
    require_assigned_mediator,
    require_coordinator_of,
    require_staff_of,
)
from ..constants import (
    MAX_ACTUAL_MINUTES,
    MAX_DEBRIEF_CHARS,
    MAX_TICKET_CENTS,
    MAX_TRAVEL_KM,
    MAX_TRAVEL_MINUTES,
    AlertKind,
    AllowanceKind,
    Mode,
    ReportStatus,
    Status,
)
from ..exceptions import BookingConflict
from ..locking import lock_booking, lock_booking_and_mediator, lock_rows
from ..messages.hooks import alert_notify
from ..messages.void import booking_messages_void
from ..models import Alert, Allowance, Booking, Feedback, Report
from ..state_machine import record_event, transition
from .access_log import access_log_change
from .compensation import (
    allowance_for_late_cancellation,
    allowance_for_report,
    allowance_rewrite,
    allowance_write,
    compensation_rule_for,
    late_cancellation_compute,
)

__all__ = [
    "allowance_for_late_cancellation",
    "booking_mark_no_show",
    "late_cancellation_travel_report",
    "report_call_back_done",
    "report_confirm",
    "report_dispute",
    "report_resolve",
    "report_submit",
]

# --- figures ------------------------------------------------------------------------------


def _whole_number(value: Any, *, field: str, maximum: int, minimum: int = 0) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise DomainError(_("Give a whole number."), field=field)
    if not minimum <= value <= maximum:
        raise DomainError(
            _("Give a value between %(min)s and %(max)s.") % {"min": minimum, "max": maximum},
            field=field,
        )
    return value


def _kilometres(value: Any) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal | str):
        raise DomainError(_("Give the distance in kilometres."), field="travel_km")
    try:
        km = Decimal(str(value).strip())
    except InvalidOperation:
        raise DomainError(_("Give the distance in kilometres."), field="travel_km") from None
    if not km.is_finite() or not 0 <= km <= MAX_TRAVEL_KM:
        raise DomainError(
            _("Give a distance between 0 and %(max)s km.") % {"max": MAX_TRAVEL_KM},
            field="travel_km",
        )
    return km.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def _travel(
    booking: Booking, *, travel_km: Any, travel_minutes: Any, ticket_cents: Any
) -> dict[str, Any]:
    figures = {
        "travel_km": _kilometres(travel_km),
        "travel_minutes": _whole_number(
            travel_minutes, field="travel_minutes", maximum=MAX_TRAVEL_MINUTES
        ),
        "ticket_cents": _whole_number(ticket_cents, field="ticket_cents", maximum=MAX_TICKET_CENTS),
    }
    if booking.mode != Mode.ON_SITE:
        for name in ("travel_km", "travel_minutes", "ticket_cents"):
            if figures[name]:
                raise DomainError(_("Travel is paid only for appointments on site."), field=name)
    return figures


def _jsonable(figures: dict[str, Any]) -> dict[str, Any]:
    return {k: str(v) if isinstance(v, Decimal) else v for k, v in figures.items()}


def _locked_report(booking: Booking) -> tuple[Booking, Report]:
    """Lock the booking, its mediator (who is paid on review) and its report; a booking
    without a submitted report answers 409."""
    locked, _mediator = lock_booking_and_mediator(booking)
    report = lock_rows(Report.objects.filter(booking=locked)).first()
    if locked.status != Status.COMPLETED or report is None:
        raise BookingConflict(
            _("There is no report waiting for review on this booking."), code="no_report"
        )
    return locked, report


def _debrief(note: Any) -> str:
    if note is None:
        return ""
    if not isinstance(note, str):
        raise DomainError(_("Write the note as text."), field="debrief_note")
    note = note.strip()
    if len(note) > MAX_DEBRIEF_CHARS:
        raise DomainError(
            _("Keep the note under %(count)d characters.") % {"count": MAX_DEBRIEF_CHARS},
            field="debrief_note",
        )
    return note


# --- the report ---------------------------------------------------------------------------


def report_submit(
    *,
    booking: Booking,
    actor: AbstractBaseUser,
    actual_minutes: int,
    travel_km: Decimal | int | float | str,
    travel_minutes: int = 0,
    ticket_cents: int = 0,
    debrief_note: str = "",
    call_back: bool = False,
    now: datetime.datetime | None = None,
) -> Report:
    """The assigned mediator reports actual time and travel after the appointment has
    started: confirmed → completed. Who is assigned and when it starts are read from the
    locked row (the caller's copy may be older than a give-back or a new time).

    After a hard conversation the mediator may add a note for the pool's coordinators
    (``debrief_note``, seen by nobody else and kept out of the booking's history) and ask to
    be called back (``call_back``: an entry in the coordinators' work list until one of them
    marks the call done)."""
    now = now or timezone.now()
    note = _debrief(debrief_note)
    with transaction.atomic():
        locked = lock_booking(booking)
        require_assigned_mediator(actor, locked)
        if locked.status != Status.CONFIRMED:
            raise BookingConflict(_("Only a confirmed appointment can be reported."), code="state")
        if now < locked.starts_at:
            raise BookingConflict(
                _("The appointment has not started yet; report it afterwards."), code="too_early"
            )
        figures = {
            "actual_minutes": _whole_number(
                actual_minutes, field="actual_minutes", minimum=1, maximum=MAX_ACTUAL_MINUTES
            ),
            **_travel(
                locked,
                travel_km=travel_km,
                travel_minutes=travel_minutes,
                ticket_cents=ticket_cents,
            ),
        }
        completed = transition(
            locked,
            to=Status.COMPLETED,
            actor=actor,
            actor_role=ActorRole.MEDIATOR,
            allowed_from={Status.CONFIRMED},
            data={"report": _jsonable(figures)},
        )
        report = Report.objects.create(
            booking=completed, debrief_note=note, call_back=bool(call_back), **figures
        )
        booking_messages_void(booking=completed)  # the request for this report
        access_log_change(booking=completed, actor=actor)
    booking.refresh_from_db()
    return report


def report_confirm(
    *,
    booking: Booking,
    actor: AbstractBaseUser,
    rating: int | None = None,
    comment: str = "",
    now: datetime.datetime | None = None,
) -> Booking:
    """Staff of the booking's institution confirm the report (completed → closed), may leave
    feedback (rating 1–5, seen only by coordinators); the allowance is created."""
    now = now or timezone.now()
    require_staff_of(actor, booking)
    comment = (comment or "").strip()
    if rating is not None:
        _whole_number(rating, field="rating", minimum=1, maximum=5)
    elif comment:
        raise DomainError(_("Give a rating from 1 to 5 with your comment."), field="rating")
    if len(comment) > 2000:
        raise DomainError(_("Keep the comment under 2000 characters."), field="comment")
    with transaction.atomic():
        locked, report = _locked_report(booking)
        if report.status != ReportStatus.SUBMITTED:
            raise BookingConflict(
                _("The report is disputed; a coordinator resolves it."), code="report_disputed"
            )
        report.status = ReportStatus.CONFIRMED
        report.reviewed_by_id = actor.pk
        report.reviewed_at = now
        report.save(update_fields=["status", "reviewed_by", "reviewed_at"])
        if rating is not None:
            Feedback.objects.create(
                booking=locked, rating=rating, comment=comment, created_by_id=actor.pk
            )
        closed = transition(
            locked,
            to=Status.CLOSED,
            actor=actor,
            actor_role=ActorRole.INSTITUTION,
            allowed_from={Status.COMPLETED},
            data={"report": "confirmed"},
        )
        allowance_for_report(booking=closed, report=report)
        access_log_change(booking=closed, actor=actor)
    booking.refresh_from_db()
    return closed


def report_dispute(
    *,
    booking: Booking,
    actor: AbstractBaseUser,
    reason: str,
    now: datetime.datetime | None = None,
) -> Booking:
    """Staff of the institution dispute the report: it waits for a coordinator, who is
    alerted. The booking stays completed."""
    now = now or timezone.now()
    require_staff_of(actor, booking)
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Say what is wrong with the report."), field="reason")
    with transaction.atomic():
        locked, report = _locked_report(booking)
        if report.status != ReportStatus.SUBMITTED:
            raise BookingConflict(_("The report is already disputed."), code="report_disputed")
        report.status = ReportStatus.DISPUTED
        report.dispute_reason = reason
        report.reviewed_by_id = actor.pk
        report.reviewed_at = now
        report.save(update_fields=["status", "dispute_reason", "reviewed_by", "reviewed_at"])
        record_event(
            booking=locked,
            from_status=Status.COMPLETED,
            to_status=Status.COMPLETED,
            actor=actor,
            actor_role=ActorRole.INSTITUTION,
            reason=reason,
            data={"report": "disputed"},
        )
        alert = Alert.objects.create(
            pool_id=locked.pool_id,
            booking=locked,
            mediator_id=locked.mediator_id,
            kind=AlertKind.REPORT_DISPUTED,
            message=_("The institution disputes the report: %(reason)s") % {"reason": reason},
        )
        alert_notify(alert=alert)
        access_log_change(booking=locked, actor=actor)
    booking.refresh_from_db()
    return locked


def report_resolve(
    *,
    booking: Booking,
    actor: AbstractBaseUser,
    actual_minutes: int | None = None,
    travel_km: Decimal | int | float | str | None = None,
    travel_minutes: int | None = None,
    ticket_cents: int | None = None,
    reason: str = "",
) -> Booking:
    """A coordinator settles a report (disputed, or never confirmed), correcting figures
    where needed: completed → closed, with the allowance."""
    require_coordinator_of(actor, booking)
    with transaction.atomic():
        locked, report = _locked_report(booking)
        old = {
            "actual_minutes": report.actual_minutes,
            "travel_km": report.travel_km,
            "travel_minutes": report.travel_minutes,
            "ticket_cents": report.ticket_cents,
        }
        new = dict(old)
        if actual_minutes is not None:
            new["actual_minutes"] = _whole_number(
                actual_minutes, field="actual_minutes", minimum=1, maximum=MAX_ACTUAL_MINUTES
            )
        new.update(
            _travel(
                locked,
                travel_km=old["travel_km"] if travel_km is None else travel_km,
                travel_minutes=old["travel_minutes"] if travel_minutes is None else travel_minutes,
                ticket_cents=old["ticket_cents"] if ticket_cents is None else ticket_cents,
            )
        )
        changes = {k: [str(old[k]), str(new[k])] for k in old if old[k] != new[k]}
        for name, value in new.items():
            setattr(report, name, value)
        report.status = ReportStatus.CONFIRMED
        report.reviewed_by_id = actor.pk
        report.reviewed_at = timezone.now()
        report.save()
        closed = transition(
            locked,
            to=Status.CLOSED,
            actor=actor,
            actor_role=ActorRole.COORDINATOR,
            reason=reason,
            allowed_from={Status.COMPLETED},
            data={"report": "resolved", "changes": changes},
        )
        Alert.objects.filter(
            booking=closed, kind=AlertKind.REPORT_DISPUTED, resolved_at__isnull=True
        ).update(resolved_at=timezone.now())
        booking_messages_void(booking=closed)  # the alert about the dispute
        allowance_for_report(booking=closed, report=report)
        access_log_change(booking=closed, actor=actor)
    booking.refresh_from_db()
    return closed


def report_call_back_done(
    *,
    booking: Booking,
    actor: AbstractBaseUser,
    now: datetime.datetime | None = None,
) -> Report:
    """A coordinator of the pool has called the mediator back: the entry leaves the work
    list. Marking it again changes nothing."""
    now = now or timezone.now()
    require_coordinator_of(actor, booking)
    with transaction.atomic():
        report = lock_rows(Report.objects.filter(booking=booking, call_back=True)).first()
        if report is None:
            raise BookingConflict(
                _("The mediator has not asked to be called back."), code="no_call_back"
            )
        if report.call_back_done_at is None:
            report.call_back_done_at = now
            report.call_back_done_by_id = actor.pk
            report.save(update_fields=["call_back_done_at", "call_back_done_by"])
            access_log_change(booking=booking, actor=actor)
    return report


# --- no-show and the travel of a late cancellation ------------------------------------------


def booking_mark_no_show(
    *,
    booking: Booking,
    actor: AbstractBaseUser,
    reason: str = "",
    now: datetime.datetime | None = None,
) -> Booking:
    """A coordinator marks a confirmed booking whose start has passed as no-show (the start
    read from the locked row: the caller's copy may be older than a new time)."""
    now = now or timezone.now()
    require_coordinator_of(actor, booking)
    with transaction.atomic():
        locked = lock_booking(booking)
        if now < locked.starts_at:
            raise BookingConflict(_("The appointment has not started yet."), code="too_early")
        marked = transition(
            locked,
            to=Status.NO_SHOW,
            actor=actor,
            actor_role=ActorRole.COORDINATOR,
            reason=(reason or "").strip(),
            allowed_from={Status.CONFIRMED},
        )
        access_log_change(booking=marked, actor=actor)
    booking.refresh_from_db()
    return marked


def late_cancellation_travel_report(
    *,
    booking: Booking,
    actor: AbstractBaseUser,
    travel_km: Decimal | int | float | str,
    travel_minutes: int = 0,
    ticket_cents: int = 0,
) -> Allowance:
    """The assigned mediator reports — once — the travel already made for an appointment the
    institution cancelled late; it is added to the late-cancellation allowance. A
    coordinator of the pool may file it on the mediator's behalf (say, from a phone call):
    the booking's history then names the coordinator who filed it."""
    with transaction.atomic():
        locked, _mediator = lock_booking_and_mediator(booking)
        on_behalf = is_coordinator_of(actor, locked)
        if not on_behalf:
            require_assigned_mediator(actor, locked)
        figures = _travel(
            locked, travel_km=travel_km, travel_minutes=travel_minutes, ticket_cents=ticket_cents
        )
        if not (
            locked.status == Status.CANCELLED
            and locked.late_cancellation
            and locked.cancelled_by_role == ActorRole.INSTITUTION
        ):
            raise BookingConflict(
                _("Travel is paid only for a late cancellation by the institution."),
                code="not_late_cancellation",
            )
        rule = compensation_rule_for(pool=locked.pool, day=local_date(locked.starts_at))
        amount = late_cancellation_compute(rule=rule, booking=locked, **figures)
        amount.breakdown["travel_reported"] = True
        allowance = lock_rows(
            Allowance.objects.filter(
                booking=locked, mediator=locked.mediator, kind=AllowanceKind.LATE_CANCELLATION
            )
        ).first()
        if allowance is None:
            allowance, _created = allowance_write(
                booking=locked, kind=AllowanceKind.LATE_CANCELLATION, amount=amount
            )
        elif allowance.breakdown.get("travel_reported"):
            raise BookingConflict(_("The travel is already reported."), code="already_reported")
        else:
            allowance = allowance_rewrite(allowance=allowance, amount=amount)
        if on_behalf:
            record_event(
                booking=locked,
                from_status=locked.status,
                to_status=locked.status,
                actor=actor,
                actor_role=ActorRole.COORDINATOR,
                reason=_("Travel reported on the mediator's behalf."),
                data={"travel_report": _jsonable(figures), "on_behalf_of": locked.mediator_id},
            )
        access_log_change(booking=locked, actor=actor)
    return allowance
