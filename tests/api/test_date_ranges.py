"""No date makes a 500: every date, period and instant the API takes lies between 2000-01-01
and 2100-12-31 (``core.dates``) and answers 400 with a message outside it, changing nothing;
an instant with any offset Python reads is asked in UTC; a weekly availability time is a
local wall time and refuses an offset."""

import datetime

import pytest
from django.core.management import call_command

from bookings.planner.models import PlanRun
from core.dates import FIRST_DAY, LAST_DAY
from mediators.models import Absence, AvailabilitySlot

pytestmark = pytest.mark.django_db

SUMMARY = "/api/v1/stats/summary/"
EXPORT = "/api/v1/stats/export/"
PLANS = "/api/v1/plans/"
BOOKINGS = "/api/v1/bookings/"
AVAILABILITY = "/api/v1/mediators/me/availability/"
ABSENCES = "/api/v1/mediators/me/absences/"
OUT_OF_RANGE = "Give a date between the years 2000 and 2100."


def english(client):
    client.credentials(HTTP_ACCEPT_LANGUAGE="en")
    return client


def test_the_range_is_2000_to_2100():
    assert (FIRST_DAY, LAST_DAY) == (datetime.date(2000, 1, 1), datetime.date(2100, 12, 31))


# --- the reproducers of issue 12 ------------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    [
        {"from": "9999-12-01", "to": "9999-12-31"},
        {"from": "0001-01-01", "to": "0001-12-31"},
        {"from": "0001-01-01"},
        {"to": "9999-12-31"},
    ],
)
@pytest.mark.parametrize("url", [SUMMARY, EXPORT])
def test_statistics_of_year_1_or_9999_answer_400_with_the_range(world, url, query):
    response = english(world.client("coordinator")).get(url, query)

    assert response.status_code == 400
    body = response.json()
    for name in query:
        assert body[name] == [OUT_OF_RANGE]


def test_statistics_on_the_edges_of_the_range_are_answered(world):
    response = world.client("coordinator").get(SUMMARY, {"from": "2091-01-01", "to": "2100-12-31"})

    assert response.status_code == 200
    assert (response.json()["from"], response.json()["to"]) == ("2091-01-01", "2100-12-31")


@pytest.mark.parametrize(
    "body",
    [
        {"from": "9999-12-30", "to": "9999-12-31"},
        {"from": "9999-12-31", "to": "9999-12-31"},
        {"from": "0001-01-01", "to": "0001-01-02"},
        {"from": "2027-01-01", "to": "9999-12-31"},
    ],
)
def test_a_plan_for_year_1_or_9999_answers_400_and_stores_nothing(world, body):
    response = english(world.client("coordinator")).post(PLANS, body, format="json")

    assert response.status_code == 400
    assert OUT_OF_RANGE in response.json()["to"]
    assert not PlanRun.objects.exists()


def test_a_plan_on_the_last_days_of_the_range_is_computed(
    world, django_capture_on_commit_callbacks
):
    body = {"from": "2100-12-30", "to": "2100-12-31", "seconds": 0.5}

    with django_capture_on_commit_callbacks(execute=True):
        response = world.client("coordinator").post(PLANS, body, format="json")

    assert response.status_code == 202
    plan = world.client("coordinator").get(response["Location"]).json()
    assert plan["status"] == "draft"
    assert (plan["starts_on"], plan["ends_on"]) == ("2100-12-30", "2100-12-31")


def test_a_booking_filter_with_an_offset_postgresql_cannot_read_is_asked_in_utc(world):
    """-20:00 is a valid ISO 8601 offset (Python reads up to ±23:59), but PostgreSQL only
    up to ±15:59: the filter hands the query the same instant in UTC."""
    booking = world.booking(starts_at=datetime.datetime(2026, 1, 1, 21, tzinfo=datetime.UTC))
    world.booking(starts_at=datetime.datetime(2026, 1, 1, 19, tzinfo=datetime.UTC))

    response = world.client("coordinator").get(
        BOOKINGS, {"starts_after": "2026-01-01T00:00:00-20:00"}
    )

    assert response.status_code == 200
    assert [row["id"] for row in response.json()["results"]] == [booking.pk]


@pytest.mark.postgres
@pytest.mark.parametrize("offset", ["-20:00", "+16:00", "-23:59", "+23:59"])
def test_no_offset_python_reads_makes_postgresql_fail(world, offset):
    world.booking()

    for name in ("starts_after", "starts_before"):
        response = world.client("coordinator").get(BOOKINGS, {name: f"2026-01-01T00:00:00{offset}"})

        assert response.status_code == 200, response.content[:300]


@pytest.mark.parametrize(
    "value", ["0001-01-01T00:00:00+05:00", "9999-12-31T23:59:59-20:00", "1999-12-31T22:59:59Z"]
)
@pytest.mark.parametrize("name", ["starts_after", "starts_before"])
def test_a_booking_filter_outside_the_range_answers_400(world, name, value):
    response = english(world.client("coordinator")).get(BOOKINGS, {name: value})

    assert response.status_code == 400
    assert response.json()[name] == [OUT_OF_RANGE]


@pytest.mark.parametrize(
    "body",
    [
        {"starts_on": "9999-12-31", "ends_on": "9999-12-31"},
        {"starts_on": "0001-01-01", "ends_on": "2027-01-01"},
    ],
)
def test_an_absence_outside_the_range_answers_400(world, body):
    response = english(world.client("mediator")).post(ABSENCES, body, format="json")

    assert response.status_code == 400
    assert OUT_OF_RANGE in sum(response.json().values(), [])
    assert not Absence.objects.exists()


def test_vetting_dates_outside_the_range_answer_400(world):
    url = f"/api/v1/mediators/{world.mediator.pk}/"
    body = {"police_certificate_valid_until": "9999-12-31"}

    response = english(world.client("coordinator")).patch(url, body, format="json")

    assert response.status_code == 400
    assert response.json()["police_certificate_valid_until"] == [OUT_OF_RANGE]
    world.mediator.refresh_from_db()
    assert world.mediator.police_certificate_valid_until != datetime.date(9999, 12, 31)


@pytest.mark.parametrize(
    "url, query",
    [
        ("/api/v1/budgets/", {"year": 1}),
        ("/api/v1/statements/", {"year": 9999, "month": 12}),
        ("/api/v1/statements/", {"year": 0, "month": 1}),
    ],
)
def test_years_outside_the_range_answer_400(world, url, query):
    response = world.client("coordinator").get(url, query)

    assert response.status_code == 400
    assert "year" in response.json()


# --- weekly availability: local wall time, no offset ----------------------------------------


@pytest.mark.parametrize("value", ["09:00:00-22:05", "09:00+02:00", "09:00:00Z", "09:00+00:00"])
def test_an_availability_time_with_an_offset_is_refused_not_dropped(world, value):
    body = {"weekday": 1, "start_time": value, "end_time": "12:00"}

    response = english(world.client("mediator")).post(AVAILABILITY, body, format="json")

    assert response.status_code == 400
    assert response.json()["start_time"] == [
        "Give the local time without an offset, as hh:mm or hh:mm:ss."
    ]
    assert not AvailabilitySlot.objects.exists()


@pytest.mark.parametrize("value", ["09:00", "09:00:00", "9:00"])
def test_an_availability_time_without_offset_is_a_local_wall_time(world, value):
    body = {"weekday": 1, "start_time": value, "end_time": "12:00"}

    response = world.client("mediator").post(AVAILABILITY, body, format="json")

    assert response.status_code == 201
    assert response.json()["start_time"] == "09:00:00"
    assert AvailabilitySlot.objects.get().start_time == datetime.time(9)


# --- the contract says so -------------------------------------------------------------------


@pytest.fixture(scope="module")
def schema(tmp_path_factory):
    import yaml

    target = tmp_path_factory.mktemp("schema") / "schema.yml"
    call_command("spectacular", "--file", str(target))
    return yaml.safe_load(target.read_text())


def test_the_schema_calls_availability_times_local_without_offset(schema):
    components = schema["components"]["schemas"]
    for name in ("AvailabilitySlot", "AvailabilityListCreateInputRequest"):
        for field in ("start_time", "end_time"):
            spec = components[name]["properties"][field]
            assert spec.get("format") != "time"
            assert "no offset" in spec["description"]
            assert spec["pattern"]


def test_the_schema_names_the_range_of_every_date_parameter(schema):
    def parameters(path, method="get"):
        return {p["name"]: p for p in schema["paths"][path][method].get("parameters", [])}

    for path in (SUMMARY, EXPORT):
        for name in ("from", "to"):
            assert "2000-01-01" in parameters(path)[name]["description"]
    for name in ("starts_after", "starts_before"):
        assert "2100-12-31" in parameters(BOOKINGS)[name]["description"]
    for name in ("year",):
        assert "2100" in parameters("/api/v1/budgets/")[name]["description"]
        assert "2100" in parameters("/api/v1/statements/")[name]["description"]
    components = schema["components"]["schemas"]
    plan = components["PlanListCreateInputRequest"]["properties"]
    assert "2100-12-31" in plan["from"]["description"]
    assert "62 days" in plan["to"]["description"]
    absence = components["AbsenceInputRequest"]["properties"]
    assert "2000-01-01" in absence["starts_on"]["description"]
    booking = components["BookingListCreateInputRequest"]["properties"]
    assert "2100-12-31" in booking["starts_at"]["description"]


@pytest.mark.parametrize(
    "query, status",
    [
        ({"starts_after": "2000-01-01T00:00:00+01:00"}, 200),
        ({"starts_after": "1999-12-31T23:59:59+01:00"}, 400),
        ({"starts_before": "2101-01-01T00:00:00+01:00"}, 200),  # the day after the last
        ({"starts_before": "2101-01-01T00:00:01+01:00"}, 400),
    ],
)
def test_a_booking_filter_may_bound_the_whole_range(world, query, status):
    response = world.client("coordinator").get(BOOKINGS, query)

    assert response.status_code == status
