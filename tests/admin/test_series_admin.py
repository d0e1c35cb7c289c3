"""Series of appointments in the back office: a coordinator sees the own pool's series with
their dates, read only; another pool's series neither in the list nor by its address."""

import datetime

import pytest
from django.urls import reverse
from django.utils import translation

from bookings.constants import Status
from bookings.models import BookingSeries
from core.time import BERLIN
from tests.bookings.factories import BookingFactory

pytestmark = pytest.mark.django_db

CREATED = datetime.datetime(2027, 2, 1, 9, 0, tzinfo=BERLIN)


def series_of(side, *, day: int) -> BookingSeries:
    series = BookingSeries.objects.create(
        institution=side.institution,
        interval_weeks=1,
        count=2,
        created_by=side.staff.user,
        created_at=CREATED,
    )
    for position in (1, 2):
        BookingFactory(
            institution=side.institution,
            location=side.location,
            status=Status.REQUESTED,
            series=series,
            series_position=position,
            starts_at=datetime.datetime(2027, 3, day + 7 * (position - 1), 8, 0, tzinfo=BERLIN),
        )
    return series


def test_a_coordinator_lists_the_own_pools_series_with_their_dates(coordinator_client, own, other):
    series_of(own, day=16)
    series_of(other, day=17)

    with translation.override("de"):
        response = coordinator_client.get(reverse("admin:bookings_bookingseries_changelist"))

    assert response.status_code == 200
    page = response.content.decode()
    assert own.institution.name in page
    assert "16.03.2027 08:00" in page and "23.03.2027 08:00" in page
    assert other.institution.name not in page
    assert "17.03.2027" not in page


def test_a_series_is_read_only_and_another_pools_cannot_be_opened(coordinator_client, own, other):
    mine = series_of(own, day=16)
    theirs = series_of(other, day=17)

    page = coordinator_client.get(reverse("admin:bookings_bookingseries_change", args=[mine.pk]))
    foreign = coordinator_client.get(
        reverse("admin:bookings_bookingseries_change", args=[theirs.pk])
    )
    add = coordinator_client.get(reverse("admin:bookings_bookingseries_add"))
    delete = coordinator_client.post(
        reverse("admin:bookings_bookingseries_delete", args=[mine.pk]), {"post": "yes"}
    )

    assert page.status_code == 200
    assert "23.03.2027 08:00" in page.content.decode()
    assert 'name="interval_weeks"' not in page.content.decode()  # no input: read only
    assert foreign.status_code == 302 and foreign.url == reverse("admin:index")
    assert add.status_code == 403
    assert delete.status_code == 403
    assert BookingSeries.objects.filter(pk=mine.pk).exists()
