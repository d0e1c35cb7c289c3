"""Budgets and monthly statements through the API.

Coordinators see every budget of their pool and every mediator's totals; institution staff
their own institution's budgets; a mediator their own statement with the tax-free status.
Anything outside reach answers 404, bad query parameters 400, and reading writes nothing.
"""

import datetime
import json
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from bookings.constants import AllowanceKind, Status
from bookings.models import AccessLog, Allowance, Booking
from tests.api.queries import assert_queries_do_not_grow
from tests.clock import frozen
from tests.institutions.factories import BudgetFactory, FundingSourceFactory, InstitutionFactory
from tests.mediators.factories import MediatorFactory

pytestmark = pytest.mark.django_db

BERLIN = ZoneInfo("Europe/Berlin")
BUDGETS = "/api/v1/budgets/"
STATEMENTS = "/api/v1/statements/"


def booked(world, budget, minutes, *, status=Status.CONFIRMED, month=3):
    """A booking of the budget's institution and funding source in ``budget.year``."""
    held = status in (Status.CONFIRMED, Status.COMPLETED, Status.CLOSED)
    return world.booking(
        "own" if budget.institution == world.institution else "other",
        funding_source=budget.funding_source,
        duration_minutes=minutes,
        status=status,
        mediator=MediatorFactory(pool=world.pool) if held else None,
        starts_at=datetime.datetime(budget.year, month, 10, 9, tzinfo=datetime.UTC),
    )


@pytest.fixture
def budgets(world):
    """The own institution's budget (2 h used, 1 h waiting), another institution's of the same
    pool, the own institution's of the next year, and another pool's."""
    own = BudgetFactory(institution=world.institution, year=2027, hours=Decimal("10"))
    booked(world, own, 120)
    booked(world, own, 60, status=Status.AWAITING_APPROVAL)
    booked(world, own, 45, status=Status.CANCELLED)
    other = BudgetFactory(institution=world.other_institution, year=2027, hours=Decimal("4"))
    booked(world, other, 300, status=Status.CLOSED)
    BudgetFactory(
        institution=world.institution, funding_source=own.funding_source, year=2028, hours=8
    )
    BudgetFactory(institution=world.foreign_institution, year=2027)
    return {"own": own, "other": other}


def by_id(response) -> dict[int, dict]:
    return {row["id"]: row for row in response.json()["results"]}


# --- budgets ------------------------------------------------------------------------------


def test_coordinators_see_every_budgets_use_in_their_pool(world, budgets):
    response = world.client("coordinator").get(BUDGETS, {"year": 2027})

    assert response.status_code == 200
    rows = by_id(response)
    assert set(rows) == {budgets["own"].pk, budgets["other"].pk}
    assert rows[budgets["own"].pk] == {
        "id": budgets["own"].pk,
        "institution": world.institution.pk,
        "institution_name": world.institution.name,
        "funding_source": budgets["own"].funding_source_id,
        "funding_source_name": budgets["own"].funding_source.name,
        "year": 2027,
        "hours_budgeted": "10.00",
        "hours_used": "2.00",
        "hours_awaiting_approval": "1.00",
        "hours_left": "8.00",
    }
    overdrawn = rows[budgets["other"].pk]
    assert (overdrawn["hours_used"], overdrawn["hours_left"]) == ("5.00", "-1.00")


@pytest.mark.parametrize("role", ["requester", "admin"])
def test_institution_staff_see_only_their_own_institutions_budgets(world, budgets, role):
    response = world.client(role).get(BUDGETS, {"year": 2027})

    assert response.status_code == 200
    assert list(by_id(response)) == [budgets["own"].pk]


@frozen(datetime.datetime(2027, 1, 1, 0, 30, tzinfo=BERLIN))  # 2026 still in UTC
def test_without_a_year_the_budgets_of_this_year_are_listed(world):
    current = BudgetFactory(institution=world.institution, year=2027)
    BudgetFactory(institution=world.institution, year=2026)

    response = world.client("coordinator").get(BUDGETS)

    assert list(by_id(response)) == [current.pk]


def test_budgets_are_paginated_like_every_list(world, budgets):
    response = world.client("coordinator").get(BUDGETS, {"year": 2027, "page_size": 1})

    body = response.json()
    assert (body["count"], len(body["results"]), body["previous"]) == (2, 1, None)
    assert "page=2" in body["next"]


@pytest.mark.parametrize(
    "params",
    [{"year": "zwanzig"}, {"year": 1999}, {"year": 2101}, {"year": 10**40}, {"year": "1e3"}],
)
def test_a_bad_year_answers_400_with_the_field(world, params):
    response = world.client("coordinator").get(BUDGETS, params)

    assert response.status_code == 400
    assert "year" in response.json()


def test_listing_budgets_takes_the_same_queries_for_2_or_20_budgets(world):
    client = world.client("coordinator")

    def add_rows(n):
        for _ in range(n):
            BudgetFactory(
                institution=InstitutionFactory(pool=world.pool),
                funding_source=FundingSourceFactory(pool=world.pool),
                year=2027,
            )

    assert_queries_do_not_grow(
        request=lambda: client.get(BUDGETS, {"year": 2027}),
        add_rows=add_rows,
        count=lambda: client.get(BUDGETS, {"year": 2027}).json()["count"],
    )


# --- statements ---------------------------------------------------------------------------


def allowance(world, mediator, cents, *, day=datetime.date(2027, 3, 12), where="own"):
    """An allowance of the mediator on ``day`` for a closed booking starting 09:00 UTC (each
    further booking of the mediator two hours later: one mediator's held bookings never
    overlap)."""
    earlier = Booking.objects.filter(mediator=mediator).count()
    booking = world.booking(
        where,
        status=Status.CLOSED,
        mediator=mediator,
        starts_at=datetime.datetime.combine(day, datetime.time(9), tzinfo=datetime.UTC)
        + datetime.timedelta(hours=2 * earlier),
    )
    return Allowance.objects.create(
        mediator=mediator,
        booking=booking,
        kind=AllowanceKind.APPOINTMENT,
        day=day,
        amount_cents=cents,
        breakdown={"units": 2},
    )


def test_a_mediator_reads_their_monthly_statement_with_rows_total_and_tax_free_status(world):
    first = allowance(world, world.mediator, 1500, day=datetime.date(2027, 3, 3))
    second = allowance(world, world.mediator, 2250, day=datetime.date(2027, 3, 20))
    allowance(world, world.mediator, 900, day=datetime.date(2027, 4, 1))  # next month
    allowance(world, world.other_mediator, 7777, where="other")  # someone else's

    response = world.client("mediator").get(STATEMENTS, {"year": 2027, "month": 3})

    assert response.status_code == 200
    body = response.json()
    assert body["mediator"]["id"] == world.mediator.pk
    assert (body["year"], body["month"], body["total_cents"]) == (2027, 3, 3750)
    assert [row["id"] for row in body["rows"]] == [first.pk, second.pk]
    assert body["rows"][0] | {"starts_at": None} == {
        "id": first.pk,
        "day": "2027-03-03",
        "kind": "appointment",
        "amount_cents": 1500,
        "booking": first.booking_id,
        "starts_at": None,
        "language": first.booking.language.code,
        "institution": world.institution.name,
        "breakdown": {"units": 2},
    }
    assert body["rows"][0]["starts_at"] == "2027-03-03T10:00:00+01:00"  # Berlin time
    assert body["tax_free"] == {
        "year": 2027,
        "total_cents": 4650,
        "limit_cents": 96000,
        "warning_cents": body["tax_free"]["warning_cents"],
        "left_cents": 96000 - 4650,
        "state": "ok",
        "percent": 4,
        "reached": "",
        "warning": None,
    }
    assert not AccessLog.objects.exists()


@pytest.mark.parametrize(
    "cents, state, german, english",
    [(90_000, "warning", "nähern sich", "approach"), (97_000, "exceeded", "liegen über", "above")],
)
def test_the_statement_warns_as_the_year_approaches_the_tax_free_amount(
    world, cents, state, german, english
):
    allowance(world, world.mediator, cents, day=datetime.date(2027, 2, 1))
    client = world.client("mediator")

    response = client.get(STATEMENTS, {"year": 2027, "month": 3})
    in_english = client.get(STATEMENTS, {"year": 2027, "month": 3}, HTTP_ACCEPT_LANGUAGE="en")

    tax_free = response.json()["tax_free"]
    assert tax_free["state"] == state
    assert german in tax_free["warning"]
    assert "960.00 €" in tax_free["warning"]
    assert english in in_english.json()["tax_free"]["warning"]
    assert response.json()["total_cents"] == 0  # nothing in March itself


def test_coordinators_see_the_pools_totals_per_mediator(world):
    allowance(world, world.mediator, 1500)
    allowance(world, world.mediator, 2250)
    allowance(world, world.other_mediator, 900, where="other")
    allowance(world, world.foreign_mediator, 5000, where="foreign")

    response = world.client("coordinator").get(STATEMENTS, {"year": 2027, "month": 3})

    assert response.status_code == 200
    totals = {row["mediator"]: row for row in response.json()["results"]}
    assert set(totals) == {world.mediator.pk, world.other_mediator.pk}
    assert totals[world.mediator.pk] == {
        "mediator": world.mediator.pk,
        "first_name": world.mediator.user.first_name,
        "last_name": world.mediator.user.last_name,
        "allowances": 2,
        "total_cents": 3750,
    }
    assert response.json()["count"] == 2


def test_a_coordinator_reads_one_mediators_statement_of_the_pool(world):
    allowance(world, world.other_mediator, 900, where="other")

    response = world.client("coordinator").get(
        STATEMENTS, {"year": 2027, "month": 3, "mediator": world.other_mediator.pk}
    )

    assert response.status_code == 200
    assert response.json()["mediator"]["id"] == world.other_mediator.pk
    assert response.json()["total_cents"] == 900


@pytest.mark.parametrize(
    "role, target",
    [
        ("coordinator", "foreign"),
        ("coordinator", "missing"),
        ("mediator", "other"),
        ("mediator", "foreign"),
    ],
)
def test_a_mediator_outside_reach_answers_404(world, role, target):
    mediator_id = {
        "other": world.other_mediator.pk,
        "foreign": world.foreign_mediator.pk,
        "missing": 2**62,
    }[target]
    allowance(world, world.foreign_mediator, 5000, where="foreign")

    response = world.client(role).get(STATEMENTS, {"mediator": mediator_id})

    assert response.status_code == 404
    assert "5000" not in response.content.decode()


@frozen(datetime.datetime(2027, 3, 20, 12, 0, tzinfo=BERLIN))
def test_without_year_and_month_the_current_month_is_shown(world):
    allowance(world, world.mediator, 999, day=datetime.date(2027, 2, 26))
    allowance(world, world.mediator, 1234, day=datetime.date(2027, 3, 12))

    response = world.client("mediator").get(STATEMENTS)

    assert (response.json()["year"], response.json()["month"]) == (2027, 3)
    assert response.json()["total_cents"] == 1234


@pytest.mark.parametrize(
    "params, field",
    [
        ({"month": 13}, "month"),
        ({"month": 0}, "month"),
        ({"month": "März"}, "month"),
        ({"month": 10**40}, "month"),
        ({"year": 1999}, "year"),
        ({"year": "x" * 10_000}, "year"),
        ({"mediator": "Amal"}, "mediator"),
        ({"mediator": 0}, "mediator"),
        ({"mediator": 10**40}, "mediator"),
    ],
)
@pytest.mark.parametrize("role", ["mediator", "coordinator"])
def test_bad_statement_parameters_answer_400_with_the_field(world, role, params, field):
    response = world.client(role).get(STATEMENTS, params)

    assert response.status_code == 400
    assert field in response.json()


def test_the_pools_totals_take_the_same_queries_for_2_or_20_mediators(world):
    client = world.client("coordinator")

    def add_rows(n):
        for _ in range(n):
            allowance(world, MediatorFactory(pool=world.pool), 1500)

    assert_queries_do_not_grow(
        request=lambda: client.get(STATEMENTS, {"year": 2027, "month": 3}),
        add_rows=add_rows,
        count=lambda: client.get(STATEMENTS, {"year": 2027, "month": 3}).json()["count"],
    )


def test_a_statement_takes_the_same_queries_for_2_or_20_allowances(world):
    client = world.client("mediator")

    def add_rows(n):
        for _ in range(n):
            allowance(world, world.mediator, 1500)

    assert_queries_do_not_grow(
        request=lambda: client.get(STATEMENTS, {"year": 2027, "month": 3}),
        add_rows=add_rows,
        count=lambda: len(client.get(STATEMENTS, {"year": 2027, "month": 3}).json()["rows"]),
    )


# --- the payout list and the IBAN ---------------------------------------------------------

PAYOUTS = "/api/v1/payouts/"
IBAN = "DE89370400440532013000"


def test_a_coordinator_reads_the_payout_list_with_ibans_and_whether_the_month_is_paid(world):
    from bookings.services.payouts import payout_month_mark_paid

    Mediator = type(world.mediator)
    Mediator.objects.filter(pk=world.mediator.pk).update(iban=IBAN)
    first = allowance(world, world.mediator, 1500)
    allowance(world, world.other_mediator, 900, where="other")
    allowance(world, world.foreign_mediator, 5000, where="foreign")
    client = world.client("coordinator")

    unpaid = client.get(PAYOUTS, {"year": 2027, "month": 3})

    assert unpaid.status_code == 200
    body = unpaid.json()
    assert (body["paid"], body["paid_at"], body["paid_total_cents"]) == (False, None, None)
    assert body["total_cents"] == 2400 and body["changed_since_paid"] is False
    lines = {line["mediator"]: line for line in body["lines"]}
    assert set(lines) == {world.mediator.pk, world.other_mediator.pk}
    assert lines[world.mediator.pk]["iban"] == IBAN
    assert lines[world.mediator.pk]["bookings"] == [first.booking_id]
    assert AccessLog.objects.filter(what="api:payout").exists()

    payout_month_mark_paid(
        pool=world.pool,
        year=2027,
        month=3,
        actor=world.coordinator.user,
        now=datetime.datetime(2027, 4, 2, 9, tzinfo=datetime.UTC),
    )
    allowance(world, world.mediator, 700, day=datetime.date(2027, 3, 30))  # a late report
    paid = client.get(PAYOUTS, {"year": 2027, "month": 3}).json()

    assert (paid["paid"], paid["paid_total_cents"], paid["total_cents"]) == (True, 2400, 3100)
    assert paid["changed_since_paid"] is True
    assert paid["paid_at"].startswith("2027-04-02T11:00")  # Berlin time


@pytest.mark.parametrize("params", [{"month": 13}, {"year": 1800}, {"month": "x"}])
def test_bad_payout_parameters_answer_400(world, params):
    response = world.client("coordinator").get(PAYOUTS, {"year": 2027, **params})

    assert response.status_code == 400


def test_the_iban_is_shown_to_the_mediator_and_their_pools_coordinators_only(world):
    from tests.institutions.factories import CoordinatorFactory

    Mediator = type(world.mediator)
    Mediator.objects.filter(pk=world.mediator.pk).update(iban=IBAN)
    # A pool sharing its mediators with the world's pool sees the mediator, not the IBAN.
    sharing = CoordinatorFactory()
    world.pool.shares_mediators_with.add(sharing.pool)
    from rest_framework.test import APIClient

    other = APIClient()
    other.force_authenticate(sharing.user)

    own = world.client("mediator").get("/api/v1/mediators/me/").json()
    kept = world.client("coordinator").get(f"/api/v1/mediators/{world.mediator.pk}/").json()
    lent = other.get(f"/api/v1/mediators/{world.mediator.pk}/")

    assert own["iban"] == kept["iban"] == IBAN
    assert lent.status_code == 200 and lent.json()["iban"] is None


def test_the_iban_is_written_normalised_and_a_wrong_one_changes_nothing(world):
    mediator_client = world.client("mediator")

    written = mediator_client.patch(
        "/api/v1/mediators/me/", {"iban": "de89 3704 0044 0532 0130 00"}, format="json"
    )
    refused = world.client("coordinator").patch(
        f"/api/v1/mediators/{world.mediator.pk}/", {"iban": "DE89370400440532013001"}, format="json"
    )

    assert written.status_code == 200 and written.json()["iban"] == IBAN
    assert refused.status_code == 400 and "iban" in json.dumps(refused.json())
    world.mediator.refresh_from_db()
    assert world.mediator.iban == IBAN
