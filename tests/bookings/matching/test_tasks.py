"""Tasks take ids, load fresh state and call the services; running them twice changes nothing
the second time; Celery beat runs the sweep every minute."""

import pytest
from django.conf import settings

from bookings.constants import Status
from bookings.models import BookingEvent, Offer
from bookings.tasks import booking_match_task, matching_sweep_task
from config.celery_app import app
from tests.clock import frozen

from .scenario import NOW, make_booking, make_mediator, make_pool

# The tasks read the clock: it is NOW, six weeks before the bookings' DAY.
pytestmark = [pytest.mark.django_db, frozen(NOW)]


def test_the_sweep_runs_from_celery_beat_every_minute():
    entry = settings.CELERY_BEAT_SCHEDULE["matching-sweep"]
    assert entry["task"] == "bookings.tasks.matching_sweep_task"
    assert entry["schedule"] == 60.0
    assert entry["task"] in app.tasks


def test_the_match_task_offers_once_however_often_it_runs():
    pool = make_pool()
    mediator = make_mediator(pool)
    booking = make_booking(pool)

    assert booking_match_task.delay(booking.pk).get() == 1
    events = BookingEvent.objects.count()
    assert booking_match_task.delay(booking.pk).get() == 0

    booking.refresh_from_db()
    assert booking.status == Status.OFFERED
    assert list(Offer.objects.values_list("mediator_id", flat=True)) == [mediator.pk]
    assert BookingEvent.objects.count() == events


def test_the_match_task_for_a_vanished_booking_does_nothing():
    assert booking_match_task.delay(987654).get() == 0


def test_the_sweep_task_reports_what_it_did_and_nothing_the_second_time():
    pool = make_pool()
    make_mediator(pool)
    make_booking(pool)

    first = matching_sweep_task.delay().get()
    second = matching_sweep_task.delay().get()

    assert first == {
        "expired": 0,
        "offers": 1,
        "released": 0,
        "settlements": 0,
        "plans_requeued": 0,
    }
    assert second == {
        "expired": 0,
        "offers": 0,
        "released": 0,
        "settlements": 0,
        "plans_requeued": 0,
    }
