"""The invitations of a series: one event per date, each with the stable UID of its own
booking and no RRULE, parsed by ical.js; a change of one date keeps its UID and raises only
its SEQUENCE, and the other dates get no message."""

import datetime

import pytest

from bookings.constants import Field, Mode, Status
from bookings.services.series import booking_series_create
from bookings.state_machine import record_event
from core.constants import ActorRole
from notifications.constants import MessageKind
from notifications.ical import booking_uid
from notifications.models import Message
from tests.clock import frozen
from tests.mediators.factories import LanguageFactory

from .conftest import confirm
from .icalcheck import calendar_parts, read_with_icalendar, read_with_icaljs

UTC = datetime.UTC
WRITTEN = datetime.datetime(2026, 10, 1, 9, 0, tzinfo=UTC)
pytestmark = [frozen(WRITTEN), pytest.mark.django_db]


def invitations(kind):
    """The mediator's invitations of this kind, by booking, read by ical.js and icalendar."""
    found = {}
    for message in Message.objects.filter(kind=kind, recipient_email="mona@example.org"):
        parts = calendar_parts(bytes(message.rendered))
        js = read_with_icaljs(parts["alternative"])
        [vevent] = read_with_icalendar(parts["alternative"]).walk("VEVENT")
        assert "RRULE" not in vevent and "RECURRENCE-ID" not in vevent
        found[message.booking_id] = js
    return found


def test_each_date_of_a_series_is_its_own_event_with_a_stable_uid(staff, mediator):
    # Given a weekly series at 08:00 across the autumn change of the clocks (25.10.2026)
    series = booking_series_create(
        requester=staff.user, institution=staff.institution, language=LanguageFactory(),
        starts_at=datetime.datetime(2026, 10, 20, 6, 0, tzinfo=UTC),  # 08:00 CEST
        duration_minutes=60, mode=Mode.PHONE, field=Field.SCHOOL, count=3, now=WRITTEN,
    )  # fmt: skip
    dates = list(series.bookings.order_by("starts_at"))

    # When each date is confirmed for the same mediator
    for booking in dates:
        confirm(booking, mediator)

    # Then each invitation is one event with its booking's UID, at 08:00 local each week
    read = invitations(MessageKind.BOOKING_CONFIRMED)
    assert sorted(read) == sorted(b.pk for b in dates)
    for booking in dates:
        [event] = read[booking.pk]["events"]
        assert event["uid"] == booking_uid(booking.pk)
        assert event["sequence"] == 0
    assert [read[b.pk]["events"][0]["start"] for b in dates] == [
        "2026-10-20T06:00:00.000Z", "2026-10-27T07:00:00.000Z", "2026-11-03T07:00:00.000Z",
    ]  # fmt: skip
    assert len({read[b.pk]["events"][0]["uid"] for b in dates}) == 3


def test_a_change_of_one_date_keeps_its_uid_and_leaves_the_other_dates_alone(staff, mediator):
    series = booking_series_create(
        requester=staff.user, institution=staff.institution, language=LanguageFactory(),
        starts_at=datetime.datetime(2026, 10, 20, 6, 0, tzinfo=UTC),
        duration_minutes=60, mode=Mode.PHONE, field=Field.SCHOOL, count=3, now=WRITTEN,
    )  # fmt: skip
    first, second, third = series.bookings.order_by("starts_at")
    for booking in (first, second, third):
        confirm(booking, mediator)
    before = Message.objects.filter(recipient_email="mona@example.org").count()

    # When the second date changes (as the reschedule service does: SEQUENCE up, an event)
    second.refresh_from_db()
    second.sequence += 1
    second.save(update_fields=["sequence"])
    record_event(booking=second, from_status=Status.CONFIRMED, to_status=Status.CONFIRMED,
                 actor_role=ActorRole.INSTITUTION)  # fmt: skip

    # Then only the second date gets a changed invitation, with its UID and the next sequence
    changed = invitations(MessageKind.BOOKING_CHANGED)
    assert list(changed) == [second.pk]
    [event] = changed[second.pk]["events"]
    assert (event["uid"], event["sequence"]) == (booking_uid(second.pk), 1)
    assert Message.objects.filter(recipient_email="mona@example.org").count() == before + 1
    first.refresh_from_db()
    third.refresh_from_db()
    assert (first.sequence, third.sequence) == (0, 0)
