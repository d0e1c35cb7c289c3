"""What a request costs the database, pinned (docs/operations.md, "What a request costs"): the
floor of a signed-in request (the session read, the user with their roles and second factor
in one query; the session written at most once a minute), the offers page, accepting and
declining an offer (through the page, the API with the browser's session and with a
token), and the trivial endpoint. Counts, not times: times go to ``make bench
BENCH=answer``."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from knox.models import AuthToken
from rest_framework.test import APIClient

from bookings.constants import OfferStatus, Status
from bookings.models import AccessLog, Booking, Offer
from bookings.services.access_log import id_list_parse
from bookings.services.offers import booking_match
from tests.bookings.matching.scenario import NOW, at, make_booking, make_mediator, make_pool
from tests.clock import frozen
from tests.institutions.factories import StaffFactory

pytestmark = [pytest.mark.django_db, frozen(NOW)]

# The floor of a request signed in with the browser's session: the session, the user.
SESSION_FLOOR = 2
# The floor of an API request with a token: the token with its user and roles.
TOKEN_FLOOR = 1
# What accepting and declining may cost at most with the browser's session, the floor
# included (they were 38 and 19: the session written, the user's roles and second factor
# read one by one, the locked booking read twice). Accepting was 30 while its eligibility
# check was matching's one statement; the check now reads the mediator's facts in seven
# small ones, which take a third of the time to build and run (bookings/matching/facts.py).
ACCEPT_MAX = 35
DECLINE_MAX = 12


@pytest.fixture
def offers():
    """A mediator with four open offers, each for a booking of its own (different hours)."""
    pool = make_pool(offer_strategy="cascade")
    mediator = make_mediator(pool)
    made = []
    for hour in (8, 10, 12, 14):
        booking = make_booking(pool, starts_at=at(hour=hour))
        made += booking_match(booking_id=booking.pk, now=NOW)
    assert [offer.mediator_id for offer in made] == [mediator.pk] * 4
    return mediator, made


def statements(call) -> list[str]:
    with CaptureQueriesContext(connection) as queries:
        response = call()
    assert response.status_code < 400, response.status_code
    return [query["sql"] for query in queries.captured_queries]


def session_writes(sql: list[str]) -> list[str]:
    return [s for s in sql if "django_session" in s and not s.startswith("SELECT")]


def test_the_trivial_endpoint_asks_the_database_nothing():
    assert statements(lambda: Client().get("/healthz/")) == []


def test_a_signed_in_page_costs_the_session_and_the_user_and_writes_nothing(offers):
    mediator, made = offers
    browser = Client()
    browser.force_login(mediator.user)

    sql = statements(lambda: browser.get("/mediator/offers/"))

    assert sql[0].startswith('SELECT "django_session"')
    assert sql[1].startswith('SELECT "auth_user"')
    # The roles and the second factor come with the user: no query of their own.
    for table in ("institutions_coordinator", "institutions_staff", "otp_totp_totpdevice"):
        assert not any(s.startswith(f'SELECT "{table}"') for s in sql), table
    assert session_writes(sql) == []
    # The page's own: the open offers with their bookings, the consent notes.
    assert len(sql) == SESSION_FLOOR + 2


def test_a_signed_in_api_read_costs_the_same_floor(offers):
    mediator, _made = offers
    browser = APIClient()
    browser.force_login(mediator.user)

    sql = statements(lambda: browser.get("/api/v1/offers/"))

    assert session_writes(sql) == []
    # The page of offers; no count: the first page holds fewer than a page's rows.
    assert len(sql) == SESSION_FLOOR + 1


def test_an_api_read_with_a_token_reads_the_token_user_and_roles_at_once(offers):
    mediator, _made = offers
    token = AuthToken.objects.create(mediator.user)[1]
    api = APIClient(HTTP_AUTHORIZATION=f"Token {token}")

    sql = statements(lambda: api.get("/api/v1/offers/"))

    assert "knox_authtoken" in sql[0] and "mediators_mediator" in sql[0]
    assert len(sql) == TOKEN_FLOOR + 1


def test_a_staff_members_list_with_a_token_costs_the_floor_the_page_and_its_log_row(offers):
    """The access-log row of the list takes the pool of the staff member's institution in
    the INSERT itself (the token's check reads the role row without the institution)."""
    _mediator, made = offers
    booking = Booking.objects.select_related("institution").get(pk=made[0].booking_id)
    staff: Any = StaffFactory(institution=booking.institution)
    token = AuthToken.objects.create(staff.user)[1]
    api = APIClient(HTTP_AUTHORIZATION=f"Token {token}")

    sql = statements(lambda: api.get("/api/v1/bookings/?status=offered"))

    assert len(sql) == TOKEN_FLOOR + 2  # the page, the access-log row
    assert sql[-1].startswith('INSERT INTO "bookings_accesslog"')
    row = AccessLog.objects.get(user=staff.user)
    assert row.pool_id == booking.institution.pool_id
    assert id_list_parse(row.booking_ids) == [booking.pk]


def answering(mediator, offer, way: str, answer: str):
    """The mediator's client signed in one ``way`` (the page, the API with the session or
    with a token), its floor of statements, and the address of the ``answer``."""
    if way == "api-token":
        token = AuthToken.objects.create(mediator.user)[1]
        return (
            APIClient(HTTP_AUTHORIZATION=f"Token {token}"),
            TOKEN_FLOOR,
            f"/api/v1/offers/{offer.pk}/{answer}/",
        )
    browser = APIClient() if way == "api-session" else Client()
    browser.force_login(mediator.user)
    prefix = "/mediator" if way == "page" else "/api/v1"
    return browser, SESSION_FLOOR, f"{prefix}/offers/{offer.pk}/{answer}/"


@pytest.mark.parametrize("way", ["page", "api-session", "api-token"])
def test_accepting_costs_at_most_its_pinned_statements(offers, way):
    mediator, made = offers
    offer = made[0]
    browser, floor, url = answering(mediator, offer, way, "accept")

    sql = statements(lambda: browser.post(url))

    assert Booking.objects.get(pk=offer.booking_id).status == Status.CONFIRMED
    assert len(sql) <= ACCEPT_MAX - (SESSION_FLOOR - floor)
    assert session_writes(sql) == []


@pytest.mark.parametrize("way", ["page", "api-session", "api-token"])
def test_declining_costs_at_most_its_pinned_statements(offers, way):
    mediator, made = offers
    offer = made[1]
    browser, floor, url = answering(mediator, offer, way, "decline")

    sql = statements(lambda: browser.post(url))

    assert Offer.objects.get(pk=offer.pk).status == OfferStatus.DECLINED
    assert len(sql) <= DECLINE_MAX - (SESSION_FLOOR - floor)
    assert session_writes(sql) == []


@pytest.mark.postgres
def test_postgresql_orders_a_statements_joins_three_tables_at_a_time(offers):
    """``join_collapse_limit`` 3 on every connection (config/settings/base.py): a booking
    read joins 7 to 10 tables by key, and searching every order of them cost PostgreSQL more
    planning than the statement's execution. The plan still starts from the booking and
    looks every joined row up by an index."""
    from config.settings.base import PG_JOIN_COLLAPSE_LIMIT

    _mediator, made = offers
    staff: Any = StaffFactory(institution=Booking.objects.get(pk=made[0].booking_id).institution)
    token = AuthToken.objects.create(staff.user)[1]
    api = APIClient(HTTP_AUTHORIZATION=f"Token {token}")
    sql = statements(lambda: api.get(f"/api/v1/bookings/{made[0].booking_id}/"))
    read = next(s for s in sql if s.startswith('SELECT "bookings_booking"."id"'))

    with connection.cursor() as cursor:
        cursor.execute("SHOW join_collapse_limit")
        assert cursor.fetchone()[0] == str(PG_JOIN_COLLAPSE_LIMIT) == "3"
        cursor.execute("SET LOCAL enable_seqscan = off")  # the tables of a test are tiny
        cursor.execute("EXPLAIN " + read)
        plan = [row[0] for row in cursor.fetchall()]

    assert read.count(" JOIN ") >= 7
    scans = [line.split("->")[-1].split("  (")[0].strip() for line in plan if " Scan " in line]
    assert scans[0].endswith(" on bookings_booking"), plan  # the booking first
    # ... then every joined row looked up by its key, none read in full.
    assert len(scans) >= 8
    assert all(scan.startswith("Index Scan using ") for scan in scans), plan


@pytest.mark.postgres
def test_postgresql_prepares_a_repeated_statement_once_per_connection(offers):
    """Prepared statements (config/settings/base.py): psycopg sends the parameters apart from
    the statement and prepares a statement it has run twice on a connection, so the
    token's read - the same statement on every API request - is parsed once per connection
    and soon keeps one plan, instead of being planned on every request (docs/operations.md,
    "Prepared statements"), and still finds the right user."""
    from config.settings.base import PG_PREPARE_THRESHOLD, PG_PREPARED_STATEMENTS

    mediator, made = offers
    token = AuthToken.objects.create(mediator.user)[1]
    api = APIClient(HTTP_AUTHORIZATION=f"Token {token}")
    other: Any = StaffFactory()
    other_api = APIClient(HTTP_AUTHORIZATION=f"Token {AuthToken.objects.create(other.user)[1]}")

    def prepared() -> list[str]:
        with connection.cursor() as cursor:
            cursor.execute("SELECT statement FROM pg_prepared_statements")
            return [row[0] for row in cursor.fetchall()]

    assert PG_PREPARED_STATEMENTS
    assert connection.features.uses_server_side_binding
    assert connection.connection.prepare_threshold == PG_PREPARE_THRESHOLD == 2
    assert not any("knox_authtoken" in s for s in prepared())
    for _ in range(3):
        listed = api.get("/api/v1/offers/?status=pending").json()["results"]
        assert {offer["id"] for offer in listed} == {offer.pk for offer in made}
        assert other_api.get("/api/v1/offers/").status_code == 403  # staff: not a mediator

    tokens = [s for s in prepared() if s.startswith('SELECT "knox_authtoken"')]
    assert len(tokens) == 1
    assert "$1" in tokens[0]  # the key is a parameter, not part of the text
    # The prepared statement answers each token with its own user.
    assert len(api.get("/api/v1/offers/?status=pending").json()["results"]) == len(made)
    assert other_api.get("/api/v1/offers/").status_code == 403
