"""A mediator's new absence, against the appointments they hold.

An absence (``mediators.services.absence_create``) may not cover a confirmed appointment:
the mediator would be booked on a day they said they are away. ``mediator_absence_create``
refuses it and names each appointment; the mediator may give them back in the same step
(``give_back``), which follows the usual path (``booking_cancel`` as a give-back: matching
re-opens, the standby first, and everyone hears of it), all in one transaction with the
absence. It lives here, not in mediators, because mediators does not import bookings.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from core.exceptions import DomainError
from core.locale_format import format_clock, format_day
from core.time import local_datetime
from mediators.models import Absence, Mediator
from mediators.services import absence_create

from ..constants import Status
from ..locking import lock_mediator
from ..models import Booking
from .booking import booking_cancel


def appointment_label(booking: Booking) -> str:
    return _("%(day)s %(start)s–%(end)s, %(language)s, %(institution)s") % {
        "day": format_day(booking.starts_at),
        "start": format_clock(booking.starts_at),
        "end": format_clock(booking.ends_at),
        "language": booking.language.name_for(get_language() or "de"),
        "institution": booking.institution.name,
    }


class AbsenceCoversAppointments(DomainError):
    """The new absence covers confirmed appointments: 400, naming each, with the offer to
    give them back in the same step."""

    code = "absence_covers_appointments"

    def __init__(self, bookings: list[Booking]):
        names = "; ".join(appointment_label(b) for b in bookings)
        super().__init__(
            _(
                "This absence covers your confirmed appointments: %(appointments)s. Give them "
                "back in the same step, or choose other days."
            )
            % {"appointments": names},
            field="give_back",
        )
        self.bookings = bookings

    def as_dict(self) -> dict[str, Any]:
        payload: dict[str, Any] = dict(super().as_dict())
        payload["code"] = self.code
        payload["appointments"] = [
            {
                "id": b.pk,
                "starts_at": b.starts_at.isoformat(),
                "ends_at": b.ends_at.isoformat(),
                "institution": b.institution.name,
                "language": b.language.code,
                "label": appointment_label(b),
            }
            for b in self.bookings
        ]
        return payload


def appointments_covered_by(
    *, mediator: Mediator, starts_on: datetime.date, ends_on: datetime.date
) -> list[Booking]:
    """The mediator's confirmed appointments that touch the local days [starts_on, ends_on]."""
    return list(
        Booking.objects.filter(
            mediator=mediator,
            status=Status.CONFIRMED,
            starts_at__lt=local_datetime(ends_on + datetime.timedelta(days=1)),
            ends_at__gt=local_datetime(starts_on),
        )
        .select_related("institution", "language")
        .order_by("starts_at", "pk")
    )


def mediator_absence_create(
    *,
    mediator: Mediator,
    actor: AbstractBaseUser,
    starts_on: datetime.date,
    ends_on: datetime.date,
    note: str = "",
    give_back: bool | Iterable[int] = (),
    now: datetime.datetime | None = None,
) -> tuple[Absence, list[Booking]]:
    """Add the absence unless it covers a confirmed appointment; ``give_back`` (True for all
    of them, or the ids of the bookings) gives those back first, in the same transaction.
    Answers the absence and the bookings given back. An id that is not an appointment the
    absence covers is refused; nothing changes when anything is refused."""
    if starts_on > ends_on:
        raise DomainError(_("The absence must end on or after its first day."), field="ends_on")
    now = now or timezone.now()
    wanted: set[int] | None = None if give_back is True else {int(pk) for pk in give_back or ()}
    with transaction.atomic():
        covered = appointments_covered_by(mediator=mediator, starts_on=starts_on, ends_on=ends_on)
        covered_ids = {b.pk for b in covered}
        if wanted is not None and wanted - covered_ids:
            raise DomainError(
                _("Only appointments that the absence covers can be given back with it."),
                field="give_back",
            )
        kept = [b for b in covered if wanted is not None and b.pk not in wanted]
        if kept:
            raise AbsenceCoversAppointments(kept)
        given_back = []
        reason = _("Absent from %(first)s to %(last)s.") % {
            "first": f"{starts_on:%d.%m.%Y}",
            "last": f"{ends_on:%d.%m.%Y}",
        }
        for booking in covered:  # each locks its booking first, as everywhere
            given_back.append(booking_cancel(booking=booking, actor=actor, reason=reason, now=now))
        # Lock order: bookings, then the mediator. A confirmation that slipped in after the
        # check above refuses the whole step.
        lock_mediator(mediator)
        late = appointments_covered_by(mediator=mediator, starts_on=starts_on, ends_on=ends_on)
        if late:
            raise AbsenceCoversAppointments(late)
        absence = absence_create(mediator=mediator, starts_on=starts_on, ends_on=ends_on, note=note)
    return absence, given_back
