"""Delivery through a real worker, Redis and SMTP: nothing lost, nothing sent twice."""

import datetime
import time

import pytest
from django.db import transaction

from bookings.messages.hooks import alert_notify
from bookings.models import Alert
from notifications.constants import MessageStatus
from notifications.ical import booking_uid
from notifications.models import Message
from notifications.periodic import outbox_sweep
from notifications.tasks import deliver_messages
from tests.bookings.factories import BookingFactory
from tests.clock import last_sunday, next_year
from tests.institutions.factories import CoordinatorFactory, UserFactory
from tests.support.live import (
    flush_broker,
    kill_broker_clients,
    redis_client,
    wait_until,
)

from ..conftest import confirm
from ..icalcheck import calendar_parts, read_with_icalendar, read_with_icaljs
from .conftest import GRACE_SECONDS, LEASE_SECONDS

# The worker is a process of its own, which no frozen clock reaches: these tests keep the real
# clock, and their bookings lie ahead of it.
pytestmark = [
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

UTC = datetime.UTC
INSTITUTION, MEDIATOR = "lehrerin@example.org", "mona@example.org"


def statuses():
    return sorted(Message.objects.values_list("recipient_email", "status", "attempts"))


def drain(live, *, timeout=60):
    """Wait until the worker has worked through everything sent so far: a sentinel message
    enqueued now arrives after the rest, and every row has left pending/sending."""
    coordinator = CoordinatorFactory(user=UserFactory(username=f"sentinel{time.monotonic_ns()}"))
    alert = Alert.objects.create(pool=coordinator.pool, kind="sentinel", message="sentinel")
    alert_notify(alert=alert)
    wait_until(lambda: live.smtp.to(coordinator.user.email), timeout=timeout, what="the sentinel")
    wait_until(
        lambda: (
            not Message.objects.filter(
                status__in=[MessageStatus.PENDING, MessageStatus.SENDING]
            ).exists()
        ),
        timeout=timeout,
        what="every row to be done",
    )
    return coordinator.user.email


def utc(day, hour, minute=0):
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=UTC)


def dst_booking(staff, start):
    return BookingFactory(
        institution=staff.institution,
        requested_by=staff.user,
        starts_at=start,
        ends_at=start + datetime.timedelta(minutes=90),
        duration_minutes=90,
        contact_name="Lea Lehrer",
    )


def test_a_confirmation_is_delivered_exactly_once_even_when_its_task_runs_again(
    live, staff, mediator
):
    live.start_worker()
    autumn_start = utc(last_sunday(next_year(), 10), 1, 30)  # the second 02:30
    spring_start = utc(last_sunday(next_year(), 3), 1)  # 03:00 CEST, the first after the gap
    autumn = dst_booking(staff, autumn_start)
    spring = dst_booking(staff, spring_start)

    confirm(autumn, mediator)
    confirm(spring, mediator)
    wait_until(lambda: len(live.smtp.received) == 4, timeout=60, what="four e-mails")
    ids = list(Message.objects.values_list("pk", flat=True))
    deliver_messages.delay(ids)  # the same deliveries once more, and the sweep
    for pk in ids:
        deliver_messages.delay([pk])
    outbox_sweep()
    sentinel = drain(live)

    received = [r for r in live.smtp.received if sentinel not in r.recipients]
    assert sorted(r.recipients[0] for r in received) == [INSTITUTION] * 2 + [MEDIATOR] * 2
    assert len({r.message_id for r in received}) == 4
    assert {status for _email, status, _n in statuses()} == {MessageStatus.SENT}
    assert {attempts for *_rest, attempts in statuses()} == {1}
    # What was sent reads the same in icalendar and in ical.js (Thunderbird).
    for booking, start in (
        (autumn, f"{autumn_start:%Y-%m-%dT%H:%M:%S}.000Z"),
        (spring, f"{spring_start:%Y-%m-%dT%H:%M:%S}.000Z"),
    ):
        raw = next(
            r.raw
            for r in live.smtp.to(MEDIATOR)
            if booking_uid(booking.pk).encode() in r.raw.replace(b"\r\n ", b"")
        )
        parts = calendar_parts(raw)
        vevent = read_with_icalendar(parts["alternative"]).walk("VEVENT")[0]
        assert vevent.decoded("DTSTART") == booking.starts_at
        assert vevent.decoded("DTEND") == booking.ends_at
        event = read_with_icaljs(parts["attachment"])["events"][0]
        assert (event["start"], event["uid"]) == (start, booking_uid(booking.pk))


def test_a_rolled_back_change_sends_nothing(live, staff, mediator, booking):
    live.start_worker()

    with pytest.raises(RuntimeError), transaction.atomic():
        confirm(booking, mediator)
        raise RuntimeError("the change fails after its messages were written")
    sentinel = drain(live)

    assert [r.recipients for r in live.smtp.received] == [[sentinel]]
    assert not Message.objects.filter(booking=booking).exists()
    assert redis_client(live.broker).llen("celery") == 0


def test_a_worker_killed_mid_delivery_loses_nothing_and_duplicates_nothing(
    live, staff, mediator, booking
):
    entered = live.smtp.hold(MEDIATOR)  # the SMTP server keeps the mediator's DATA waiting
    first = live.start_worker()
    confirm(booking, mediator)
    wait_until(entered.is_set, timeout=60, what="the worker to be in the middle of sending")
    held = Message.objects.get(recipient_email=MEDIATOR)
    assert (held.status, held.attempts) == (MessageStatus.SENDING, 1)

    first.kill()  # SIGKILL, main process and pool children
    # The server sees the client go before it accepted the message: nothing was delivered.
    wait_until(live.smtp.abandoned(MEDIATOR).is_set, timeout=30, what="the dead connection")
    live.smtp.release(MEDIATOR)
    assert live.smtp.to(MEDIATOR) == []
    live.start_worker()
    time.sleep(LEASE_SECONDS + GRACE_SECONDS + 0.5)  # the lease of the lost attempt runs out
    outbox_sweep()  # what beat runs every minute
    wait_until(lambda: live.smtp.to(MEDIATOR), timeout=60, what="the retried e-mail")
    outbox_sweep()
    drain(live)

    assert len(live.smtp.to(MEDIATOR)) == 1
    assert len(live.smtp.to(INSTITUTION)) == 1
    held.refresh_from_db()
    assert (held.status, held.attempts) == (MessageStatus.SENT, 2)


def test_a_lost_broker_state_loses_nothing_and_duplicates_nothing(live, staff, mediator, booking):
    # Given messages whose tasks sit in Redis while no worker runs ...
    confirm(booking, mediator)
    assert redis_client(live.broker).llen("celery") == 1  # one task carries both rows
    # ... when Redis loses its state (as a restart without persistence does) ...
    flush_broker(live.broker)
    assert redis_client(live.broker).llen("celery") == 0
    worker = live.start_worker()
    # ... and the worker's connections are dropped as well.
    assert kill_broker_clients(live.broker) >= 1
    time.sleep(GRACE_SECONDS + 0.5)

    outbox_sweep()  # the beat sweep finds the rows whose tasks were lost
    wait_until(lambda: len(live.smtp.received) == 2, timeout=60, what="both e-mails")
    outbox_sweep()
    drain(live)

    assert len(live.smtp.to(MEDIATOR)) == 1
    assert len(live.smtp.to(INSTITUTION)) == 1
    assert {status for _email, status, _n in statuses()} == {MessageStatus.SENT}
    assert worker.process.poll() is None  # the worker reconnected by itself
