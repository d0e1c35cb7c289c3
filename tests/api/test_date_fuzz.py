"""No date makes a 500: arbitrary dates (year 1 to 9999, the edges of the range, impossible
days), instants with arbitrary offsets (up to ±23:59, which Python reads and PostgreSQL does
not), local times in the daylight-saving changes, times of day with and without offsets,
years, months and periods go to every endpoint and page that takes one, as each role that may
use it. The answer is never a 5xx, and a refusal changes nothing.

Each case tries a modest number of examples (the CI profile derandomizes them,
tests/conftest.py); on PostgreSQL (``DATABASE_URL=postgres://...``, as CI runs it) the
instants reach the database's own parser, so the last test requires it.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bookings.constants import Status
from bookings.models import Booking, BookingEvent
from bookings.planner.models import PlanRun
from mediators.models import Absence, AvailabilitySlot
from tests.api.world import World
from tests.clock import last_sunday

pytestmark = pytest.mark.django_db

# --- what is sent ----------------------------------------------------------------------------

EDGES = [
    datetime.date(1, 1, 1),
    datetime.date(1999, 12, 31),
    datetime.date(2000, 1, 1),
    datetime.date(2100, 12, 31),
    datetime.date(2101, 1, 1),
    datetime.date(9999, 12, 30),
    datetime.date(9999, 12, 31),
]
DST_DAYS = [last_sunday(year, month) for year in (2026, 2027, 2028) for month in (3, 10)]

days = st.one_of(
    st.dates(),
    st.sampled_from(EDGES),
    st.dates(min_value=datetime.date(2025, 1, 1), max_value=datetime.date(2029, 12, 31)),
)
junk = st.sampled_from(
    ["", "2026-02-30", "0000-00-00", "10000-01-01", "-0001-01-01", "2026-13-01", "heute", "1e9"]
)


@st.composite
def day_texts(draw, german: bool = False) -> str:
    if draw(st.integers(0, 9)) == 0:
        return draw(junk | st.text(max_size=12))
    day = draw(days)
    if german and draw(st.booleans()):
        return f"{day.day:02d}.{day.month:02d}.{day.year:04d}"
    return f"{day.year:04d}-{day.month:02d}-{day.day:02d}"


times = st.one_of(
    st.times(),
    st.sampled_from([datetime.time(2, 0), datetime.time(2, 30), datetime.time(2, 59, 59)]),
)


@st.composite
def offsets(draw) -> str:
    kind = draw(st.integers(0, 4))
    if kind == 0:
        return ""
    if kind == 1:
        return "Z"
    minutes = draw(st.integers(-(24 * 60 - 1), 24 * 60 - 1))
    sign = "-" if minutes < 0 else "+"
    hours, rest = divmod(abs(minutes), 60)
    return f"{sign}{hours:02d}:{rest:02d}"


@st.composite
def instant_texts(draw) -> str:
    if draw(st.integers(0, 9)) == 0:
        return draw(junk | st.text(max_size=30))
    day = draw(days | st.sampled_from(DST_DAYS))
    time = draw(times)
    return f"{day.year:04d}-{day.month:02d}-{day.day:02d}T{time.isoformat()}{draw(offsets())}"


@st.composite
def time_texts(draw) -> str:
    if draw(st.integers(0, 9)) == 0:
        return draw(junk | st.text(max_size=12))
    return f"{draw(times).isoformat(timespec=draw(st.sampled_from(['minutes', 'seconds'])))}" + (
        draw(offsets())
    )


years = st.one_of(st.integers(-10, 10_000), st.integers(1995, 2105), st.text(max_size=6))
months = st.one_of(st.integers(-1, 14), st.text(max_size=4))


@st.composite
def month_texts(draw) -> str:
    year = draw(st.integers(0, 9999) | st.integers(1998, 2102))
    return f"{year:04d}-{draw(st.integers(0, 13)):02d}"


def period(name_from: str, name_to: str, german: bool = False):
    text = day_texts(german)
    return st.fixed_dictionaries({}, optional={name_from: text, name_to: text})


# --- where it goes ---------------------------------------------------------------------------


@dataclass
class Case:
    role: str
    method: str
    url: Callable[[World], str]
    values: st.SearchStrategy
    base: Callable[[World], dict] = lambda world: {}
    page: bool = False


def _booking(world: World):
    """One requested booking of the caller's institution per test, moved by every example."""
    if not hasattr(world, "requested"):
        starts = timezone.now() + datetime.timedelta(days=30)
        world.requested = world.booking(starts_at=starts, status=Status.REQUESTED)
    return world.requested


def _request_page_body(world: World) -> dict:
    from mediators.models import Language

    return {
        "language": Language.objects.get(code="ara").pk,
        "duration_minutes": "60",
        "mode": "on_site",
        "location": world.location.pk,
        "field": "school",
        "kind": "conversation",
    }


CASES = {
    # the API
    "stats summary": Case(
        "coordinator", "GET", lambda w: "/api/v1/stats/summary/", period("from", "to")
    ),
    "stats export": Case(
        "coordinator",
        "GET",
        lambda w: "/api/v1/stats/export/",
        period("from", "to"),
        lambda w: {"format": "csv"},
    ),
    "plans": Case(
        "coordinator",
        "POST",
        lambda w: "/api/v1/plans/",
        st.fixed_dictionaries({"from": day_texts(), "to": day_texts()}),
        lambda w: {"seconds": 0.5},
    ),
    **{
        f"booking list ({role})": Case(
            role,
            "GET",
            lambda w: "/api/v1/bookings/",
            st.fixed_dictionaries(
                {}, optional={"starts_after": instant_texts(), "starts_before": instant_texts()}
            ),
        )
        for role in ("coordinator", "requester", "mediator")
    },
    "booking request": Case(
        "requester",
        "POST",
        lambda w: "/api/v1/bookings/",
        st.fixed_dictionaries({"starts_at": instant_texts()}),
        lambda w: {
            "language": "ara",
            "duration_minutes": 60,
            "mode": "on_site",
            "location": w.location.pk,
            "field": "school",
        },
    ),
    **{
        f"reschedule ({role})": Case(
            role,
            "POST",
            lambda w: f"/api/v1/bookings/{_booking(w).pk}/reschedule/",
            st.fixed_dictionaries({"starts_at": instant_texts()}),
            lambda w: {"reason": "Raum belegt"},
        )
        for role in ("requester", "coordinator")
    },
    "absence": Case(
        "mediator",
        "POST",
        lambda w: "/api/v1/mediators/me/absences/",
        st.fixed_dictionaries({"starts_on": day_texts(), "ends_on": day_texts()}),
    ),
    "vetting": Case(
        "coordinator",
        "PATCH",
        lambda w: f"/api/v1/mediators/{w.mediator.pk}/",
        st.fixed_dictionaries(
            {},
            optional={
                name: day_texts() | st.none()
                for name in (
                    "training_completed_on",
                    "pledge_signed_on",
                    "police_certificate_inspected_on",
                    "police_certificate_valid_until",
                )
            },
        ),
    ),
    **{
        f"budgets ({role})": Case(
            role, "GET", lambda w: "/api/v1/budgets/", st.fixed_dictionaries({"year": years})
        )
        for role in ("coordinator", "requester")
    },
    **{
        f"statements ({role})": Case(
            role,
            "GET",
            lambda w: "/api/v1/statements/",
            st.fixed_dictionaries({}, optional={"year": years, "month": months}),
        )
        for role in ("coordinator", "mediator")
    },
    "availability": Case(
        "mediator",
        "POST",
        lambda w: "/api/v1/mediators/me/availability/",
        st.fixed_dictionaries({"start_time": time_texts(), "end_time": time_texts()}),
        lambda w: {"weekday": 2},
    ),
    # the pages
    "statistics page": Case(
        "coordinator",
        "GET",
        lambda w: reverse("web:stats-dashboard"),
        period("from", "to", german=True),
        page=True,
    ),
    "institution's bookings page": Case(
        "requester",
        "GET",
        lambda w: reverse("web:institution-bookings"),
        period("starts_after", "starts_before", german=True),
        page=True,
    ),
    "coordinator's bookings page": Case(
        "coordinator",
        "GET",
        lambda w: reverse("web:coordinator-bookings"),
        period("starts_after", "starts_before", german=True),
        page=True,
    ),
    "request page": Case(
        "requester",
        "POST",
        lambda w: reverse("web:institution-request"),
        st.fixed_dictionaries(
            {
                "date": day_texts(german=True) | st.sampled_from(DST_DAYS).map(str),
                "time": st.one_of(time_texts(), st.sampled_from(["02:00", "02:30", "02:59"])),
            }
        ),
        _request_page_body,
        page=True,
    ),
    "planner page": Case(
        "coordinator",
        "POST",
        lambda w: reverse("web:coordinator-planner"),
        st.fixed_dictionaries(
            {"starts_on": day_texts(german=True), "ends_on": day_texts(german=True)}
        ),
        page=True,
    ),
    "absences page": Case(
        "mediator",
        "POST",
        lambda w: reverse("web:mediator-absences"),
        st.fixed_dictionaries(
            {"starts_on": day_texts(german=True), "ends_on": day_texts(german=True)}
        ),
        page=True,
    ),
    "availability page": Case(
        "mediator",
        "POST",
        lambda w: reverse("web:mediator-availability"),
        st.fixed_dictionaries({"start_time": time_texts(), "end_time": time_texts()}),
        lambda w: {"weekday": "3"},
        page=True,
    ),
    "vetting page": Case(
        "coordinator",
        "POST",
        lambda w: reverse("web:coordinator-mediator", args=[w.mediator.pk]),
        st.fixed_dictionaries(
            {},
            optional={
                "training_completed_on": day_texts(german=True),
                "police_certificate_inspected_on": day_texts(german=True),
                "police_certificate_valid_until": day_texts(german=True),
            },
        ),
        lambda w: {"active": "on"},
        page=True,
    ),
    "statement page": Case(
        "mediator",
        "GET",
        lambda w: reverse("web:mediator-statement"),
        st.fixed_dictionaries(
            {"month": month_texts() | st.text(max_size=8)},
            optional={"format": st.sampled_from(["csv", "pdf"])},
        ),
        page=True,
    ),
}

TRACKED = [Booking, BookingEvent, PlanRun, Absence, AvailabilitySlot]


def _state(world: World):
    world.mediator.refresh_from_db()
    vetting = [
        getattr(world.mediator, name)
        for name in ("training_completed_on", "police_certificate_inspected_on")
    ]
    return [model.objects.count() for model in TRACKED], vetting


def _page_client(world: World, role: str) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="de", raise_request_exception=False)
    client.force_login(world.user(role))
    return client


def _send(world: World, case: Case, url: str, values: dict):
    data = {**case.base(world), **values}
    if case.page:
        client = _page_client(world, case.role)
        if case.method == "GET":
            return client.get(url, data)
        return client.post(url, data)
    client = world.client(case.role)
    client.raise_request_exception = False
    if case.method == "GET":
        return client.get(url, data)
    return client.generic(case.method, url, json.dumps(data), content_type="application/json")


@pytest.mark.parametrize("name", list(CASES))
def test_no_date_makes_a_500_and_a_refusal_changes_nothing(world, name):
    case = CASES[name]

    @settings(
        max_examples=15,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(values=case.values)
    def check(values):
        url = case.url(world)
        before = _state(world)
        response = _send(world, case, url, values)
        assert response.status_code < 500, (values, response.content[:300])
        if case.page:
            # the page, a redirect, or 400 for a NUL character in the address
            # (config.middleware.NulCharacterGuard)
            assert response.status_code in (200, 302) or (
                response.status_code == 400 and any("\x00" in str(v) for v in values.values())
            ), values
            if case.method == "POST" and response.status_code == 200:
                assert _state(world) == before, values
        else:
            assert response.status_code in (200, 201, 202, 400, 409), (
                values,
                response.content[:300],
            )
            if response.status_code in (400, 409):
                assert _state(world) == before, values

    check()


@pytest.mark.postgres
def test_no_instant_in_a_booking_filter_makes_postgresql_fail(world):
    """PostgreSQL reads offsets only up to ±15:59 and years only from 4713 BC: the filters
    ask it in UTC, within the range."""
    world.booking()
    client = world.client("coordinator")
    client.raise_request_exception = False

    @settings(
        max_examples=60,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(
        values=st.fixed_dictionaries(
            {}, optional={"starts_after": instant_texts(), "starts_before": instant_texts()}
        )
    )
    def check(values):
        response = client.get("/api/v1/bookings/", values)
        assert response.status_code in (200, 400), (values, response.content[:300])

    check()
