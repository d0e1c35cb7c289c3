"""A coordinator files a series for a school that phones in: the dates first, then the
series on the teacher's behalf; the reason for shorter notice covers the first date."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from bookings.models import Booking, BookingSeries

from .test_coordinator_tasks import coordinator, page, post, request_data, school, url

pytestmark = pytest.mark.django_db

__all__ = ["school"]  # the fixture, used by name


def test_a_coordinator_files_a_series_at_shorter_notice_for_a_school(school):
    ki = page(coordinator(school.institution.pool).user)
    target = f"{url('coordinator-request')}?institution={school.institution.pk}"
    # Tomorrow: shorter than the pool's five working days, so the coordinator gives a reason.
    first = timezone.localdate() + datetime.timedelta(days=1)
    data = request_data(
        school, date=first.isoformat(), notice_override_reason="Elterngespräch dringend",
        **{"series-repeat": "on", "series-interval_weeks": "2", "series-count": "3"},
    )  # fmt: skip

    shown = post(ki, target, data)
    assert shown.status_code == 200
    assert shown.content.decode().count('name="series-keep"') == 3
    assert not Booking.objects.exists()

    keep = [(first + datetime.timedelta(weeks=2 * w)).isoformat() for w in range(3)]
    sent = post(ki, target, {**data, "series-send": "1", "series-keep": keep})

    series = BookingSeries.objects.get()
    dates = list(series.bookings.order_by("starts_at"))
    assert sent.status_code == 302
    assert sent["Location"] == url("coordinator-booking", dates[0].pk)
    assert [timezone.localtime(b.starts_at).date().isoformat() for b in dates] == keep
    assert {b.requested_by for b in dates} == {school.user}
    assert dates[0].events.get().data["notice_override_reason"] == "Elterngespräch dringend"
