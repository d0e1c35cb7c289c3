"""Calendar invitations that Outlook, Google, Apple and Thunderbird accept (RFC 5545/5546)."""

import datetime
from zoneinfo import ZoneInfo

import icalendar
import pytest

from bookings.constants import Mode, Status
from bookings.services import booking_cancel
from bookings.state_machine import record_event
from core.constants import ActorRole
from notifications.constants import MessageKind
from notifications.delivery import message_deliver
from notifications.ical import (
    UTC,
    CalendarEvent,
    booking_uid,
    calendar,
    invitation,
    vtimezone,
)
from notifications.models import Message
from tests.bookings.factories import BookingFactory
from tests.clock import frozen

from .conftest import confirm
from .icalcheck import calendar_parts, read_with_icalendar, read_with_icaljs

BERLIN = ZoneInfo("Europe/Berlin")

# Instants around both changes: 2027-03-28 02:00 CET → 03:00 CEST (the local hour 02:xx does
# not exist), 2026-10-25 03:00 CEST → 02:00 CET (the local hour 02:xx happens twice).
DST_STARTS = [
    datetime.datetime(2027, 3, 28, 0, 30, tzinfo=UTC),  # 01:30 CET
    datetime.datetime(2027, 3, 28, 1, 0, tzinfo=UTC),  # 03:00 CEST, the first instant after
    datetime.datetime(2027, 3, 28, 1, 30, tzinfo=UTC),  # 03:30 CEST
    datetime.datetime(2026, 10, 24, 23, 30, tzinfo=UTC),  # 01:30 CEST, ends at 02:30 (first)
    datetime.datetime(2026, 10, 25, 0, 30, tzinfo=UTC),  # 02:30 CEST, the first 02:30
    datetime.datetime(2026, 10, 25, 1, 30, tzinfo=UTC),  # 02:30 CET, the second 02:30
    datetime.datetime(2026, 10, 25, 2, 0, tzinfo=UTC),  # 03:00 CET
]

# The e-mails below are written (confirmed, changed, cancelled) three weeks before the autumn
# change their booking lies on: the services read the clock, and it is then.
WRITTEN = datetime.datetime(2026, 10, 1, 9, 0, tzinfo=UTC)
pytestmark = frozen(WRITTEN)


def event(start, *, minutes=60, cancelled=False, sequence=0):
    return CalendarEvent(
        uid="booking-1@test",
        sequence=sequence,
        starts_at=start,
        ends_at=start + datetime.timedelta(minutes=minutes),
        stamp=datetime.datetime(2026, 11, 1, 12, 0, tzinfo=UTC),
        summary="Sprachmittlung",
        cancelled=cancelled,
    )


def test_the_vtimezone_uses_yearly_rrules_and_counts_dtstart_in_the_offset_before():
    tz = vtimezone("Europe/Berlin")
    text = tz.to_ical().decode()

    assert "RDATE" not in text
    daylight = tz.walk("DAYLIGHT")[0]
    standard = tz.walk("STANDARD")[0]
    assert daylight["RRULE"].to_ical() == b"FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3"
    assert standard["RRULE"].to_ical() == b"FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10"
    # Floating local times, as RFC 5545 wants them inside a VTIMEZONE.
    assert daylight["DTSTART"].to_ical() == b"19700329T020000"
    assert standard["DTSTART"].to_ical() == b"19701025T030000"


def test_the_vtimezone_agrees_with_the_zone_database_for_every_hour_around_each_change():
    ours = vtimezone("Europe/Berlin").to_tz(lookup_tzid=False)
    for year in range(2026, 2041):
        for month in (3, 10):
            last_sunday = max(
                datetime.date(year, month, d)
                for d in range(25, 32)
                if datetime.date(year, month, d).weekday() == 6
            )
            midnight = datetime.datetime.combine(last_sunday, datetime.time(), tzinfo=UTC)
            for quarter in range(-8, 24):
                instant = midnight + datetime.timedelta(minutes=15 * quarter)
                expected = instant.astimezone(BERLIN)
                got = instant.astimezone(ours)
                assert got.utcoffset() == expected.utcoffset(), instant
                assert got.replace(tzinfo=None) == expected.replace(tzinfo=None), instant


@pytest.mark.parametrize("start", DST_STARTS, ids=lambda s: s.isoformat())
def test_both_parsers_read_the_same_instants_on_the_daylight_saving_days(start):
    ics = calendar([event(start, minutes=90)], method="REQUEST")

    parsed = read_with_icalendar(ics).walk("VEVENT")[0]
    js = read_with_icaljs(ics)["events"][0]

    end = start + datetime.timedelta(minutes=90)
    assert parsed.decoded("DTSTART") == start and parsed.decoded("DTEND") == end
    assert parsed.decoded("DTSTART").utcoffset() is not None
    assert js["start"] == start.strftime("%Y-%m-%dT%H:%M:%S.000Z")
    assert js["end"] == end.strftime("%Y-%m-%dT%H:%M:%S.000Z")


def test_an_unambiguous_time_is_written_as_local_time_with_tzid():
    ics = calendar([event(datetime.datetime(2027, 3, 28, 1, 30, tzinfo=UTC))])

    assert b"DTSTART;TZID=Europe/Berlin:20270328T033000" in ics
    assert b"DTEND;TZID=Europe/Berlin:20270328T043000" in ics


def test_the_second_0230_in_october_is_written_in_utc_because_tzid_would_mean_the_first():
    ics = calendar([event(datetime.datetime(2026, 10, 25, 1, 30, tzinfo=UTC))])

    assert b"DTSTART:20261025T013000Z" in ics
    assert b"DTEND:20261025T023000Z" in ics  # DTEND is UTC whenever DTSTART is


def test_a_cancellation_carries_method_cancel_status_cancelled_and_the_same_uid():
    method, ics = invitation(event(DST_STARTS[0], cancelled=True, sequence=3))

    cal = read_with_icalendar(ics)
    vevent = cal.walk("VEVENT")[0]
    assert method == "CANCEL" and str(cal["METHOD"]) == "CANCEL"
    assert str(vevent["STATUS"]) == "CANCELLED"
    assert (str(vevent["UID"]), vevent.decoded("SEQUENCE")) == ("booking-1@test", 3)
    assert not vevent.walk("VALARM")


# -- the e-mails -----------------------------------------------------------------------------


@pytest.fixture
def dst_booking(staff):
    return BookingFactory(
        institution=staff.institution,
        requested_by=staff.user,
        starts_at=datetime.datetime(2026, 10, 25, 1, 30, tzinfo=UTC),
        ends_at=datetime.datetime(2026, 10, 25, 3, 0, tzinfo=UTC),
        duration_minutes=90,
        contact_name="Lea Lehrer",
        case_reference="FALL-77",
    )


def sent_bytes(message):
    """What the worker sends: the bytes rendered when the row was written."""
    assert message.rendered is not None
    return bytes(message.rendered)


@pytest.mark.django_db
def test_a_confirmation_is_an_itip_request_inside_multipart_alternative_and_attached(
    dst_booking, mediator
):
    confirm(dst_booking, mediator)
    message = Message.objects.get(recipient_email="mona@example.org")

    parts = calendar_parts(sent_bytes(message))

    assert parts["container"] == "multipart/alternative"
    assert parts["method_param"] == "REQUEST"
    assert parts["attachment_name"] == "invite.ics"
    assert parts["alternative"].replace(b"\r\n", b"\n") == parts["attachment"].replace(
        b"\r\n", b"\n"
    )
    cal = read_with_icalendar(parts["alternative"])
    vevent = cal.walk("VEVENT")[0]
    assert str(cal["METHOD"]) == "REQUEST"
    assert str(vevent["UID"]) == booking_uid(dst_booking.pk)
    assert vevent.decoded("SEQUENCE") == 0
    assert vevent.decoded("DTSTAMP").utcoffset() == datetime.timedelta(0)
    assert str(vevent["ORGANIZER"]) == "mailto:ki@kreis-viersen.example"
    attendees = vevent.get("ATTENDEE")
    attendees = attendees if isinstance(attendees, list) else [attendees]
    assert [str(a) for a in attendees] == ["mailto:mona@example.org"]
    assert "Schulstraße" in str(vevent["LOCATION"])
    assert vevent.walk("VALARM")[0].decoded("TRIGGER") == -datetime.timedelta(hours=1)
    assert cal.walk("VTIMEZONE")[0]["TZID"] == "Europe/Berlin"
    js = read_with_icaljs(parts["alternative"])
    assert js["method"] == "REQUEST"
    assert js["events"][0]["start"] == "2026-10-25T01:30:00.000Z"
    assert js["events"][0]["end"] == "2026-10-25T03:00:00.000Z"


@pytest.mark.django_db
def test_change_and_cancellation_keep_the_uid_and_raise_the_sequence(dst_booking, mediator, staff):
    def latest_for_mediator(kind):
        message = Message.objects.get(kind=kind, recipient_email="mona@example.org")
        parts = calendar_parts(sent_bytes(message))
        message_deliver(message_id=message.pk)  # the calendar has it: a cancel may follow
        return parts

    seen = []
    confirm(dst_booking, mediator)
    seen.append(latest_for_mediator(MessageKind.BOOKING_CONFIRMED))
    dst_booking.refresh_from_db()
    dst_booking.sequence += 1  # as the reschedule service does
    dst_booking.save(update_fields=["sequence"])
    record_event(
        booking=dst_booking,
        from_status=Status.CONFIRMED,
        to_status=Status.CONFIRMED,
        actor_role=ActorRole.INSTITUTION,
    )
    seen.append(latest_for_mediator(MessageKind.BOOKING_CHANGED))
    booking_cancel(booking=dst_booking, actor=staff.user, reason="verlegt")
    seen.append(latest_for_mediator(MessageKind.BOOKING_CANCELLED))

    read = [read_with_icaljs(parts["alternative"]) for parts in seen]
    assert [r["method"] for r in read] == ["REQUEST", "REQUEST", "CANCEL"]
    assert [parts["method_param"] for parts in seen] == ["REQUEST", "REQUEST", "CANCEL"]
    assert [r["events"][0]["sequence"] for r in read] == [0, 1, 2]
    assert {r["events"][0]["uid"] for r in read} == {booking_uid(dst_booking.pk)}
    assert read[-1]["events"][0]["status"] == "CANCELLED"
    assert seen[-1]["attachment_name"] == "cancel.ics"


@pytest.mark.django_db
def test_a_mediator_giving_back_keeps_the_institutions_event_as_tentative(
    dst_booking, mediator, staff
):
    confirm(dst_booking, mediator)
    confirmed = calendar_parts(
        sent_bytes(Message.objects.get(recipient_email="lehrerin@example.org"))
    )
    dst_booking.refresh_from_db()

    booking_cancel(booking=dst_booking, actor=mediator.user, reason="krank")

    reopened = Message.objects.get(
        kind=MessageKind.BOOKING_REOPENED, recipient_email="lehrerin@example.org"
    )
    parts = calendar_parts(sent_bytes(reopened))
    before, after = (
        read_with_icaljs(confirmed["alternative"]),
        read_with_icaljs(parts["alternative"]),
    )
    assert (after["method"], parts["method_param"]) == ("REQUEST", "REQUEST")
    assert after["events"][0]["uid"] == before["events"][0]["uid"] == booking_uid(dst_booking.pk)
    assert after["events"][0]["sequence"] > before["events"][0]["sequence"]
    assert (before["events"][0]["status"], after["events"][0]["status"]) == (
        "CONFIRMED",
        "TENTATIVE",
    )
    vevent = read_with_icalendar(parts["alternative"]).walk("VEVENT")[0]
    assert str(vevent["STATUS"]) == "TENTATIVE"
    assert "Mona" not in str(vevent.get("DESCRIPTION", ""))  # nobody is booked now


@pytest.mark.django_db
def test_a_phone_appointment_names_the_phone_details_as_location(staff, mediator):
    booking = BookingFactory(
        institution=staff.institution,
        requested_by=staff.user,
        mode=Mode.PHONE,
        location=None,
        contact_phone="02162 999",
    )
    confirm(booking, mediator)
    message = Message.objects.get(recipient_email="lehrerin@example.org")

    vevent = read_with_icalendar(calendar_parts(sent_bytes(message))["alternative"]).walk("VEVENT")[
        0
    ]

    assert str(vevent["LOCATION"]) == "Telefonisch · Telefon: 02162 999"
    assert "GEO" not in vevent


def test_icalendar_is_the_library_we_parse_with():
    assert icalendar.__version__.startswith("7.")


def test_a_cached_event_is_served_as_it_was_serialised_and_any_change_shows():
    from notifications.ical import vevents

    first = event(DST_STARTS[0], sequence=4)
    changed = event(DST_STARTS[0], sequence=5)

    cold = calendar([first])
    warm = calendar([first])
    [text] = vevents([changed])

    assert warm == cold
    assert b"SEQUENCE:5" in text and b"SEQUENCE:4" not in text
    assert read_with_icalendar(warm).walk("VEVENT")[0].decoded("SEQUENCE") == 4
