"""Helpers of the API tests of the lifecycle steps beyond request and cancel: URLs, Berlin
times, counts of everything a step may write, the bookings each step expects, bodies."""

import datetime
from zoneinfo import ZoneInfo

from django.utils import timezone
from hypothesis import strategies as st

from bookings.constants import ReportStatus, Status
from bookings.models import AccessLog, Alert, Allowance, BookingEvent, Report
from notifications.models import Message
from tests.clock import last_sunday, next_year
from tests.institutions.factories import CompensationRuleFactory

BERLIN = ZoneInfo("Europe/Berlin")
NEXT_YEAR = next_year()


def url(booking, action: str) -> str:
    return f"/api/v1/bookings/{booking.pk}/{action}/"


def berlin(day: datetime.date, hour: int, minute: int = 0) -> str:
    """A local time with Berlin's offset of that day, as an integrator sends it."""
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=BERLIN).isoformat()


def in_days(days: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=days)


SPRING = last_sunday(NEXT_YEAR, 3)  # 02:00 → 03:00: 02:30 does not exist
AUTUMN = last_sunday(NEXT_YEAR, 10)  # 03:00 → 02:00: 02:30 happens twice


def counts() -> dict[str, int]:
    return {
        "events": BookingEvent.objects.count(),
        "access": AccessLog.objects.count(),
        "messages": Message.objects.count(),
        "allowances": Allowance.objects.count(),
        "reports": Report.objects.count(),
        "alerts": Alert.objects.count(),
    }


def snapshot(booking) -> tuple:
    booking.refresh_from_db()
    return (
        booking.status,
        booking.starts_at,
        booking.ends_at,
        booking.duration_minutes,
        booking.location_id,
        booking.sequence,
        booking.mediator_id,
    )


MALFORMED = [
    (b"{not json", "not json"),
    (b"", "empty"),
    (b"[1, 2]", "a list"),
    (b'"text"', "a string"),
    (b"null", "null"),
    (b'{"reason": "\\ud800"}', "a lone surrogate"),
    (b'{"duration_minutes": NaN, "reason": "x"}', "NaN"),
    (b'{"duration_minutes": 1' + b"0" * 5000 + b', "reason": "x"}', "a 5000-digit number"),
    (b"[" * 50_000 + b"]" * 50_000, "nested 50000 deep"),
    (b"\xff\xfe\x00garbage", "not UTF-8"),
]


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**30), max_value=10**30)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=40),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children)
    ),
    max_leaves=8,
)
time_like = st.one_of(
    st.datetimes().map(lambda d: d.isoformat()),
    st.datetimes(timezones=st.timezones()).map(lambda d: d.isoformat()),
    st.from_regex(r"\A\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?([+-]\d{2}:\d{2}|Z)?\Z"),
)


@st.composite
def mutations(draw, valid: dict):
    if draw(st.integers(0, 4)) == 0:
        return draw(json_values)
    keys = st.sampled_from(sorted(valid)) | st.text(max_size=8)
    return {**valid, **draw(st.dictionaries(keys, json_values, min_size=1, max_size=3))}


def rule(world):
    return CompensationRuleFactory(pool=world.pool, valid_from=datetime.date(2020, 1, 1))


def reported(world, where="own", *, disputed=False, mode="on_site", **figures):
    mediator = world.other_mediator if where == "other" else world.mediator
    booking = world.confirmed_booking(
        where,
        mediator=mediator,
        status=Status.COMPLETED,
        mode=mode,
        starts_at=timezone.now() - datetime.timedelta(hours=3),
    )
    Report.objects.create(
        booking=booking,
        actual_minutes=figures.get("actual_minutes", 90),
        travel_km=figures.get("travel_km", 10),
        status=ReportStatus.DISPUTED if disputed else ReportStatus.SUBMITTED,
    )
    return booking


def cancelled_late_by_the_institution(world):
    """A confirmed booking in two hours, cancelled by the school through the API."""
    rule(world)
    booking = world.confirmed_booking(
        "own", starts_at=timezone.now() + datetime.timedelta(hours=2), duration_minutes=90
    )
    cancelled = world.client("requester").post(
        url(booking, "cancel"), {"reason": "Familie abgesagt"}, format="json"
    )
    assert cancelled.json()["late_cancellation"] is True
    return booking


def disputed_under_a_rule(world):
    rule(world)
    return reported(world, disputed=True)
