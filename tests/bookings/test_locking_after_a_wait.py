"""A booking locked after waiting for another transaction comes with what that one committed.

A service locks the booking's row and reads the pool, language, place and mediator with it
(``bookings.locking``). When another transaction holds the row, PostgreSQL (READ COMMITTED)
waits, then hands back the booking as the other one committed it - joined with the related
rows it had found before the wait. These tests hold the row in a second connection, change
it, let a service wait for it and commit: the service must see the new mediator or place,
not the old one or none (a staff member's cancellation that waited for a mediator's accept
answered 500 in the load test, and would not have told the mediator).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import psycopg
import pytest
from django.db import connection, transaction

from bookings.constants import Status
from bookings.locking import lock_booking, lock_booking_or_none
from bookings.models import Booking
from bookings.services import booking_cancel
from notifications.constants import SIDE_MEDIATOR, MessageKind
from notifications.models import Message
from tests.bookings.lifecycle import staff_of
from tests.clock import frozen
from tests.institutions.factories import LocationFactory
from tests.mediators.factories import MediatorFactory

from .matching.scenario import NOW, make_booking, make_pool

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    frozen(NOW),
]


def while_another_transaction_changes(booking: Booking, sql: str, params: list, run: Callable):
    """Hold the booking's row in a second connection and run ``sql`` there; start ``run`` in
    a thread, which waits for the row; once it waits, commit. ``run``'s result."""
    blocker = psycopg.connect(**connection.get_connection_params())
    result: dict = {}
    started = threading.Event()

    def service() -> None:
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                (result["pid"],) = cursor.fetchone()
            started.set()
            result["value"] = run()
        except BaseException as exc:  # noqa: BLE001 - reported to the test below
            result["error"] = exc
        finally:
            started.set()
            connection.close()

    try:
        blocker.execute("SELECT id FROM bookings_booking WHERE id = %s FOR UPDATE", [booking.pk])
        blocker.execute(sql, params)
        thread = threading.Thread(target=service)
        thread.start()
        assert started.wait(timeout=20) and "pid" in result, result
        deadline = time.monotonic() + 20
        while not waits_for(blocker, result["pid"]):
            assert thread.is_alive(), f"the service did not wait for the row: {result}"
            assert time.monotonic() < deadline, "the service never waited for the row"
            time.sleep(0.02)
        blocker.commit()
        thread.join(timeout=60)
    finally:
        blocker.close()
    assert "error" not in result, result["error"]
    return result["value"]


def waits_for(blocker: psycopg.Connection, pid: int) -> bool:
    """Whether the backend ``pid`` waits for a lock the blocker holds (read live, not from
    the statistics' snapshot, which stays the same within the blocker's transaction)."""
    (waits,) = blocker.execute(
        "SELECT %s = ANY(pg_blocking_pids(%s))", [blocker.info.backend_pid, pid]
    ).fetchone()
    return bool(waits)


def locked_in_a_transaction(pk: int, lock=lock_booking) -> Booking | None:
    with transaction.atomic():
        row = lock(pk)
        if row is not None:  # touch what the services use, inside the transaction
            _ = (row.mediator, row.location, row.language, row.pool, row.institution)
        return row


ACCEPTED = (
    "UPDATE bookings_booking SET status = 'confirmed', mediator_id = %s, confirmed_at = %s"
    " WHERE id = %s"  # the test's clock, not the database's
)


@pytest.fixture
def requested():
    pool = make_pool()
    return make_booking(pool, status=Status.OFFERED), MediatorFactory(pool=pool)


def test_a_booking_locked_while_a_mediator_accepts_comes_with_that_mediator(requested):
    booking, mediator = requested
    assert connection.vendor == "postgresql"

    row = while_another_transaction_changes(
        booking,
        ACCEPTED,
        [mediator.pk, NOW, booking.pk],
        lambda: locked_in_a_transaction(booking.pk),
    )

    assert (row.status, row.mediator_id) == (Status.CONFIRMED, mediator.pk)
    assert row.mediator is not None and row.mediator.pk == mediator.pk
    assert row.mediator.user.pk == mediator.user_id


def test_a_booking_locked_while_the_mediator_gives_it_back_comes_without_them():
    pool = make_pool()
    mediator = MediatorFactory(pool=pool)
    booking = make_booking(pool, status=Status.CONFIRMED, mediator=mediator)

    row = while_another_transaction_changes(
        booking,
        "UPDATE bookings_booking SET status = 'requested', mediator_id = NULL,"
        " confirmed_at = NULL WHERE id = %s",
        [booking.pk],
        lambda: locked_in_a_transaction(booking.pk, lock=lock_booking_or_none),
    )

    assert (row.status, row.mediator_id, row.mediator) == (Status.REQUESTED, None, None)


def test_a_booking_locked_while_its_place_changes_comes_with_the_new_place(requested):
    booking, _ = requested
    new_place = LocationFactory(institution=booking.institution, name="Turnhalle")

    row = while_another_transaction_changes(
        booking,
        "UPDATE bookings_booking SET location_id = %s WHERE id = %s",
        [new_place.pk, booking.pk],
        lambda: locked_in_a_transaction(booking.pk),
    )

    assert row.location_id == new_place.pk
    assert (row.location.pk, row.location.name) == (new_place.pk, "Turnhalle")


def test_a_cancellation_that_waited_for_an_accept_cancels_it_and_tells_the_mediator(requested):
    booking, mediator = requested
    staff = staff_of(booking.institution)
    sequence = booking.sequence

    cancelled = while_another_transaction_changes(
        booking,
        ACCEPTED,
        [mediator.pk, NOW, booking.pk],
        lambda: booking_cancel(
            booking=booking, actor=staff.user, reason="Elterngespräch verschoben", now=NOW
        ),
    )

    assert cancelled.status == Status.CANCELLED
    assert cancelled.sequence == sequence + 1  # the mediator's invitation is withdrawn
    told = Message.objects.filter(booking=booking, kind=MessageKind.BOOKING_CANCELLED)
    assert told.filter(recipient_user=mediator.user).count() == 1
    assert told.filter(idempotency_key__endswith=f":{SIDE_MEDIATOR}{mediator.pk}").count() == 1
