"""Retention (PRODUCT.md, "Privacy and trust"): a booking older than its pool's retention
period loses its personal data in the nightly job, and keeps everything the statistics and
the compensation accounting need: the figures before and after are identical."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bookings.models import AccessLog, Booking, BookingEvent, Feedback, Report
from bookings.privacy.retention import bookings_anonymise_expired, pool_bookings_anonymise
from bookings.selectors import mediator_statement, pool_statement_totals
from bookings.services.access_log import access_log_list
from bookings.tasks import anonymise_expired_bookings
from notifications.models import Message
from tests.clock import frozen

from .conftest import NOW, PAST_YEAR, THIS_YEAR, summary

pytestmark = pytest.mark.django_db


def test_the_statistics_are_identical_before_and_after_anonymisation(history):
    before = {period: summary(history.pool, period) for period in (PAST_YEAR, THIS_YEAR)}
    statements = {
        month: mediator_statement(mediator=history.mediator, year=2024, month=month)
        for month in range(3, 8)
    }
    totals = pool_statement_totals(pool=history.pool, year=2024, month=3)

    result = pool_bookings_anonymise(pool=history.pool, now=NOW)

    assert result.bookings == len(history.old)
    assert summary(history.pool, PAST_YEAR) == before[PAST_YEAR]
    assert summary(history.pool, THIS_YEAR) == before[THIS_YEAR]
    assert before[PAST_YEAR]["requests"] == len(history.old)  # the figures are not empty
    for month, statement in statements.items():
        after = mediator_statement(mediator=history.mediator, year=2024, month=month)
        assert (after.rows, after.total_cents) == (statement.rows, statement.total_cents)
    assert pool_statement_totals(pool=history.pool, year=2024, month=3) == totals


def test_every_personal_field_of_an_old_booking_is_gone(history):
    pool_bookings_anonymise(pool=history.pool, now=NOW)

    for booking in Booking.objects.filter(pk__in=[b.pk for b in history.old]):
        assert booking.case_reference == ""
        assert booking.notes == ""
        assert booking.contact_name == ""
        assert booking.contact_phone == ""
        assert booking.cancellation_reason == ""
        assert booking.requested_by_id is None
        assert booking.anonymised_at == NOW
    old_ids = [b.pk for b in history.old]
    assert set(
        Feedback.objects.filter(booking_id__in=old_ids).values_list("comment", flat=True)
    ) == {""}
    assert not Feedback.objects.filter(booking_id__in=old_ids, created_by__isnull=False).exists()
    assert set(
        Report.objects.filter(booking_id__in=old_ids).values_list("dispute_reason", flat=True)
    ) == {""}
    assert not Report.objects.filter(booking_id__in=old_ids, reviewed_by__isnull=False).exists()
    events = BookingEvent.objects.filter(booking_id__in=old_ids)
    assert events.exists() and not events.exclude(reason="").exists()
    assert not events.filter(actor__isnull=False).exists()
    assert not AccessLog.objects.filter(booking_id__in=old_ids).exists()
    assert not Message.objects.filter(booking_id__in=old_ids).exists()


def test_what_statistics_and_accounting_need_stays(history):
    kept = ("language_id", "starts_at", "ends_at", "duration_minutes", "field", "kind",
            "status", "mediator_id", "institution_id", "location_id", "mode")  # fmt: skip
    before = list(Booking.objects.filter(pk__in=[b.pk for b in history.old]).values(*kept))
    ratings = list(Feedback.objects.order_by("pk").values_list("rating", flat=True))

    pool_bookings_anonymise(pool=history.pool, now=NOW)

    assert list(Booking.objects.filter(pk__in=[b.pk for b in history.old]).values(*kept)) == before
    assert list(Feedback.objects.order_by("pk").values_list("rating", flat=True)) == ratings


def test_bookings_within_the_retention_period_keep_their_data(history):
    pool_bookings_anonymise(pool=history.pool, now=NOW)

    for booking in Booking.objects.filter(pk__in=[b.pk for b in history.recent]):
        assert booking.case_reference.startswith("AZ-")
        assert booking.notes and booking.contact_name
        assert booking.anonymised_at is None
    recent_ids = [b.pk for b in history.recent]
    assert AccessLog.objects.filter(booking_id__in=recent_ids).count() == len(recent_ids)
    assert Message.objects.filter(booking_id__in=recent_ids).count() == len(recent_ids)


def test_the_pools_retention_period_decides(history):
    history.pool.retention_days = 5 * 365
    history.pool.save(update_fields=["retention_days"])

    assert pool_bookings_anonymise(pool=history.pool, now=NOW).bookings == 0
    assert not Booking.objects.filter(anonymised_at__isnull=False).exists()


def test_running_the_job_twice_changes_nothing_the_second_time(history):
    first = bookings_anonymise_expired(now=NOW)
    stamps = dict(Booking.objects.values_list("pk", "anonymised_at"))

    second = bookings_anonymise_expired(now=NOW)

    assert first.bookings == len(history.old)
    assert (second.bookings, second.rows) == (0, 0)
    assert dict(Booking.objects.values_list("pk", "anonymised_at")) == stamps


def test_the_job_works_in_bounded_batches_with_a_constant_number_of_queries(history):
    with CaptureQueriesContext(connection) as one_batch:
        pool_bookings_anonymise(pool=history.pool, now=NOW, batch_size=2, max_batches=1)
    assert Booking.objects.filter(anonymised_at__isnull=False).count() == 2

    with CaptureQueriesContext(connection) as rest:
        result = pool_bookings_anonymise(pool=history.pool, now=NOW, batch_size=100)

    assert result.bookings == len(history.old) - 2
    # One batch of many rows costs what a batch of two does (no query per row).
    assert len(rest) <= len(one_batch) + 2


def test_bulk_read_rows_older_than_the_period_go_and_newer_ones_stay(history):
    user = history.coordinator.user
    recent = access_log_list(user=user, what="api:booking-list", pool_id=history.pool.pk)
    old = access_log_list(user=user, what="api:booking-list", pool_id=history.pool.pk)
    AccessLog.objects.filter(pk=recent.pk).update(at=NOW)
    AccessLog.objects.filter(pk=old.pk).update(at=NOW.replace(year=2024))

    pool_bookings_anonymise(pool=history.pool, now=NOW)

    assert AccessLog.objects.filter(pk=recent.pk).exists()
    assert not AccessLog.objects.filter(pk=old.pk).exists()


@frozen(NOW)
def test_the_nightly_task_is_in_the_beat_schedule_and_calls_the_service(history):
    entries = [e for e in settings.CELERY_BEAT_SCHEDULE.values()
               if e["task"] == "bookings.tasks.anonymise_expired_bookings"]  # fmt: skip
    assert len(entries) == 1

    assert anonymise_expired_bookings.apply().get() == len(history.old)
    assert anonymise_expired_bookings.apply().get() == 0
