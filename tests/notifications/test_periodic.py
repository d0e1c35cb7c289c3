"""Periodic work from Celery beat: each job is idempotent when it runs twice."""

import datetime

import pytest
from django.conf import settings
from django.utils import timezone

from bookings.constants import Status
from bookings.messages.periodic import reminders_write, report_requests_write
from bookings.models import Report
from notifications import tasks
from notifications.constants import MessageKind, MessageStatus
from notifications.models import Message
from notifications.periodic import messages_prune, outbox_sweep
from tests.notifications.conftest import able_to_take, confirm

pytestmark = pytest.mark.django_db


@pytest.fixture
def enqueued(monkeypatch):
    """The ids handed to the delivery task (the queue itself is tested in live/)."""
    ids = []
    monkeypatch.setattr(
        tasks.deliver_messages, "apply_async", lambda args, **kw: ids.extend(args[0])
    )
    return ids


def age(message, *, status, seconds, attempts=1):
    past = timezone.now() - datetime.timedelta(seconds=seconds)
    Message.objects.filter(pk=message.pk).update(
        status=status, attempts=attempts, lease_until=past, next_attempt_at=past
    )


# -- the outbox sweep ------------------------------------------------------------------------


def test_the_sweep_takes_back_a_row_whose_worker_died_while_sending(
    confirmed, enqueued, django_capture_on_commit_callbacks
):
    lost, fresh = Message.objects.filter(booking=confirmed)
    age(lost, status=MessageStatus.SENDING, seconds=10)
    Message.objects.filter(pk=fresh.pk).update(
        status=MessageStatus.SENDING, lease_until=timezone.now() + datetime.timedelta(minutes=5)
    )

    with django_capture_on_commit_callbacks(execute=True):
        result = outbox_sweep()

    lost.refresh_from_db()
    fresh.refresh_from_db()
    assert (result.taken_back, result.failed, result.requeued) == (1, 0, 0)
    assert lost.status == MessageStatus.PENDING and lost.next_attempt_at <= timezone.now()
    assert fresh.status == MessageStatus.SENDING  # its worker still holds it
    assert enqueued == [lost.pk]


def test_the_sweep_fails_a_lost_row_that_used_its_last_attempt(confirmed, enqueued):
    lost = Message.objects.filter(booking=confirmed).first()
    age(
        lost, status=MessageStatus.SENDING, seconds=10, attempts=settings.NOTIFICATIONS_MAX_ATTEMPTS
    )

    result = outbox_sweep()

    lost.refresh_from_db()
    assert result.failed == 1 and lost.status == MessageStatus.FAILED
    assert "lost" in lost.last_error
    assert enqueued == []


def test_the_sweep_enqueues_pending_rows_whose_task_was_lost(
    confirmed, enqueued, django_capture_on_commit_callbacks
):
    overdue, recent = Message.objects.filter(booking=confirmed)
    age(
        overdue,
        status=MessageStatus.PENDING,
        seconds=settings.NOTIFICATIONS_PENDING_GRACE_SECONDS + 5,
    )

    with django_capture_on_commit_callbacks(execute=True):
        result = outbox_sweep()

    assert result.requeued == 1
    assert enqueued == [overdue.pk]
    assert Message.objects.get(pk=recent.pk).status == MessageStatus.PENDING


def test_running_the_sweep_twice_enqueues_nothing_the_second_time(
    confirmed, enqueued, django_capture_on_commit_callbacks
):
    for message in Message.objects.filter(booking=confirmed):
        age(message, status=MessageStatus.PENDING, seconds=3600)

    with django_capture_on_commit_callbacks(execute=True):
        outbox_sweep()
        second = outbox_sweep()

    assert len(enqueued) == 2
    assert (second.taken_back, second.failed, second.requeued) == (0, 0, 0)


# -- reminders -------------------------------------------------------------------------------


def starting_in(booking, hours, *, confirmed_days_ago=3):
    now = timezone.now()
    type(booking).objects.filter(pk=booking.pk).update(
        starts_at=now + datetime.timedelta(hours=hours),
        ends_at=now + datetime.timedelta(hours=hours + 1),
        confirmed_at=now - datetime.timedelta(days=confirmed_days_ago),
    )


def reminders():
    return sorted(
        Message.objects.filter(kind=MessageKind.REMINDER).values_list("recipient_email", flat=True)
    )


def test_a_reminder_goes_to_both_sides_a_day_before_and_only_once(confirmed):
    starting_in(confirmed, 20)

    first = reminders_write()
    second = reminders_write()

    assert (first, second) == (2, 0)
    assert reminders() == ["lehrerin@example.org", "mona@example.org"]


def test_writing_reminders_takes_as_many_queries_for_three_bookings_as_for_one(
    confirmed, staff, booking
):
    """Each reminder is rendered when written: what it shows is read with the bookings."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.bookings.factories import BookingFactory
    from tests.mediators.factories import MediatorFactory

    def write_reminders() -> int:
        Message.objects.filter(kind=MessageKind.REMINDER).delete()
        with CaptureQueriesContext(connection) as context:
            assert reminders_write() > 0
        return len(context.captured_queries)

    starting_in(confirmed, 20)
    for_one = write_reminders()
    for _ in range(2):
        other = BookingFactory(
            institution=staff.institution, requested_by=staff.user, case_reference="FALL-1"
        )
        confirm(other, MediatorFactory(pool=staff.institution.pool))
        starting_in(other, 20)
    for_three = write_reminders()

    assert Message.objects.filter(kind=MessageKind.REMINDER).count() == 6
    assert for_three == for_one, f"{for_one} queries for one booking, {for_three} for three"


def test_no_reminder_before_the_pools_window(confirmed):
    confirmed.pool.reminder_hours_before = 12
    confirmed.pool.save()
    starting_in(confirmed, 20)

    assert reminders_write() == 0


def test_no_reminder_for_a_booking_confirmed_inside_the_window(confirmed):
    starting_in(confirmed, 20, confirmed_days_ago=0)

    assert reminders_write() == 0


def test_a_changed_booking_gets_a_new_reminder_and_the_old_one_is_obsolete(confirmed, staff):
    from django.core import mail

    from bookings.services import booking_reschedule
    from notifications.delivery import message_deliver

    starting_in(confirmed, 20)
    able_to_take(confirmed)
    reminders_write()
    booking_reschedule(booking=confirmed, actor=staff.user, duration_minutes=45, reason="kürzer")

    reminders_write()
    reminders_by_age = Message.objects.filter(kind=MessageKind.REMINDER).order_by("pk")
    for message in reminders_by_age:
        message_deliver(message_id=message.pk)

    statuses = [m.status for m in reminders_by_age.all()]
    assert statuses == [MessageStatus.SKIPPED] * 2 + [MessageStatus.SENT] * 2
    assert sorted(m.to[0] for m in mail.outbox) == ["lehrerin@example.org", "mona@example.org"]


# -- report requests -------------------------------------------------------------------------


def test_the_report_is_asked_for_once_after_the_appointment(confirmed):
    starting_in(confirmed, -3)

    first = report_requests_write()
    second = report_requests_write()

    assert (first, second) == (1, 0)
    message = Message.objects.get(kind=MessageKind.REPORT_REQUEST)
    assert message.recipient_email == "mona@example.org"


def test_no_report_request_when_the_report_is_there(confirmed):
    starting_in(confirmed, -3)
    Report.objects.create(booking=confirmed, actual_minutes=60, travel_km=5)

    assert report_requests_write() == 0


def test_no_report_request_for_a_cancelled_booking(confirmed):
    starting_in(confirmed, -3)
    type(confirmed).objects.filter(pk=confirmed.pk).update(status=Status.CANCELLED)

    assert report_requests_write() == 0


# -- pruning ---------------------------------------------------------------------------------


def test_finished_messages_are_deleted_after_the_keeping_period_pending_ones_never(confirmed):
    old_sent, old_pending = Message.objects.filter(booking=confirmed)
    long_ago = timezone.now() - datetime.timedelta(days=settings.NOTIFICATIONS_KEEP_DAYS + 1)
    Message.objects.filter(pk=old_sent.pk).update(
        status=MessageStatus.SENT, sent_at=long_ago, updated_at=long_ago
    )
    Message.objects.filter(pk=old_pending.pk).update(updated_at=long_ago)

    assert messages_prune() == 1
    assert messages_prune() == 0
    assert list(Message.objects.values_list("pk", flat=True)) == [old_pending.pk]


# -- beat ------------------------------------------------------------------------------------


def test_beat_runs_the_sweep_reminders_and_report_requests():
    from config.celery_app import app

    app.loader.import_default_modules()  # what a worker does at start: every app's tasks
    scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}

    for name in (
        "notifications.tasks.sweep_outbox",
        "bookings.tasks.send_reminders",
        "bookings.tasks.send_report_requests",
        "notifications.tasks.prune_messages",
    ):
        assert name in scheduled and name in app.tasks
