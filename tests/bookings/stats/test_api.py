"""GET /api/v1/stats/summary/ and /api/v1/stats/export/: coordinators only, exact fields."""

import csv
import io

import pytest
from openpyxl import load_workbook

from bookings.constants import Status
from tests.bookings.factories import BookingFactory
from tests.clock import frozen
from tests.institutions.factories import InstitutionFactory, PoolFactory
from tests.mediators.factories import LanguageFactory

from .conftest import local

pytestmark = pytest.mark.django_db

SUMMARY = "/api/v1/stats/summary/"
EXPORT = "/api/v1/stats/export/"
MARCH = {"from": "2026-03-01", "to": "2026-03-31"}


@pytest.fixture
def march_bookings(pool):
    institution = InstitutionFactory(pool=pool, name="=HYPERLINK(1)")
    tigrinya = LanguageFactory(code="tir", name_de="Tigrinya", name_en="Tigrinya")
    BookingFactory(
        institution=institution,
        starts_at=local(2026, 3, 2, 9),
        status=Status.UNFILLED,
        language=tigrinya,
    )
    BookingFactory(institution=institution, starts_at=local(2026, 3, 3, 9))
    return institution


def test_summary_answers_the_fields_of_the_api_contract(client_for, coordinator, march_bookings):
    response = client_for(coordinator.user).get(SUMMARY, MARCH)

    assert response.status_code == 200
    body = response.json()
    for field in (
        "requests",
        "filled",
        "fill_rate",
        "unmet_by_language",
        "hours_by_language",
        "by_field",
        "by_town",
        "by_institution_kind",
    ):
        assert field in body
    assert (body["requests"], body["filled"], body["fill_rate"]) == (2, 0, 0.0)
    assert body["unmet_by_language"][0]["language"] == "tir"
    assert (body["from"], body["to"]) == ("2026-03-01", "2026-03-31")


def test_summary_adds_unmet_demand_per_breakdown_and_the_funding_sources(
    client_for, coordinator, march_bookings
):
    body = client_for(coordinator.user).get(SUMMARY, MARCH).json()

    town = march_bookings.town.name
    assert [(row["key"], row["requests"], row["unmet"]) for row in body["by_town"]] == [
        (town, 2, 1)
    ]
    assert [row["unmet"] for row in body["by_institution_kind"]] == [1]
    assert sum(row["unmet"] for row in body["by_field"]) == 1
    assert body["by_funding_source"] == [
        {
            "key": 0,
            "label": "Ohne Finanzierungsquelle",  # the default language: German
            "requests": 2,
            "filled": 0,
            "fill_rate": 0.0,
            "hours": 0.0,
            "unmet": 1,
            "expenses_cents": 0,
            "expenses_eur": 0.0,
            "allowances": 0,
        }
    ]


@frozen(local(2027, 1, 15, 12))
def test_summary_without_a_period_covers_the_last_twelve_months(client_for, coordinator):
    body = client_for(coordinator.user).get(SUMMARY).json()

    assert (body["from"], body["to"]) == ("2026-02-01", "2027-01-15")


def test_summary_without_credentials_answers_401(api_client):
    assert api_client.get(SUMMARY).status_code == 401


@pytest.mark.parametrize("role", ["staff", "mediator"])
def test_summary_for_institution_staff_and_mediators_answers_403(client_for, role, request):
    user = request.getfixturevalue(role).user

    assert client_for(user).get(SUMMARY).status_code == 403
    assert client_for(user).get(EXPORT).status_code == 403


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"from": "2026-04-01", "to": "2026-03-01"}, "to"),
        ({"from": "yesterday"}, "from"),
        ({"from": "2000-01-01", "to": "2026-01-01"}, "to"),
        ({"pool": "abc"}, "pool"),
    ],
)
def test_bad_periods_answer_400_with_a_field_error(client_for, coordinator, query, field):
    response = client_for(coordinator.user).get(SUMMARY, query)

    assert response.status_code == 400
    assert field in response.json()


def test_another_pool_is_refused_like_an_unknown_one(client_for, coordinator):
    other = PoolFactory()

    foreign = client_for(coordinator.user).get(SUMMARY, {"pool": other.pk})
    unknown = client_for(coordinator.user).get(SUMMARY, {"pool": 999999})

    assert foreign.status_code == unknown.status_code == 400
    assert foreign.json() == unknown.json()


def test_csv_export_has_one_section_per_table_for_german_excel_and_never_starts_a_formula(
    client_for, coordinator, march_bookings
):
    response = client_for(coordinator.user).get(
        EXPORT, {**MARCH, "format": "csv"}, HTTP_ACCEPT_LANGUAGE="en"
    )

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "statistics_2026-03-01_2026-03-31.csv" in response["Content-Disposition"]
    text = response.content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))
    totals = rows[rows.index(["Totals"]) + 1 :]
    assert totals[0] == ["Figure", "Name", "Value"]
    assert ["requests", "Requests", "2"] in totals
    assert any(row[:2] == ["tir", "Tigrinya"] for row in rows)
    assert not any(value.startswith("=") for row in rows for value in row)


def test_xlsx_export_has_one_sheet_per_table(client_for, coordinator, march_bookings):
    response = client_for(coordinator.user).get(EXPORT, {**MARCH, "format": "xlsx"})

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    workbook = load_workbook(io.BytesIO(response.content))
    assert {"totals", "by_month", "unmet_by_language", "by_language", "by_town"} <= set(
        workbook.sheetnames
    )
    totals = {row[0]: row[2] for row in workbook["totals"].iter_rows(min_row=3, values_only=True)}
    assert totals["requests"] == 2


def test_an_unknown_export_format_answers_400(client_for, coordinator):
    response = client_for(coordinator.user).get(EXPORT, {"format": "pdf"})

    assert response.status_code == 400
    assert "format" in response.json()
