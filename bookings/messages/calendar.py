"""A booking as calendars see it: the ``Appointment`` that ``notifications.ical`` turns into
an event with its one builder - for the invitations and cancellations of the e-mails
(``content``) and for the secret feeds (``notifications.feeds`` reads whole feeds as rows of
``APPOINTMENT_COLUMNS`` and calls ``appointment_event`` for each).

What is the booking's here: where it happens (on site, by phone, by video), and what each
side is told about the other.
"""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING

from django.utils.translation import gettext_noop

from notifications.constants import SIDE_INSTITUTION
from notifications.ical import (
    Appointment,
    CalendarEvent,
    Conference,
    Party,
    Place,
    event_for_appointment,
    translated,
)

from ..constants import HOLDING_STATUSES, Mode

if TYPE_CHECKING:
    from ..models import Booking

# The columns of ``Appointment``, in its field order, as Booking lookups (a feed reads its
# rows with ``values_list(*APPOINTMENT_COLUMNS)`` and builds ``Appointment(*row)``).
APPOINTMENT_COLUMNS = (
    "pk",
    "sequence",
    "starts_at",
    "ends_at",
    "updated_at",
    "status",
    "mode",
    "language__name_de",
    "language__name_en",
    "language__code",
    "institution__name",
    "location__name",
    "location__address",
    "location__postal_code",
    "location__town__name",
    "location__latitude",
    "location__longitude",
    "contact_name",
    "contact_phone",
    "case_reference",
    "mediator__user__first_name",
    "mediator__user__last_name",
    "mediator__user__username",
    "mediator__phone",
    "meeting_url",
    "dial_in_number",
    "dial_in_pin",
)


def appointment_of(booking: Booking) -> Appointment:
    location, mediator = booking.location, booking.mediator
    user = mediator.user if mediator is not None else None
    return Appointment(
        booking_id=booking.pk,
        sequence=booking.sequence,
        starts_at=booking.starts_at,
        ends_at=booking.ends_at,
        updated_at=booking.updated_at,
        status=booking.status,
        mode=booking.mode,
        language_de=booking.language.name_de,
        language_en=booking.language.name_en,
        language_code=booking.language.code,
        institution=booking.institution.name,
        place_name=location.name if location else None,
        address=location.address if location else None,
        postal_code=location.postal_code if location else None,
        town=location.town.name if location else None,
        latitude=location.latitude if location else None,
        longitude=location.longitude if location else None,
        contact_name=booking.contact_name,
        contact_phone=booking.contact_phone,
        case_reference=booking.case_reference,
        mediator_first_name=user.first_name if user else None,
        mediator_last_name=user.last_name if user else None,
        mediator_username=user.get_username() if user else None,
        mediator_phone=mediator.phone if mediator else None,
        meeting_url=booking.meeting_url,
        dial_in_number=booking.dial_in_number,
        dial_in_pin=booking.dial_in_pin,
    )


def place_of(appointment: Appointment) -> Place:
    """The address (with coordinates) of an appointment on site, else phone or video."""
    if appointment.mode == Mode.ON_SITE and appointment.address:
        return Place(
            text=f"{appointment.place_name}, {appointment.address}, "
            f"{appointment.postal_code} {appointment.town}",
            latitude=appointment.latitude,
            longitude=appointment.longitude,
        )
    text = translated("By phone") if appointment.mode == Mode.PHONE else translated("By video")
    if appointment.contact_phone:
        text = f"{text} · {translated('Phone')}: {appointment.contact_phone}"
    return Place(text=text)


def shows_meeting_details(appointment: Appointment, side: str) -> bool:
    """The institution always (it entered them); a mediator only while booked for it (the
    message or feed of a mediator who is not, or no longer, booked leaves them out)."""
    if appointment.mode == Mode.ON_SITE:
        return False
    if side == SIDE_INSTITUTION:
        return True
    return bool(appointment.mediator_username) and appointment.status in HOLDING_STATUSES


def meeting_facts(appointment: Appointment, side: str) -> list[tuple[str, str]]:
    """The meeting link, or the dial-in number and PIN, for whoever may see them; "follows"
    while the institution has not given them yet."""
    if not shows_meeting_details(appointment, side):
        return []
    if appointment.mode == Mode.VIDEO:
        return [(translated("Meeting link"), appointment.meeting_url or translated("follows"))]
    facts = [(translated("Dial-in number"), appointment.dial_in_number or translated("follows"))]
    if appointment.dial_in_pin:
        facts.append((translated("PIN"), appointment.dial_in_pin))
    return facts


def conferences_of(appointment: Appointment, side: str) -> tuple[Conference, ...]:
    """RFC 7986 CONFERENCE of the invitation: the link, or the number as a ``tel:`` URI
    (the PIN is in the description; a ``tel:`` URI has no standard place for it)."""
    if not shows_meeting_details(appointment, side):
        return ()
    if appointment.mode == Mode.VIDEO and appointment.meeting_url:
        return (Conference(appointment.meeting_url, "VIDEO", translated("Meeting link")),)
    if appointment.mode == Mode.PHONE and appointment.dial_in_number:
        number = "".join(ch for ch in appointment.dial_in_number if ch.isdigit() or ch == "+")
        return (Conference(f"tel:{number}", "AUDIO", translated("Dial-in number")),)
    return ()


def contact_facts(appointment: Appointment, side: str) -> list[tuple[str, str]]:
    """Each side sees the other's contact person for this appointment only, and how to join
    a video or phone appointment (``meeting_facts``)."""
    meeting = meeting_facts(appointment, side)
    if side == SIDE_INSTITUTION:
        if not appointment.mediator_username:
            return meeting
        return [
            (
                translated("Language mediator"),
                _join(appointment.mediator_name, appointment.mediator_phone or ""),
            ),
            *meeting,
        ]
    return [
        (
            translated("Contact person"),
            _join(appointment.contact_name, appointment.contact_phone),
        ),
        *meeting,
    ]


def event_description(appointment: Appointment, side: str) -> str:
    """The calendar event's text: the case reference and the other side's contact."""
    lines = []
    if appointment.case_reference:
        lines.append((translated("Case reference"), appointment.case_reference))
    lines += contact_facts(appointment, side)
    return "\n".join(f"{label}: {value}" for label, value in lines)


def appointment_event(
    appointment: Appointment,
    *,
    side: str,
    stamp: datetime.datetime,
    cancelled: bool = False,
    tentative: bool = False,
    organizer: Party | None = None,
    attendees: tuple[Party, ...] = (),
    alarm_minutes_before: int | None = None,
) -> CalendarEvent:
    """The event of one side (``SIDE_INSTITUTION`` or ``SIDE_MEDIATOR``) of an appointment:
    its place and text, built by ical's one event builder (call inside
    ``translation.override``)."""
    return event_for_appointment(
        appointment,
        place=place_of(appointment),
        stamp=stamp,
        cancelled=cancelled,
        tentative=tentative,
        organizer=organizer,
        attendees=attendees,
        alarm_minutes_before=alarm_minutes_before,
        description=event_description(appointment, side),
        conferences=() if cancelled else conferences_of(appointment, side),
    )


def _join(*parts: str) -> str:
    return ", ".join(p for p in parts if p) or "–"


# Marked for makemessages: the texts passed to translated().
_MESSAGES = (
    gettext_noop("Language mediator"),
    gettext_noop("Contact person"),
    gettext_noop("Case reference"),
    gettext_noop("By phone"),
    gettext_noop("By video"),
    gettext_noop("Phone"),
    gettext_noop("Meeting link"),
    gettext_noop("Dial-in number"),
    gettext_noop("PIN"),
    gettext_noop("follows"),
)
