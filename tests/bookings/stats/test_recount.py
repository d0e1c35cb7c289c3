"""The summary's figures equal a plain recount, booking by booking, of the same data.

The summary adds everything up in the database (one grouped pass, then a roll-up per
breakdown); this test recounts a seeded mix of every outcome in Python the obvious way and
compares every breakdown. The period starts mid-month, spans the end of daylight-saving time
and has bookings a minute either side of local midnight at its edges and month ends.
"""

import datetime
import random
from collections import Counter, defaultdict
from decimal import Decimal

import pytest

from bookings.constants import HOLDING_STATUSES, AllowanceKind, Field, Status
from bookings.models import Allowance, Booking, BookingEvent, Report
from bookings.stats.selectors import StatsPeriod, stats_summary
from core.constants import ActorRole
from core.time import BERLIN
from institutions.constants import InstitutionKind
from institutions.models import Pool
from tests.institutions.factories import (
    BudgetFactory,
    FundingSourceFactory,
    InstitutionFactory,
    PoolFactory,
    TownFactory,
)
from tests.mediators.factories import LanguageFactory, MediatorFactory

from .conftest import local
from .test_selectors import booking, summary_for

pytestmark = pytest.mark.django_db

PERIOD = StatsPeriod(start=datetime.date(2026, 9, 15), end=datetime.date(2026, 11, 10))
EDGES = [
    local(2026, 9, 14, 23, 59),  # the day before the period: left out
    local(2026, 9, 15, 0, 0),
    local(2026, 9, 30, 23, 59),
    local(2026, 10, 1, 0, 0),
    local(2026, 10, 25, 2, 30),  # the night daylight-saving time ends
    local(2026, 10, 31, 23, 30),
    local(2026, 11, 1, 0, 15),
    local(2026, 11, 10, 23, 59),
    local(2026, 11, 11, 0, 0),  # the day after: left out
]
STATUSES = list(Status.values)


def make_bookings(pool, rng):
    """About eighty bookings of every outcome; each at its own hour, so that no mediator's
    bookings overlap."""
    towns = [TownFactory(name=name) for name in ("Viersen", "Kempen")]
    institutions = [
        InstitutionFactory(pool=pool, town=towns[0], kind=InstitutionKind.SCHOOL),
        InstitutionFactory(pool=pool, town=towns[1], kind=InstitutionKind.SCHOOL),
        InstitutionFactory(pool=pool, town=towns[1], kind=InstitutionKind.YOUTH_OFFICE),
    ]
    languages = [LanguageFactory(code=code) for code in ("ara", "tir", "ukr")]
    mediators = [MediatorFactory(pool=pool) for _ in range(3)]
    # Neighbouring edges are minutes apart: they take turns between two mediators of their own.
    at_edges = [MediatorFactory(pool=pool) for _ in range(2)]
    start = local(2026, 9, 10, 8, 0)
    starts = [(at, [at_edges[n % 2]]) for n, at in enumerate(EDGES)]
    starts += [(start + datetime.timedelta(hours=19 * n), mediators) for n in range(70)]
    made = []
    for starts_at, available in starts:
        status = rng.choice(STATUSES)
        filled = status in (*HOLDING_STATUSES, Status.NO_SHOW) or (
            status == Status.CANCELLED and rng.random() < 0.5
        )
        made.append(
            booking(
                pool,
                status,
                starts_at=starts_at,
                institution=rng.choice(institutions),
                language=rng.choice(languages),
                field=rng.choice(list(Field.values)),
                duration_minutes=rng.choice([30, 60, 90]),
                mediator=rng.choice(available) if filled else None,
                cancelled_by_role=rng.choice([ActorRole.INSTITUTION, ActorRole.COORDINATOR])
                if status == Status.CANCELLED
                else "",
                late_cancellation=status == Status.CANCELLED and rng.random() < 0.4,
            )
        )
    for item in made:
        if item.mediator_id and rng.random() < 0.8:
            Booking.objects.filter(pk=item.pk).update(
                confirmed_at=item.created_at + datetime.timedelta(hours=rng.randint(1, 90))
            )
        if item.status in (Status.COMPLETED, Status.CLOSED) and rng.random() < 0.6:
            Report.objects.create(
                booking=item, actual_minutes=rng.choice([45, 75, 120]), travel_km=Decimal("3.0")
            )
        if item.status in (Status.CANCELLED, Status.CONFIRMED) and rng.random() < 0.5:
            # Unfilled once (twice, now and then): only a cancelled booking nobody took then
            # counts as unmet demand, and only once.
            for _ in range(rng.choice([1, 2])):
                BookingEvent.objects.create(
                    booking=item,
                    actor_role=ActorRole.SYSTEM,
                    from_status=Status.REQUESTED,
                    to_status=Status.UNFILLED,
                )


def hours(minutes):
    return round(minutes / 60, 2)


def rate(part, whole):
    return round(part / whole, 4) if whole else 0.0


def mean_hours(seconds):
    return round(sum(seconds) / len(seconds) / 3600, 1) if seconds else None


class Tally:
    def __init__(self):
        self.requests = self.filled = self.minutes = 0
        self.fill_seconds = []

    def add(self, item, *, filled, minutes):
        self.requests += 1
        self.filled += filled
        self.minutes += minutes
        if filled and item.confirmed_at is not None:
            self.fill_seconds.append((item.confirmed_at - item.created_at).total_seconds())

    def figures(self):
        return (self.requests, self.filled, rate(self.filled, self.requests), hours(self.minutes))


def recount(pool):
    """Every figure, one booking at a time."""
    gave_up_ids = set(
        BookingEvent.objects.filter(to_status=Status.UNFILLED).values_list("booking_id", flat=True)
    )
    reported = dict(Report.objects.values_list("booking_id", "actual_minutes"))
    total = Tally()
    by = defaultdict(lambda: defaultdict(Tally))
    unmet, cancellations, mediators = Counter(), defaultdict(lambda: [0, 0]), defaultdict(Tally)
    counts = Counter()
    for item in Booking.objects.filter(pool=pool).select_related("institution__town", "language"):
        day = item.starts_at.astimezone(BERLIN).date()
        if not PERIOD.start <= day <= PERIOD.end:
            continue
        held = item.status in HOLDING_STATUSES
        filled = item.status in (*HOLDING_STATUSES, Status.NO_SHOW) or (
            item.status == Status.CANCELLED and item.mediator_id is not None
        )
        minutes = reported.get(item.pk, item.duration_minutes) if held else 0
        total.add(item, filled=filled, minutes=minutes)
        for name, key in (
            ("month", f"{day:%Y-%m}"),
            ("language", item.language.code),
            ("field", item.field),
            ("town", item.institution.town.name),
            ("kind", item.institution.kind),
        ):
            by[name][key].add(item, filled=filled, minutes=minutes)
        if held:
            mediators[item.mediator_id].add(item, filled=True, minutes=minutes)
        if item.status == Status.UNFILLED or (
            item.status == Status.CANCELLED and item.mediator_id is None and item.pk in gave_up_ids
        ):
            unmet[item.language.code] += 1
        if item.status == Status.CANCELLED:
            cancellations[item.cancelled_by_role][0] += 1
            cancellations[item.cancelled_by_role][1] += item.late_cancellation
            counts["late"] += item.late_cancellation
        counts[item.status] += 1
    return total, by, unmet, cancellations, mediators, counts


@pytest.mark.parametrize("seed", [1, 2])
def test_every_figure_equals_a_recount_booking_by_booking(pool, seed):
    make_bookings(pool, random.Random(seed))
    total, by, unmet, cancellations, mediators, counts = recount(pool)

    summary = summary_for(pool, PERIOD)

    assert (
        summary["requests"],
        summary["filled"],
        summary["fill_rate"],
        summary["hours"],
    ) == total.figures()
    assert summary["time_to_fill_hours"] == mean_hours(total.fill_seconds)
    assert summary["unmet"] == sum(unmet.values())
    assert summary["cancelled"] == counts[Status.CANCELLED]
    assert summary["late_cancellations"] == counts["late"]
    assert summary["no_shows"] == counts[Status.NO_SHOW]
    assert {
        row["month"]: (
            row["requests"],
            row["filled"],
            row["fill_rate"],
            row["hours"],
            row["time_to_fill_hours"],
        )
        for row in summary["by_month"]
    } == {
        key: (*tally.figures(), mean_hours(tally.fill_seconds))
        for key, tally in by["month"].items()
    }
    assert [row["month"] for row in summary["by_month"]] == ["2026-09", "2026-10", "2026-11"]
    for name, rows, key in (
        ("language", summary["hours_by_language"], "language"),
        ("field", summary["by_field"], "key"),
        ("town", summary["by_town"], "label"),
        ("kind", summary["by_institution_kind"], "key"),
    ):
        assert {
            row[key]: (row["requests"], row["filled"], row["fill_rate"], row["hours"])
            for row in rows
        } == {key: tally.figures() for key, tally in by[name].items()}, name
    assert {row["language"]: row["count"] for row in summary["unmet_by_language"]} == {
        code: count for code, count in unmet.items() if count
    }
    assert {row["role"]: [row["count"], row["late"]] for row in summary["cancellations"]} == dict(
        cancellations
    )
    activity = summary["mediator_activity"]
    assert {row["id"]: (row["bookings"], row["hours"]) for row in activity["mediators"]} == {
        pk: (tally.requests, hours(tally.minutes)) for pk, tally in mediators.items()
    }
    assert activity["with_assignments"] == len(mediators)


def test_an_empty_period_gives_zeros_and_empty_breakdowns(pool):
    booking(pool, Status.CONFIRMED, starts_at=local(2026, 1, 5, 9, 0))  # outside the period

    summary = summary_for(pool, PERIOD)

    assert (summary["requests"], summary["filled"], summary["fill_rate"], summary["hours"]) == (
        0,
        0,
        0.0,
        0.0,
    )
    assert summary["time_to_fill_hours"] is None
    assert summary["unmet"] == summary["cancelled"] == summary["no_shows"] == 0
    for name in ("by_month", "hours_by_language", "by_field", "by_town", "cancellations"):
        assert summary[name] == [], name
    assert summary["mediator_activity"]["mediators"] == []


def _with_money(pool, rng):
    """Funding sources, a budget and allowances for some of the pool's bookings."""
    sources = [FundingSourceFactory(pool=pool) for _ in range(2)]
    for item in Booking.objects.filter(pool=pool):
        source = rng.choice([*sources, None])
        Booking.objects.filter(pk=item.pk).update(funding_source=source)
        if item.mediator_id and item.status in (Status.COMPLETED, Status.CLOSED, Status.CANCELLED):
            Allowance.objects.create(
                mediator_id=item.mediator_id,
                booking=item,
                kind=AllowanceKind.APPOINTMENT,
                day=item.starts_at.astimezone(BERLIN).date(),
                amount_cents=rng.choice([1500, 3000, 4500]),
            )
    institution = Booking.objects.filter(pool=pool).first().institution
    BudgetFactory(institution=institution, funding_source=sources[0], year=2026)


def _added_up(summaries, name, key, figures):
    """The rows of breakdown ``name`` of every summary, added up figure by figure per key."""
    found = defaultdict(Counter)
    for summary in summaries:
        for row in summary[name]:
            found[row[key]].update({figure: row[figure] for figure in figures})
    return {k: dict(v) for k, v in found.items()}


def test_the_states_view_equals_the_sum_of_its_pools_views():
    """The state's own view (every pool together) adds up to its pools' views, figure by
    figure and breakdown by breakdown, on generated data of three pools."""
    rng = random.Random(3)
    pools = [PoolFactory() for _ in range(3)]
    for pool in pools:
        make_bookings(pool, rng)
        _with_money(pool, rng)
    each = [summary_for(pool, PERIOD) for pool in pools]

    state = stats_summary(
        pools=Pool.objects.filter(pk__in=[p.pk for p in pools]), period=PERIOD, language_code="en"
    )

    assert state["requests"] > 100 and state["expenses"]["total_cents"] > 0
    for figure in ("requests", "filled", "unmet", "cancelled", "late_cancellations", "no_shows"):
        assert state[figure] == sum(s[figure] for s in each), figure
    # Durations are whole quarter hours: hours add up exactly.
    assert state["hours"] == sum(s["hours"] for s in each)
    counted = ("requests", "filled", "hours", "unmet")
    for name, key, figures in (
        ("by_month", "month", counted),
        ("hours_by_language", "language", counted),
        ("by_field", "key", counted),
        ("by_town", "key", counted),
        ("by_institution_kind", "key", counted),
        ("by_funding_source", "key", (*counted, "expenses_cents", "allowances")),
        ("unmet_by_language", "language", ("count",)),
        ("cancellations", "role", ("count", "late")),
    ):
        assert _added_up([state], name, key, figures) == _added_up(each, name, key, figures), name
    expenses = state["expenses"]
    assert expenses["total_cents"] == sum(s["expenses"]["total_cents"] for s in each)
    assert _added_up([expenses], "by_month", "month", ("amount_cents", "count")) == _added_up(
        [s["expenses"] for s in each], "by_month", "month", ("amount_cents", "count")
    )
    activity = state["mediator_activity"]
    assert activity["mediators"] == sorted(
        (row for s in each for row in s["mediator_activity"]["mediators"]),
        key=lambda r: (-r["hours"], r["id"]),
    )
    assert activity["active_mediators"] == sum(
        s["mediator_activity"]["active_mediators"] for s in each
    )
    assert sorted(state["budgets"], key=repr) == sorted(
        (row for s in each for row in s["budgets"]), key=repr
    )
