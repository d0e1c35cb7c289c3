"""A mediator keeps their one-off times (single dates) through the API with the checks of
the availability page: a date in the past, an end not after the start and an overlap with
another time of the same date answer 400 with the field at fault, and nothing is saved."""

import datetime

import pytest

from core.time import BERLIN
from mediators.models import AvailabilityDate
from tests.clock import frozen

pytestmark = [pytest.mark.django_db, frozen(datetime.datetime(2027, 5, 3, 10, 0, tzinfo=BERLIN))]

DATES = "/api/v1/mediators/me/availability-dates/"
TODAY = datetime.date(2027, 5, 3)  # the frozen clock's local day, a Monday


def dated(mediator, day, start, end):
    return AvailabilityDate.objects.create(
        mediator=mediator, day=day, start_time=datetime.time(start), end_time=datetime.time(end)
    )


def test_a_one_off_time_is_added_in_local_time_and_listed_from_today_on(world):
    dated(world.mediator, TODAY - datetime.timedelta(days=1), 9, 12)  # yesterday: not listed
    dated(world.other_mediator, TODAY, 9, 12)  # someone else's
    client = world.client("mediator")

    response = client.post(
        DATES, {"day": "2027-05-08", "start_time": "09:00", "end_time": "13:00"}, format="json"
    )

    assert response.status_code == 201
    row = AvailabilityDate.objects.get(pk=response.json()["id"])
    assert (row.mediator, row.day) == (world.mediator, datetime.date(2027, 5, 8))
    assert (row.start_time, row.end_time) == (datetime.time(9), datetime.time(13))
    assert client.get(DATES).json()["results"] == [
        {
            "id": row.pk,
            "day": "2027-05-08",
            "start_time": "09:00:00",
            "end_time": "13:00:00",
            "ends_at_midnight": False,
        }
    ]


def test_today_counts_and_a_time_may_end_at_midnight(world):
    response = world.client("mediator").post(
        DATES, {"day": "2027-05-03", "start_time": "18:00", "end_time": "24:00"}, format="json"
    )

    assert response.status_code == 201
    assert response.json()["end_time"] == "00:00:00"
    assert response.json()["ends_at_midnight"] is True


@pytest.mark.parametrize(
    "body, field, words",
    [
        ({"day": "2027-05-02", "start_time": "09:00", "end_time": "12:00"}, "day", "past"),
        ({"day": "2027-05-08", "start_time": "12:00", "end_time": "12:00"}, "end_time", "end"),
        ({"day": "2027-05-08", "start_time": "14:00", "end_time": "09:00"}, "end_time", "end"),
        (
            {"day": "2027-05-08", "start_time": "11:00", "end_time": "15:00"},
            "start_time",
            "overlaps",
        ),
        (
            {"day": "2027-05-08", "start_time": "07:00", "end_time": "20:00"},
            "start_time",
            "overlaps",
        ),
        ({"day": "8.5.2027", "start_time": "09:00", "end_time": "12:00"}, "day", ""),
        ({"day": "9999-12-31", "start_time": "09:00", "end_time": "12:00"}, "day", ""),
        ({"day": "2027-05-08", "start_time": "25:00", "end_time": "26:00"}, "start_time", ""),
        ({"day": "2027-05-08", "start_time": "09:00+02:00", "end_time": "12:00"}, "start_time", ""),
        ({"start_time": "09:00", "end_time": "12:00"}, "day", ""),
    ],
)
def test_bad_times_answer_400_naming_the_field_and_save_nothing(world, body, field, words):
    dated(world.mediator, datetime.date(2027, 5, 8), 10, 12)

    with_language = {"HTTP_ACCEPT_LANGUAGE": "en"}
    response = world.client("mediator").post(DATES, body, format="json", **with_language)

    assert response.status_code == 400
    assert field in response.json()
    assert words in str(response.json()[field]).lower()
    assert AvailabilityDate.objects.filter(mediator=world.mediator).count() == 1


def test_touching_times_and_the_same_time_on_another_date_are_fine(world):
    dated(world.mediator, datetime.date(2027, 5, 8), 9, 12)
    client = world.client("mediator")

    touching = client.post(
        DATES, {"day": "2027-05-08", "start_time": "12:00", "end_time": "14:00"}, format="json"
    )
    other_day = client.post(
        DATES, {"day": "2027-05-09", "start_time": "09:00", "end_time": "12:00"}, format="json"
    )

    assert (touching.status_code, other_day.status_code) == (201, 201)


def test_a_mediator_deletes_an_own_time_but_not_another_mediators(world):
    own = dated(world.mediator, datetime.date(2027, 5, 8), 9, 12)
    others = dated(world.other_mediator, datetime.date(2027, 5, 8), 9, 12)
    client = world.client("mediator")

    deleted = client.delete(f"{DATES}{own.pk}/")
    refused = client.delete(f"{DATES}{others.pk}/")

    assert (deleted.status_code, refused.status_code) == (204, 404)
    assert not AvailabilityDate.objects.filter(pk=own.pk).exists()
    assert AvailabilityDate.objects.filter(pk=others.pk).exists()


def test_other_roles_may_not_use_the_own_dates(world):
    for role in ("coordinator", "requester", "admin"):
        assert world.client(role).get(DATES).status_code == 403
