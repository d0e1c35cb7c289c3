"""All calendar work: one event builder shared by invitations, cancellations and feeds.

RFC 5545 / RFC 5546 as Outlook, Google Calendar, Apple Calendar and Thunderbird accept it:
one stable UID per booking, SEQUENCE from ``Booking.sequence``, DTSTAMP in UTC, local times
with ``TZID=Europe/Berlin`` and a VTIMEZONE in RRULE form.

Why our own VTIMEZONE (``notifications.vtimezone``): icalendar 7's ``Timezone.from_tzinfo``
writes RDATE lists for a span of years and a DAYLIGHT DTSTART in the wrong local time.

Why some instants are written in UTC: a local time that occurs twice (02:30 on the last
Sunday of October) means its *first* occurrence under RFC 5545; the second one cannot be
written with a TZID at all, so such instants (both, to be safe with lenient parsers) are
written in UTC.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from functools import lru_cache
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from icalendar import Alarm, Calendar, Event, vCalAddress, vUri

from core.i18n import reader_language
from core.time import BERLIN
from mediators.language_names import language_name

from .vtimezone import vtimezone

UTC = datetime.UTC
PRODID = "-//Sprachmittlerpool//Notifications//DE"

# Serialised events kept per process (about 400 bytes each).
CACHED_EVENTS = 20_000

METHOD_REQUEST = "REQUEST"
METHOD_CANCEL = "CANCEL"


@dataclass(frozen=True)
class Party:
    """An organizer or attendee: an e-mail address with a display name."""

    email: str
    name: str = ""


@dataclass(frozen=True)
class Place:
    """Where it happens: an address (with coordinates) or the phone/video details."""

    text: str
    latitude: float | None = None
    longitude: float | None = None


@dataclass(frozen=True)
class Conference:
    """How to join (RFC 7986 CONFERENCE): a video link, or a ``tel:`` URI to dial in."""

    uri: str
    feature: str  # VIDEO or AUDIO (RFC 7986 FEATURE)
    label: str = ""


@dataclass(frozen=True)
class CalendarEvent:
    """One appointment as calendars see it."""

    uid: str
    sequence: int
    starts_at: datetime.datetime
    ends_at: datetime.datetime
    stamp: datetime.datetime
    summary: str
    description: str = ""
    place: Place | None = None
    cancelled: bool = False
    # Still on, but nobody is booked for it at the moment (a mediator gave it back).
    tentative: bool = False
    organizer: Party | None = None
    attendees: tuple[Party, ...] = field(default_factory=tuple)
    alarm_minutes_before: int | None = None
    conferences: tuple[Conference, ...] = ()


# -- the event builder ---------------------------------------------------------------------


def booking_uid(booking_id: int) -> str:
    """The one UID of a booking, in invitations, cancellations and feeds alike."""
    return f"booking-{booking_id}@{uid_domain()}"


def uid_domain() -> str:
    return getattr(settings, "NOTIFICATIONS_UID_DOMAIN", "") or "sprachmittlerpool.invalid"


def is_ambiguous(instant: datetime.datetime, tz: ZoneInfo = BERLIN) -> bool:
    """True when the instant's local wall-clock time occurs twice (the autumn change)."""
    local = instant.astimezone(tz)
    return local.replace(fold=1 - local.fold).utcoffset() != local.utcoffset()


def start_and_end(event: CalendarEvent) -> tuple[datetime.datetime, datetime.datetime]:
    """Local times with TZID, or both in UTC when either is ambiguous (RFC 5545 3.8.2.2:
    DTEND is local time if and only if DTSTART is)."""
    if is_ambiguous(event.starts_at) or is_ambiguous(event.ends_at):
        return event.starts_at.astimezone(UTC), event.ends_at.astimezone(UTC)
    return event.starts_at.astimezone(BERLIN), event.ends_at.astimezone(BERLIN)


def vevent(event: CalendarEvent) -> Event:
    component = Event()
    component.add("uid", event.uid)
    component.add("sequence", event.sequence)
    component.add("dtstamp", event.stamp.astimezone(UTC))
    start, end = start_and_end(event)
    component.add("dtstart", start)
    component.add("dtend", end)
    component.add("summary", event.summary)
    if event.description:
        component.add("description", event.description)
    if event.place is not None:
        component.add("location", event.place.text)
        if event.place.latitude is not None and event.place.longitude is not None:
            component.add("geo", (event.place.latitude, event.place.longitude))
    for conference in event.conferences:
        parameters = {"VALUE": "URI", "FEATURE": conference.feature}
        if conference.label:
            parameters["LABEL"] = conference.label
        component.add("conference", vUri(conference.uri), parameters=parameters)
    status = "CANCELLED" if event.cancelled else "TENTATIVE" if event.tentative else "CONFIRMED"
    component.add("status", status)
    component.add("transp", "TRANSPARENT" if event.cancelled else "OPAQUE")
    if event.organizer is not None:
        component.add("organizer", _address(event.organizer))
    for attendee in event.attendees:
        component.add(
            "attendee",
            _address(
                attendee,
                ROLE="REQ-PARTICIPANT",
                PARTSTAT="ACCEPTED",
                RSVP="FALSE",
                CUTYPE="INDIVIDUAL",
            ),
        )
    if event.alarm_minutes_before and not event.cancelled:
        alarm = Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("description", event.summary)
        alarm.add("trigger", -datetime.timedelta(minutes=event.alarm_minutes_before))
        component.add_component(alarm)
    return component


def _address(party: Party, **params: str) -> vCalAddress:
    address = vCalAddress(f"mailto:{party.email}")
    if party.name:
        address.params["CN"] = party.name
    for key, value in params.items():
        address.params[key] = value
    return address


def calendar(events: list[CalendarEvent], *, method: str | None = None, name: str = "") -> bytes:
    """A VCALENDAR with the Europe/Berlin VTIMEZONE and the events.

    icalendar serialises the calendar's own lines and every event; an event's text is kept
    in a per-process cache keyed by the event itself, so a feed asked for again only
    serialises the events that changed.
    """
    head, end = _calendar_frame(method, name)
    return b"".join([head, _vtimezone_bytes(BERLIN.key), *vevents(events), end])


@lru_cache(maxsize=64)
def _calendar_frame(method: str | None, name: str) -> tuple[bytes, bytes]:
    """The VCALENDAR's own lines, split where the components go."""
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    if method:
        cal.add("method", method)
    if name:
        cal.add("x-wr-calname", name)
        cal.add("x-wr-timezone", BERLIN.key)
    text = cal.to_ical()
    end = b"END:VCALENDAR\r\n"
    if not text.endswith(end):
        raise ValueError("unexpected serialisation of VCALENDAR")
    return text[: -len(end)], end


def vevents(events: list[CalendarEvent]) -> list[bytes]:
    """The serialised VEVENTs; an event equal to one serialised before (every field, see
    the frozen dataclass) comes from this process's cache."""
    return [_vevent_bytes(event) for event in events]


@lru_cache(maxsize=CACHED_EVENTS)
def _vevent_bytes(event: CalendarEvent) -> bytes:
    return vevent(event).to_ical()


@lru_cache(maxsize=8)
def _vtimezone_bytes(key: str) -> bytes:
    return vtimezone(key).to_ical()


def invitation(event: CalendarEvent) -> tuple[str, bytes]:
    """The iTIP message for one recipient: REQUEST, or CANCEL for a cancelled event."""
    method = METHOD_CANCEL if event.cancelled else METHOD_REQUEST
    return method, calendar([event], method=method)


def feed(events: list[CalendarEvent], *, name: str) -> bytes:
    return calendar(events, name=name)


# -- an appointment as an event -------------------------------------------------------------


@dataclass(frozen=True)
class Appointment:
    """What calendars (and e-mails) tell about an appointment. The bookings build it
    (``bookings.messages.calendar``: from a booking for one message, or from one row of
    ``values_list(*APPOINTMENT_COLUMNS)`` for a whole feed, in this field order)."""

    booking_id: int
    sequence: int
    starts_at: datetime.datetime
    ends_at: datetime.datetime
    updated_at: datetime.datetime
    status: str
    mode: str
    language_de: str
    language_en: str
    language_code: str
    institution: str
    place_name: str | None
    address: str | None
    postal_code: str | None
    town: str | None
    latitude: float | None
    longitude: float | None
    contact_name: str
    contact_phone: str
    case_reference: str
    mediator_first_name: str | None
    mediator_last_name: str | None
    mediator_username: str | None
    mediator_phone: str | None
    # How to join a video or phone appointment (``bookings.services.meeting``).
    meeting_url: str = ""
    dial_in_number: str = ""
    dial_in_pin: str = ""

    @property
    def language(self) -> str:
        return language_name(
            code=self.language_code,
            name_de=self.language_de,
            name_en=self.language_en,
            language_code=reader_language(),
        )

    @property
    def mediator_name(self) -> str:
        full = f"{self.mediator_first_name or ''} {self.mediator_last_name or ''}".strip()
        return full or self.mediator_username or ""


def event_for_appointment(
    appointment: Appointment,
    *,
    place: Place | None,
    stamp: datetime.datetime,
    cancelled: bool = False,
    tentative: bool = False,
    organizer: Party | None = None,
    attendees: tuple[Party, ...] = (),
    alarm_minutes_before: int | None = None,
    description: str = "",
    conferences: tuple[Conference, ...] = (),
) -> CalendarEvent:
    """The one event builder of invitations, cancellations and feeds (translated texts:
    call inside translation.override). Where it takes place, the caller says."""
    summary = translated("Language mediation %(language)s · %(institution)s") % {
        "language": appointment.language,
        "institution": appointment.institution,
    }
    return CalendarEvent(
        uid=booking_uid(appointment.booking_id),
        sequence=appointment.sequence,
        starts_at=appointment.starts_at,
        ends_at=appointment.ends_at,
        stamp=stamp,
        summary=summary,
        description=description,
        place=place,
        cancelled=cancelled,
        tentative=tentative,
        organizer=organizer,
        attendees=attendees,
        alarm_minutes_before=alarm_minutes_before,
        conferences=conferences,
    )


def translated(message: str) -> str:
    """``gettext`` for the texts repeated in every event of a feed (cached per language)."""
    return _translated(reader_language(), message)


@lru_cache(maxsize=512)
def _translated(language: str, message: str) -> str:
    return _(message)


# Marked for makemessages: the texts passed to translated().
_MESSAGES = (gettext_noop("Language mediation %(language)s · %(institution)s"),)
