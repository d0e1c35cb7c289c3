"""What the product holds about a person (Art. 15 GDPR), whom a coordinator may erase, and
the access log as a coordinator reads it.

``personal_data_export(person)`` is the one description of "all data about a person": the
download on the profile page, ``GET /api/v1/me/export/`` and the coordinator's
``GET /api/v1/people/{user_id}/export/`` all return it. Its format is documented in
docs/privacy.md ("Access to one's data"); ``EXPORT_FORMAT`` names its version.
"""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Any

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from core.roles import actor_role_of
from core.time import BERLIN
from institutions.models import Coordinator, Staff
from institutions.selectors import coordinator_of
from mediators.applications.selectors import EXPORT_FORMAT as APPLICATION_EXPORT_FORMAT
from mediators.applications.selectors import application_as_data
from mediators.models import Mediator, MediatorApplication
from notifications.models import Message
from notifications.selectors import push_devices_of

from ..models import AccessLog, Allowance, Booking, BookingSeries, Offer, Report
from ..selectors.bookings import booking_view_for, bookings_visible_to

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

EXPORT_FORMAT = APPLICATION_EXPORT_FORMAT  # one format for accounts and applicants


def require_coordinator(actor: AbstractBaseUser | AnonymousUser | None) -> Coordinator:
    """The actor's coordinator row; 403 for anyone else."""
    coordinator = coordinator_of(actor)
    if coordinator is None:
        raise PermissionDenied(_("Only a coordinator may do this."))
    return coordinator


def people_in_reach(actor: AbstractBaseUser | AnonymousUser | None) -> QuerySet:
    """The accounts of the mediators and institution staff of the coordinator's pool (and
    the coordinator's own account); none for anyone else."""
    coordinator = coordinator_of(actor)
    users = get_user_model().objects.select_related("mediator", "staff__institution")
    if coordinator is None:
        return users.none()
    pool_id = coordinator.pool_id
    return users.filter(
        Q(mediator__pool_id=pool_id)
        | Q(staff__institution__pool_id=pool_id)
        | Q(pk=coordinator.user_id)
    )


def person_in_reach(actor: AbstractBaseUser | AnonymousUser | None, user_id: int) -> Any:
    """A mediator or staff member of the coordinator's pool; 403 for a non-coordinator,
    404 for anyone else (never reveal that an account exists)."""
    require_coordinator(actor)
    person = (
        people_in_reach(actor)
        .filter(Q(mediator__isnull=False) | Q(staff__isnull=False), pk=user_id)
        .first()
    )
    if person is None:
        raise Http404
    return person


def _moment(value: datetime.datetime | None) -> str | None:
    return value.astimezone(BERLIN).isoformat() if value is not None else None


def _day(value: datetime.date | None) -> str | None:
    return value.isoformat() if value is not None else None


def _account(user: Any) -> dict[str, Any]:
    role = actor_role_of(user)
    return {
        "id": user.pk,
        "username": user.get_username(),
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "role": str(role) if role else None,
        "active": user.is_active,
        "date_joined": _moment(user.date_joined),
        "last_login": _moment(user.last_login),
    }


def _mediator(mediator: Mediator) -> dict[str, Any]:
    return {
        "id": mediator.pk,
        "pool": mediator.pool.name,
        "gender": mediator.gender,
        "phone": mediator.phone,
        "iban": mediator.iban,
        "home_postal_code": mediator.home_postal_code,
        "home_latitude": mediator.home_latitude,
        "home_longitude": mediator.home_longitude,
        "max_travel_km": mediator.max_travel_km,
        "max_hours_per_week": mediator.max_hours_per_week,
        "max_hours_per_month": mediator.max_hours_per_month,
        "training_completed_on": _day(mediator.training_completed_on),
        "pledge_signed_on": _day(mediator.pledge_signed_on),
        "police_certificate_inspected_on": _day(mediator.police_certificate_inspected_on),
        "police_certificate_valid_until": _day(mediator.police_certificate_valid_until),
        "declined_topics": mediator.declined_topics,
        "preferred_fields": mediator.preferred_fields,
        "preferred_towns": [town.name for town in mediator.preferred_towns.all()],
        "active": mediator.active,
        "paused_reason": mediator.paused_reason,
        "self_unavailable": mediator.self_unavailable,
        "self_unavailable_until": _day(mediator.self_unavailable_until),
        "message_language": mediator.language,
        "created_at": _moment(mediator.created_at),
        "languages": [
            {
                "language": row.language.code,
                "dialect": row.dialect.code if row.dialect is not None else None,
                "level": row.level,
            }
            for row in mediator.languages.select_related("language", "dialect")
        ],
        "availability": [
            {
                "weekday": slot.weekday,
                "from": slot.start_time.isoformat("minutes"),
                "until": slot.end_time.isoformat("minutes"),
            }
            for slot in mediator.availability.all()
        ],
        "availability_dates": [
            {
                "day": _day(dated.day),
                "from": dated.start_time.isoformat("minutes"),
                "until": dated.end_time.isoformat("minutes"),
            }
            for dated in mediator.availability_dates.order_by("day", "start_time")
        ],
        "absences": [
            {"from": _day(a.starts_on), "until": _day(a.ends_on), "note": a.note}
            for a in mediator.absences.all()
        ],
        "conflicts_of_interest": [
            {
                "institution": c.institution.name if c.institution is not None else None,
                "case_reference": c.case_reference,
                "created_at": _moment(c.created_at),
                "reason": c.reason,
                "lifted_at": _moment(c.lifted_at),
                "lift_reason": c.lift_reason,
            }
            for c in mediator.conflicts.select_related("institution")
        ],
        "blocked_institutions": [
            {"institution": b.institution.name, "reason": b.reason}
            for b in mediator.blocks.select_related("institution")
        ],
        "calendar_feed": hasattr(mediator, "calendar_feed"),
    }


def _staff(staff: Staff) -> dict[str, Any]:
    return {
        "id": staff.pk,
        "institution": staff.institution.name,
        "role": staff.role,
        "phone": staff.phone,
        "message_language": staff.language,
    }


def _booking(person: Any, booking: Booking) -> dict[str, Any]:
    """The booking as the person may see it (``booking_view_for``); hidden values null."""
    view = booking_view_for(person, booking)
    mediator_id = getattr(getattr(person, "mediator", None), "pk", None)
    report = getattr(booking, "report", None) if view.report else None
    return {
        "id": booking.pk,
        "status": booking.status,
        "institution": booking.institution.name,
        "language": booking.language.code,
        "dialect": booking.dialect.code if booking.dialect is not None else None,
        "starts_at": _moment(booking.starts_at),
        "ends_at": _moment(booking.ends_at),
        "duration_minutes": booking.duration_minutes,
        "mode": booking.mode,
        "location": str(booking.location) if booking.location_id else None,
        "field": booking.field,
        "topic": booking.topic,
        "kind": booking.kind,
        "case_reference": booking.case_reference,
        "notes": booking.notes,
        "contact_name": booking.contact_name if view.institution_contact else None,
        "contact_phone": booking.contact_phone if view.institution_contact else None,
        "mediator": str(booking.mediator) if view.mediator and booking.mediator_id else None,
        "cancellation_reason": booking.cancellation_reason,
        "anonymised_at": _moment(booking.anonymised_at),
        "report": (
            _report(
                report, own=booking.mediator_id is not None and mediator_id == booking.mediator_id
            )
            if report is not None
            else None
        ),
    }


def _report(report: Report, *, own: bool) -> dict[str, Any]:
    """The report; the mediator's note for the coordinators and the call-back wish only in
    the mediator's own export (the institution's staff never see them)."""
    data = {
        "actual_minutes": report.actual_minutes,
        "travel_km": str(report.travel_km),
        "travel_minutes": report.travel_minutes,
        "ticket_cents": report.ticket_cents,
        "status": report.status,
        "reported_at": _moment(report.reported_at),
        "dispute_reason": report.dispute_reason,
    }
    if own:
        data["debrief_note"] = report.debrief_note
        data["call_back"] = report.call_back
        data["called_back_at"] = _moment(report.call_back_done_at)
    return data


def applications_of(person: Any) -> QuerySet[MediatorApplication]:
    """The applications a person made: the one they became a mediator with, and any other
    sent from their account's e-mail address."""
    mediator = getattr(person, "mediator", None)
    match = Q(mediator=mediator) if mediator is not None else Q(pk__in=[])
    if person.email:
        match |= Q(email__iexact=person.email)
    return (
        MediatorApplication.objects.filter(match)
        .select_related("pool")
        .order_by("created_at", "pk")
    )


def _bookings_of(person: Any) -> QuerySet[Booking]:
    if hasattr(person, "mediator"):
        qs = bookings_visible_to(person)
    elif hasattr(person, "staff"):
        qs = Booking.objects.filter(requested_by=person)
    else:
        qs = Booking.objects.none()
    return qs.select_related(
        "institution", "language", "dialect", "location__town", "mediator__user", "report"
    ).order_by("starts_at", "pk")


def _access_log(rows: QuerySet[AccessLog]) -> list[dict[str, Any]]:
    return [
        {
            "at": _moment(row.at),
            "action": row.action,
            "booking": row.booking_id,
            "what": row.what,
            "count": row.count,
        }
        for row in rows.order_by("at", "pk")
    ]


def personal_data_export(person: Any, *, now: datetime.datetime | None = None) -> dict[str, Any]:
    """Everything the product holds about ``person`` (a user), as JSON-ready values: the
    account, the mediator's or staff member's profile with languages, availability,
    absences; the bookings as the person may see them, with the reports (a mediator's own
    with their note for the coordinators); offers; allowances; applications to become a
    mediator;
    the messages sent to them; the devices they turned push notifications on for (label
    and dates, never the endpoint or its keys); the series of appointments they requested;
    what they read and changed (their access-log entries) and
    who read their data in bulk."""
    now = now or timezone.now()
    user_key = f",{person.pk},"
    mediator = getattr(person, "mediator", None)
    staff = getattr(person, "staff", None)
    coordinator = getattr(person, "coordinator", None)
    data: dict[str, Any] = {
        "format": EXPORT_FORMAT,
        "generated_at": _moment(now),
        "account": _account(person),
        "mediator": _mediator(mediator) if mediator is not None else None,
        "staff": _staff(staff) if staff is not None else None,
        "coordinator": (
            {"pool": coordinator.pool.name, "phone": coordinator.phone}
            if coordinator is not None
            else None
        ),
        "bookings": [_booking(person, booking) for booking in _bookings_of(person)],
        "offers": [],
        "allowances": [],
    }
    if mediator is not None:
        data["offers"] = [
            {
                "booking": offer.booking_id,
                "status": offer.status,
                "created_at": _moment(offer.created_at),
                "expires_at": _moment(offer.expires_at),
                "responded_at": _moment(offer.responded_at),
            }
            for offer in Offer.objects.filter(mediator=mediator).order_by("created_at", "pk")
        ]
        data["allowances"] = [
            {
                "booking": allowance.booking_id,
                "kind": allowance.kind,
                "day": _day(allowance.day),
                "amount_cents": allowance.amount_cents,
                "breakdown": allowance.breakdown,
            }
            for allowance in Allowance.objects.filter(mediator=mediator).order_by("day", "pk")
        ]
    data["applications"] = [application_as_data(row) for row in applications_of(person)]
    data["messages"] = [
        {
            "kind": message.kind,
            "status": message.status,
            "to": message.recipient_email,
            "language": message.language,
            "booking": message.booking_id,
            "created_at": _moment(message.created_at),
            "sent_at": _moment(message.sent_at),
        }
        for message in Message.objects.filter(recipient_user=person).order_by("created_at", "pk")
    ]
    data["series"] = [
        {
            "id": series.pk,
            "institution": series.institution.name,
            "every_weeks": series.interval_weeks,
            "until": _day(series.until),
            "count": series.count,
            "created_at": _moment(series.created_at),
            "bookings": [booking.pk for booking in series.bookings.order_by("series_position")],
        }
        for series in BookingSeries.objects.filter(created_by=person)
        .select_related("institution")
        .order_by("created_at", "pk")
    ]
    data["push_devices"] = [
        {
            "device": device.label,
            "created_at": _moment(device.created_at),
            "last_success_at": _moment(device.last_success_at),
        }
        for device in push_devices_of(person.pk)
    ]
    data["access_log"] = _access_log(AccessLog.objects.filter(user=person))
    data["reads_of_your_data"] = _access_log(
        AccessLog.objects.filter(user_ids__contains=user_key).exclude(user=person)
    )
    return data


def access_log_visible_to(
    user: AbstractBaseUser | AnonymousUser | None,
    *,
    person: int | None = None,
    reader: int | None = None,
    booking: int | None = None,
    since: datetime.datetime | None = None,
    until: datetime.datetime | None = None,
) -> QuerySet[AccessLog]:
    """The access log of a coordinator's pool, newest first, filtered by ``person`` (a user
    id: rows by them or about them, listed in bulk rows included), ``reader`` (only rows by
    that user), ``booking`` (its detail reads and changes, and the lists that showed it) and
    time (``since`` inclusive, ``until`` exclusive). None for anyone else."""
    coordinator = coordinator_of(user)
    if coordinator is None:
        return AccessLog.objects.none()
    qs = AccessLog.objects.filter(
        Q(pool_id=coordinator.pool_id) | Q(booking__pool_id=coordinator.pool_id)
    )
    if person is not None:
        qs = qs.filter(Q(user_id=person) | Q(user_ids__contains=f",{int(person)},"))
    if reader is not None:
        qs = qs.filter(user_id=reader)
    if booking is not None:
        qs = qs.filter(Q(booking_id=booking) | Q(booking_ids__contains=f",{int(booking)},"))
    if since is not None:
        qs = qs.filter(at__gte=since)
    if until is not None:
        qs = qs.filter(at__lt=until)
    return qs.select_related("user").order_by("-at", "-pk")
