"""A new absence never covers a confirmed appointment: it is refused, naming the
appointment, unless the mediator gives it back in the same step (the usual give-back)."""

import datetime

import pytest

from bookings.constants import Status
from bookings.models import BookingEvent
from bookings.services.absences import AbsenceCoversAppointments, mediator_absence_create
from core.exceptions import DomainError
from core.time import local_date
from mediators.models import Absence

pytestmark = pytest.mark.django_db

ABSENCES = "/api/v1/mediators/me/absences/"


def test_an_absence_covering_a_confirmed_appointment_is_refused_and_names_it(world):
    booking = world.confirmed_booking()
    day = local_date(booking.starts_at)

    with pytest.raises(AbsenceCoversAppointments) as refused:
        mediator_absence_create(
            mediator=world.mediator, actor=world.mediator.user, starts_on=day, ends_on=day
        )

    assert f"{booking.starts_at.astimezone(datetime.UTC):%Y}" in refused.value.message
    assert world.institution.name in refused.value.message
    assert [b.pk for b in refused.value.bookings] == [booking.pk]
    assert not Absence.objects.exists()
    booking.refresh_from_db()
    assert (booking.status, booking.mediator) == (Status.CONFIRMED, world.mediator)


def test_giving_the_appointment_back_in_the_same_step_adds_the_absence(world):
    booking = world.confirmed_booking()
    elsewhere = world.confirmed_booking(starts_at=booking.starts_at + datetime.timedelta(days=9))
    day = local_date(booking.starts_at)

    absence, given_back = mediator_absence_create(
        mediator=world.mediator,
        actor=world.mediator.user,
        starts_on=day - datetime.timedelta(days=1),
        ends_on=day,
        give_back=[booking.pk],
    )

    assert [b.pk for b in given_back] == [booking.pk]
    assert Absence.objects.get() == absence
    booking.refresh_from_db()
    elsewhere.refresh_from_db()
    assert booking.mediator is None and booking.status in (Status.REQUESTED, Status.OFFERED)
    event = BookingEvent.objects.filter(booking=booking, from_status=Status.CONFIRMED).get()
    assert event.data["mediator_cancelled"] is True  # the usual give-back
    assert elsewhere.status == Status.CONFIRMED


def test_giving_back_something_the_absence_does_not_cover_is_refused(world):
    booking = world.confirmed_booking()
    other = world.confirmed_booking(starts_at=booking.starts_at + datetime.timedelta(days=9))
    day = local_date(booking.starts_at)

    with pytest.raises(DomainError):
        mediator_absence_create(
            mediator=world.mediator,
            actor=world.mediator.user,
            starts_on=day,
            ends_on=day,
            give_back=[booking.pk, other.pk],
        )

    booking.refresh_from_db()
    assert booking.status == Status.CONFIRMED and not Absence.objects.exists()


def test_the_api_refuses_with_the_appointments_and_takes_give_back(world):
    booking = world.confirmed_booking()
    day = local_date(booking.starts_at).isoformat()
    client = world.client("mediator")

    refused = client.post(ABSENCES, {"starts_on": day, "ends_on": day}, format="json")
    added = client.post(
        ABSENCES, {"starts_on": day, "ends_on": day, "give_back": True}, format="json"
    )

    assert refused.status_code == 400
    assert refused.json()["code"] == "absence_covers_appointments"
    assert [a["id"] for a in refused.json()["appointments"]] == [booking.pk]
    assert "give_back" in refused.json()
    assert added.status_code == 201
    assert added.json()["given_back"] == [booking.pk]
    booking.refresh_from_db()
    assert booking.mediator is None


@pytest.mark.parametrize("give_back", ["yes", [0], ["x"], {"a": 1}])
def test_a_malformed_give_back_answers_400(world, give_back):
    response = world.client("mediator").post(
        ABSENCES,
        {"starts_on": "2027-07-01", "ends_on": "2027-07-01", "give_back": give_back},
        format="json",
    )

    assert response.status_code == 400
    assert not Absence.objects.exists()
