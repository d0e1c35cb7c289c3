"""``make bench``: it needs PostgreSQL and says so at once, runs the benches named, and every
bench's pool (bench/database.py) leaves no row behind."""

import datetime
import os
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bench import database
from bench.__main__ import available, lines_of, select
from bench.bench_outbox import made_models, make_bookings
from bench.database import BenchPool, BenchUnavailable, bench_pool, require_postgres
from bookings.constants import AllowanceKind, Status
from bookings.models import Allowance, Booking
from bookings.state_machine import transition
from core.constants import ActorRole
from core.time import BERLIN
from institutions.models import Pool
from notifications.feeds import calendar_feed_get
from notifications.models import Message

ROOT = Path(__file__).resolve().parent.parent
SLUG = "bench-test"


def row_counts() -> dict[str, int]:
    """Rows of every table the project has (many-to-many tables included)."""
    return {
        model._meta.label: model.objects.count()
        for model in apps.get_models(include_auto_created=True)
    }


@pytest.fixture
def migrated(monkeypatch):
    """pytest-django migrated the test database already."""
    monkeypatch.setattr(database, "ensure_migrated", lambda: None)


def test_the_postgresql_check_refuses_sqlite_and_says_how_to_give_postgresql():
    with pytest.raises(BenchUnavailable) as refused:
        require_postgres(SimpleNamespace(vendor="sqlite"))

    assert "make bench needs PostgreSQL" in str(refused.value)
    assert "DATABASE_URL=postgres://" in str(refused.value)
    assert "this run would use sqlite" in str(refused.value)


def test_the_postgresql_check_lets_postgresql_through():
    require_postgres(SimpleNamespace(vendor="postgresql"))


def test_make_bench_on_sqlite_stops_at_once_on_stderr_and_touches_nothing(tmp_path):
    sqlite = tmp_path / "bench.sqlite3"
    env = {
        **{k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "CELERY_BROKER_URL")},
        "DATABASE_URL": f"sqlite:///{sqlite}",
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
    }

    result = subprocess.run(  # noqa: S603 - our own interpreter and package
        [sys.executable, "-m", "bench"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.startswith("make bench needs PostgreSQL: set DATABASE_URL=postgres://")
    assert not sqlite.exists()


def test_no_name_runs_every_bench_in_order():
    assert (
        select([])
        == available()
        == [
            "accounting",
            "answer",
            "feed",
            "matching",
            "outbox",
            "prepared",
            "retention",
            "stats",
        ]
    )


@pytest.mark.parametrize(
    ("argv", "chosen"),
    [
        (["matching"], ["matching"]),
        (["outbox feed"], ["feed", "outbox"]),
        (["outbox", "feed"], ["feed", "outbox"]),
        (["stats,accounting"], ["accounting", "stats"]),
        (["bench_stats"], ["stats"]),
    ],
)
def test_names_choose_the_benches_however_they_are_separated(argv, chosen):
    assert select(argv) == chosen


def test_an_unknown_name_is_refused_with_the_names_there_are():
    with pytest.raises(
        ValueError, match="no bench named stat: choose from accounting, answer, feed"
    ):
        select(["feed stat"])


@pytest.mark.django_db
def test_a_bench_counts_its_queries_whatever_ran_before_and_each_line_has_the_load():
    connection.queries_log.extend({"sql": "SELECT 1", "time": "0.000"} for _ in range(9000))

    def run():
        with CaptureQueriesContext(connection) as queries:
            Pool.objects.count()
        yield {"bench": "probe", "queries": len(queries.captured_queries)}

    lines = list(lines_of(SimpleNamespace(run=run)))

    assert [line["queries"] for line in lines] == [1]
    assert isinstance(lines[0]["load_avg_1min"], float)


def test_migrate_runs_once_whichever_bench_asks(monkeypatch):
    calls = []
    monkeypatch.setattr(database, "ensure_database", lambda: None)
    monkeypatch.setattr("django.core.management.call_command", lambda *a, **k: calls.append(a))
    database.ensure_migrated.cache_clear()
    try:
        database.ensure_migrated()
        database.ensure_migrated()
    finally:
        database.ensure_migrated.cache_clear()

    assert calls == [("migrate",)]


def fill(bench: BenchPool) -> None:
    """Some of everything a bench writes: bookings, mediators and their users, staff, a
    confirmation (event, outbox rows), an allowance, a feed, an added language and dialect."""
    pairs = make_bookings(4, bench=bench, mediators=2)
    booking, mediator = pairs[0]
    transition(
        booking, to=Status.CONFIRMED, actor_role=ActorRole.SYSTEM, changes={"mediator": mediator}
    )
    Allowance.objects.create(
        mediator=mediator,
        booking=booking,
        kind=AllowanceKind.APPOINTMENT,
        day=datetime.date(2027, 1, 4),
        amount_cents=1500,
    )
    calendar_feed_get(mediator=mediator)
    bench.dialect(bench.language("zzz"), "north")
    bench.town("Bench-Dorf")


@pytest.mark.django_db
def test_a_bench_pool_leaves_no_row_behind(migrated):
    before = row_counts()

    with bench_pool(SLUG, mail_sender="ki@bench.example") as bench:
        fill(bench)
        assert Booking.objects.filter(pool__slug=SLUG).count() == 4
        assert Message.objects.filter(pool__slug=SLUG).exists()

    assert row_counts() == before


@pytest.mark.django_db
def test_cleaning_a_bench_pool_leaves_another_pool_alone(migrated):
    fill(BenchPool(Pool.objects.create(name="another", slug="bench-another")))
    before = row_counts()

    with bench_pool(SLUG) as bench:
        fill(bench)

    assert row_counts() == before
    assert Booking.objects.filter(pool__slug="bench-another").count() == 4


@pytest.mark.django_db
def test_a_bench_that_fails_still_leaves_no_row_behind(migrated):
    before = row_counts()

    with pytest.raises(ZeroDivisionError), bench_pool(SLUG) as bench:
        fill(bench)
        1 / 0  # noqa: B018 - the bench fails half-way

    assert row_counts() == before


@pytest.mark.django_db
def test_a_bench_pool_starts_empty_after_an_interrupted_run(migrated):
    before = row_counts()
    fill(BenchPool(Pool.objects.create(name="left over", slug=SLUG)))

    with bench_pool(SLUG) as bench:
        assert bench.pool.name == f"Bench {SLUG}"
        assert not Booking.objects.filter(pool__slug=SLUG).exists()

    assert row_counts() == before


@pytest.mark.django_db
def test_vacuum_inside_a_transaction_is_refused_with_the_reason():
    with pytest.raises(RuntimeError, match="VACUUM cannot run inside a transaction"):
        database.vacuum_analyze(Booking)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_vacuum_analyze_gives_the_planner_the_rows_just_loaded_and_every_table_statistics(
    migrated,
):
    before = row_counts()

    with bench_pool(SLUG) as bench:
        make_bookings(30, bench=bench, mediators=3)
        tables = database.vacuum_analyze(*made_models())
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT reltuples FROM pg_class WHERE oid = 'bookings_booking'::regclass"
            )
            (bookings,) = cursor.fetchone()
            cursor.execute(
                "SELECT relname FROM pg_class WHERE relkind = 'r' AND reltuples < 0"
                " AND relnamespace = current_schema()::regnamespace"
            )
            unknown = cursor.fetchall()

    assert tables == ["auth_user", "mediators_mediator", "bookings_booking"]
    assert bookings == 30
    assert unknown == []
    assert row_counts() == before


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_state_bench_times_a_pool_the_state_and_a_report_and_leaves_no_row_behind(
    migrated,
):
    from bench.bench_stats import state_line
    from bench.stateload import StateSize

    before = row_counts()

    line = state_line(StateSize(pools=3, bookings=600, years=2, first_year=2024), runs=1)

    assert line["bench"] == "stats"
    assert (line["bookings"], line["pools"], line["years"]) == (600, 3, 2)
    # About half of the bookings start in the last of the two years.
    assert 200 < line["state_year_bookings"] < 400
    for key in ("pool_year_median_ms", "state_year_median_ms", "report_seconds"):
        assert line[key] > 0
    assert line["vacuum_analyzed"] is True
    assert row_counts() == before


@pytest.mark.postgres
@pytest.mark.django_db
def test_the_state_load_gives_every_pool_its_share_with_reports_allowances_and_budgets(migrated):
    from bench.stateload import FUNDING_SOURCES, INSTITUTIONS, StateSize, load
    from bookings.models import BookingEvent, Report
    from institutions.models import Budget

    with bench_pool(SLUG) as first, bench_pool(f"{SLUG}-2") as second:
        load([first, second], StateSize(pools=2, bookings=401, years=2, first_year=2024))

        counts = [Booking.objects.filter(pool=b.pool).count() for b in (first, second)]
        closed = Booking.objects.filter(pool__slug__startswith=SLUG, status=Status.CLOSED)
        unfilled = Booking.objects.filter(pool__slug__startswith=SLUG, status=Status.UNFILLED)
        assert counts == [201, 200]
        assert Report.objects.filter(booking__in=closed).count() == closed.count() > 0
        assert Allowance.objects.filter(booking__in=closed).count() == closed.count()
        assert BookingEvent.objects.filter(booking__in=unfilled).count() == unfilled.count()
        assert Budget.objects.filter(institution__pool=first.pool).count() == (
            INSTITUTIONS * len(FUNDING_SOURCES) * 2
        )
        starts = Booking.objects.filter(pool=first.pool).values_list("starts_at", flat=True)
        assert {start.astimezone(BERLIN).year for start in starts} == {2024, 2025}


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_prepared_bench_switches_a_connection_between_the_two_ways():
    """``make bench BENCH=prepared`` times the same reads on a connection that prepares and
    on one that does not; each pass's connection is what it says, and the settings' way is
    back at the end."""
    from bench.bench_prepared import backend_cpu_seconds, prepared_count, use_prepared
    from config.settings.base import PG_PREPARED_STATEMENTS

    def run_thrice() -> None:
        for _ in range(3):
            Pool.objects.filter(slug="bench-test").count()

    try:
        use_prepared(connection, False)
        run_thrice()
        assert not connection.features.uses_server_side_binding
        assert prepared_count(connection) == 0

        use_prepared(connection, True)
        run_thrice()
        assert connection.features.uses_server_side_binding
        assert prepared_count(connection) >= 1
        cpu = backend_cpu_seconds(connection)  # PostgreSQL runs on this machine in CI
        assert cpu is not None and cpu >= 0
    finally:
        use_prepared(connection, PG_PREPARED_STATEMENTS)
    assert PG_PREPARED_STATEMENTS
    assert connection.settings_dict["OPTIONS"]["prepare_threshold"] == 2
