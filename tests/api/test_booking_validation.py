"""Bad input to POST /api/v1/bookings/ answers 400 with a field error and stores nothing.

One table of rules (each row: what is wrong, the body, the field that names it), the
malformed bodies, and a hypothesis fuzz proving that no body at all yields a 500.
"""

import datetime
import json

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bookings.models import AccessLog, Booking, BookingEvent
from tests.clock import last_sunday, next_year

pytestmark = pytest.mark.django_db

URL = "/api/v1/bookings/"


def _future(days=20, hour=10) -> str:
    day = timezone.localdate() + datetime.timedelta(days=days)
    return f"{day.isoformat()}T{hour:02d}:00:00+0{1 if _winter(day) else 2}:00"


def _winter(day: datetime.date) -> bool:
    from zoneinfo import ZoneInfo

    noon = datetime.datetime.combine(day, datetime.time(12), tzinfo=ZoneInfo("Europe/Berlin"))
    return noon.utcoffset() == datetime.timedelta(hours=1)


# The daylight-saving changes of next year: always in the future, so no test expires.
NEXT_YEAR = next_year()
SPRING = last_sunday(NEXT_YEAR, 3).isoformat()  # 02:00 → 03:00, 02:30 does not exist
AUTUMN = last_sunday(NEXT_YEAR, 10).isoformat()  # 03:00 → 02:00, 02:30 happens twice
SUMMER_DAY = f"{NEXT_YEAR}-06-15"


def valid_body(world) -> dict:
    return {
        "language": "ara",
        "starts_at": _future(),
        "duration_minutes": 60,
        "mode": "on_site",
        "location": world.location.pk,
        "field": "school",
    }


def _counts():
    return (Booking.objects.count(), BookingEvent.objects.count(), AccessLog.objects.count())


# (rule, changes to a valid body, the field that says what is wrong)
INVALID = [
    ("unknown language", {"language": "xyz"}, "language"),
    ("language as a list", {"language": ["ara"]}, "language"),
    ("language as an object", {"language": {"code": "ara"}}, "language"),
    ("10k-character language", {"language": "a" * 10_000}, "language"),
    ("dialect of another language", {"language": "tir", "dialect": "levantine"}, "dialect"),
    ("unknown dialect", {"dialect": "klingon"}, "dialect"),
    ("start in the past", {"starts_at": "2020-05-04T10:00:00+02:00"}, "starts_at"),
    ("naive time in the spring gap", {"starts_at": f"{SPRING}T02:30:00"}, "starts_at"),
    ("naive time in the ambiguous autumn hour", {"starts_at": f"{AUTUMN}T02:30:00"}, "starts_at"),
    (
        "offset naming a wall time Berlin skips",
        {"starts_at": f"{SPRING}T02:30:00+01:00"},
        "starts_at",
    ),
    ("winter offset in summer", {"starts_at": f"{SUMMER_DAY}T10:00:00+01:00"}, "starts_at"),
    ("an offset of another zone", {"starts_at": f"{SUMMER_DAY}T10:00:00-05:00"}, "starts_at"),
    ("invalid date", {"starts_at": f"{NEXT_YEAR}-02-30T10:00:00+01:00"}, "starts_at"),
    ("a date without time", {"starts_at": SUMMER_DAY}, "starts_at"),
    ("a number as start", {"starts_at": 1_800_000_000}, "starts_at"),
    ("year 9999", {"starts_at": "9999-12-31T23:30:00+01:00"}, "starts_at"),
    ("year 1", {"starts_at": "0001-01-01T00:30:00+00:00"}, "starts_at"),
    ("a start too far ahead", {"starts_at": "2150-06-15T10:00:00+02:00"}, "starts_at"),
    ("duration below 15", {"duration_minutes": 14}, "duration_minutes"),
    ("duration above 480", {"duration_minutes": 481}, "duration_minutes"),
    ("huge duration", {"duration_minutes": 10**30}, "duration_minutes"),
    ("negative duration", {"duration_minutes": -60}, "duration_minutes"),
    ("fractional duration", {"duration_minutes": 60.5}, "duration_minutes"),
    ("duration as words", {"duration_minutes": "sixty"}, "duration_minutes"),
    ("duration as boolean", {"duration_minutes": True}, "duration_minutes"),
    ("duration null", {"duration_minutes": None}, "duration_minutes"),
    ("unknown mode", {"mode": "teleport"}, "mode"),
    ("on site without location", {"location": None}, "location"),
    ("another institution's location", {"location": "OTHER_LOCATION"}, "location"),
    ("another pool's location", {"location": "FOREIGN_LOCATION"}, "location"),
    ("a location that does not exist", {"location": 2**62}, "location"),
    ("a huge location id", {"location": 10**40}, "location"),
    ("location as text", {"location": "Aula"}, "location"),
    ("missing field of action", {"field": None}, "field"),
    ("unknown field of action", {"field": "space"}, "field"),
    ("unknown topic", {"topic": "weather"}, "topic"),
    ("unknown gender preference", {"gender_preference": "any"}, "gender_preference"),
    ("with_children not a boolean", {"with_children": "maybe"}, "with_children"),
    ("case reference too long", {"case_reference": "C" * 65}, "case_reference"),
    ("10k-character notes", {"notes": "n" * 10_000}, "notes"),
    ("a NUL character in notes", {"notes": "a\x00b"}, "notes"),
    ("notes as a list", {"notes": ["a"]}, "notes"),
    ("10k-character contact", {"contact_name": "x" * 10_000}, "contact_name"),
    ("a kind the pool does not serve", {"kind": "legal_consequences"}, "kind"),
    ("another pool's booking as follow-up", {"follow_up_of": "FOREIGN_BOOKING"}, "follow_up_of"),
    ("another pool's funding source", {"funding_source": "FOREIGN_FUNDING"}, "funding_source"),
]


def _resolve(world, changes: dict) -> dict:
    from tests.institutions.factories import FundingSourceFactory

    placeholders = {
        "OTHER_LOCATION": lambda: world.other_location.pk,
        "FOREIGN_LOCATION": lambda: world.foreign_location.pk,
        "FOREIGN_BOOKING": lambda: world.booking("foreign").pk,
        "FOREIGN_FUNDING": lambda: FundingSourceFactory(pool=world.foreign_pool).pk,
    }
    resolved = {}
    for key, value in changes.items():
        resolved[key] = (
            placeholders[value]() if isinstance(value, str) and value in placeholders else value
        )
    return resolved


def _drop_nulls_of_required(body: dict) -> dict:
    return {k: v for k, v in body.items() if not (v is None and k in ("field",))}


@pytest.mark.parametrize("rule, changes, field", INVALID, ids=[row[0] for row in INVALID])
def test_invalid_requests_answer_400_with_the_field_and_store_nothing(world, rule, changes, field):
    body = _drop_nulls_of_required({**valid_body(world), **_resolve(world, changes)})
    before = _counts()

    response = world.client("requester").post(URL, body, format="json")

    assert response.status_code == 400, (rule, response.content)
    assert field in response.json(), (rule, response.json())
    assert _counts() == before


def test_the_valid_body_of_the_table_is_accepted(world):
    """The table's rows differ from this body in one place each, so each row is a rule."""
    response = world.client("requester").post(URL, valid_body(world), format="json")
    assert response.status_code == 201, response.json()


@pytest.mark.parametrize(
    "starts_at, utc",
    [
        # UTC is always fine: 01:30 UTC is 03:30 summer time in Berlin
        (f"{SPRING}T01:30:00Z", f"{SPRING}T01:30:00+00:00"),
        (f"{SPRING}T01:30:00+00:00", f"{SPRING}T01:30:00+00:00"),
        (f"{SPRING}T03:30:00+02:00", f"{SPRING}T01:30:00+00:00"),
        (f"{SPRING}T03:30:00", f"{SPRING}T01:30:00+00:00"),  # naive, just after the gap
        (f"{AUTUMN}T02:30:00+02:00", f"{AUTUMN}T00:30:00+00:00"),  # the first 02:30
        (f"{AUTUMN}T02:30:00+01:00", f"{AUTUMN}T01:30:00+00:00"),  # the second 02:30
    ],
)
def test_utc_and_matching_offsets_are_accepted_around_the_changes(world, starts_at, utc):
    body = {**valid_body(world), "starts_at": starts_at}

    response = world.client("requester").post(URL, body, format="json")

    assert response.status_code == 201, response.json()
    stored = Booking.objects.get(pk=response.json()["id"]).starts_at
    assert stored == datetime.datetime.fromisoformat(utc)


def test_a_spring_gap_error_says_the_time_does_not_exist(world):
    body = {**valid_body(world), "starts_at": f"{SPRING}T02:30:00+01:00"}

    response = world.client("requester").post(URL, body, format="json", HTTP_ACCEPT_LANGUAGE="en")

    assert "does not exist" in response.json()["starts_at"][0]


@pytest.mark.parametrize(
    "raw, content_type",
    [
        (b"{not json", "application/json"),
        (b"", "application/json"),
        (b'"just a string"', "application/json"),
        (b"[1, 2, 3]", "application/json"),
        (b'[{"language": "ara"}]', "application/json"),
        (b"null", "application/json"),
        (b"42", "application/json"),
        (b'{"notes": "\\ud800"}', "application/json"),
        (b'{"duration_minutes": NaN}', "application/json"),
        (b'{"duration_minutes": 1' + b"0" * 5000 + b"}", "application/json"),
        (b"[" * 100_000 + b"]" * 100_000, "application/json"),
        (b"\xff\xfe\x00garbage", "application/json"),
    ],
    ids=[
        "not json",
        "empty",
        "a string",
        "a list",
        "a list of objects",
        "null",
        "a number",
        "a lone surrogate",
        "NaN",
        "a 5000-digit number",
        "nested 100000 deep",
        "not UTF-8",
    ],
)
def test_malformed_bodies_answer_400_and_store_nothing(world, raw, content_type):
    before = _counts()

    response = world.client("requester").generic("POST", URL, raw, content_type=content_type)

    assert response.status_code == 400, response.content[:200]
    assert _counts() == before


def test_a_body_of_another_media_type_answers_415(world):
    response = world.client("requester").generic("POST", URL, b"language=ara", "text/plain")
    assert response.status_code == 415


def test_an_oversized_body_is_refused_without_a_500(world):
    body = {**valid_body(world), "notes": "x" * 3_000_000}

    response = world.client("requester").post(
        URL, json.dumps(body), content_type="application/json"
    )

    assert response.status_code in (400, 413)
    assert not Booking.objects.exists()


# --- fuzz ----------------------------------------------------------------------------------

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**30), max_value=10**30)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=60),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=12,
)
FIELDS = [
    "language",
    "dialect",
    "starts_at",
    "duration_minutes",
    "mode",
    "location",
    "field",
    "topic",
    "kind",
    "with_children",
    "sensitive",
    "gender_preference",
    "follow_up_of",
    "case_reference",
    "notes",
    "funding_source",
    "contact_name",
    "contact_phone",
    "institution",
]
time_like = st.one_of(
    st.datetimes().map(lambda d: d.isoformat()),  # naive: Berlin wall time
    st.datetimes(timezones=st.timezones()).map(lambda d: d.isoformat()),
    st.from_regex(r"\A\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?([+-]\d{2}:\d{2}|Z)?\Z"),
)


@st.composite
def bodies(draw):
    """A valid body with some fields replaced by arbitrary JSON, or arbitrary JSON."""
    if draw(st.integers(0, 4)) == 0:
        return draw(json_values)
    changes = draw(
        st.dictionaries(
            st.sampled_from(FIELDS),
            st.one_of(json_values, time_like),
            min_size=1,
            max_size=5,
        )
    )
    return changes


@settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(changes=bodies())
def test_no_body_at_all_yields_a_500_and_a_refused_one_stores_nothing(world, changes):
    body = {**valid_body(world), **changes} if isinstance(changes, dict) else changes
    before = _counts()

    response = world.client("requester").post(
        URL, json.dumps(body), content_type="application/json"
    )

    assert response.status_code in (201, 400), response.content[:300]
    if response.status_code == 400:
        assert _counts() == before
    else:
        assert _counts()[0] == before[0] + 1
