"""The yearly report: one pool's year, the year before, and the unmet demand per language over
five years; written as a German PDF (read back with pypdf) and an XLSX (read back with
openpyxl: real numbers, the year before, the trend)."""

import datetime
import io

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from bookings.constants import Field, Status
from bookings.models import BookingEvent
from bookings.stats.yearly import stats_unmet_trend, yearly_report
from bookings.stats.yearly_files import yearly_report_pdf, yearly_report_xlsx
from core.constants import ActorRole
from core.exceptions import DomainError
from tests.institutions.factories import InstitutionFactory, PoolFactory, TownFactory
from tests.mediators.factories import LanguageFactory

from .conftest import local
from .test_selectors import booking

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 2, 10)


@pytest.fixture
def languages():
    return {
        "tir": LanguageFactory(code="tir", name_de="Tigrinya", name_en="Tigrinya"),
        "ara": LanguageFactory(code="ara", name_de="Arabisch", name_en="Arabic"),
    }


@pytest.fixture
def year_2025(pool, languages):
    """2025 against 2024 in the pool's school in Viersen:

    - 2025: 4 requests: 2 closed (60 minutes each), 2 unmet Tigrinya (one given up);
    - 2024: 2 requests: 1 closed, 1 unmet Tigrinya (New Year's night, elsewhere);
    - earlier unmet demand: Arabic 2022, Tigrinya 2021 (the first of the five years) and 2020
      (before them).
    """
    school = InstitutionFactory(pool=pool, town=TownFactory(name="Viersen"), kind="school")
    tir, ara = languages["tir"], languages["ara"]
    for day in (local(2025, 3, 3, 9), local(2025, 9, 1, 9)):
        booking(pool, Status.CLOSED, starts_at=day, institution=school, duration_minutes=60)
    booking(pool, Status.UNFILLED, starts_at=local(2025, 3, 4, 9), language=tir, institution=school)
    given_up = booking(
        pool,
        Status.CANCELLED,
        starts_at=local(2025, 12, 31, 23, 30),  # still 2025 in Berlin, 2025 in UTC too
        language=tir,
        institution=school,
        field=Field.HEALTH,
    )
    BookingEvent.objects.create(
        booking=given_up, actor_role=ActorRole.SYSTEM, from_status="offered", to_status="unfilled"
    )
    booking(pool, Status.CLOSED, starts_at=local(2024, 5, 6, 9), institution=school)
    # New Year's night: 00:30 in Berlin is 23:30 UTC of the old year; it counts in 2024.
    booking(pool, Status.UNFILLED, starts_at=local(2024, 1, 1, 0, 30), language=tir)
    booking(pool, Status.UNFILLED, starts_at=local(2022, 6, 1, 9), language=ara)
    booking(pool, Status.UNFILLED, starts_at=local(2021, 6, 1, 9), language=tir)
    booking(pool, Status.UNFILLED, starts_at=local(2020, 6, 1, 9), language=tir)  # too old
    return pool


def test_the_report_holds_the_year_and_the_year_before(year_2025):
    report = yearly_report(pool=year_2025, year=2025, today=TODAY, language_code="en")

    assert (report.current["from"], report.current["to"]) == ("2025-01-01", "2025-12-31")
    assert (report.current["requests"], report.current["filled"]) == (4, 2)
    assert (report.current["unmet"], report.current["hours"]) == (2, 2.0)
    assert (report.previous["from"], report.previous["requests"]) == ("2024-01-01", 2)
    assert report.previous["unmet"] == 1
    assert report.complete


def test_the_unmet_demand_per_language_runs_over_five_years_with_the_change(year_2025):
    report = yearly_report(pool=year_2025, year=2025, today=TODAY, language_code="en")

    assert report.years == [2021, 2022, 2023, 2024, 2025]
    assert [(r["language"], r["counts"], r["change"]) for r in report.unmet_trend] == [
        ("tir", [1, 0, 0, 1, 2], 1),
        ("ara", [0, 1, 0, 0, 0], 0),
    ]


def test_the_trend_of_the_year_equals_the_dashboards_unmet_demand(year_2025):
    report = yearly_report(pool=year_2025, year=2025, today=TODAY, language_code="en")

    dashboard = {r["language"]: r["count"] for r in report.current["unmet_by_language"]}
    trend = {r["language"]: r["counts"][-1] for r in report.unmet_trend if r["counts"][-1]}
    assert trend == dashboard == {"tir": 2}


def test_another_pools_unmet_demand_stays_out_of_the_trend(pool, languages):
    other = PoolFactory()
    booking(other, Status.UNFILLED, starts_at=local(2025, 3, 4, 9), language=languages["tir"])

    assert stats_unmet_trend(pool_ids=[pool.pk], years=[2024, 2025]) == []


@pytest.mark.parametrize("year", [1999, 2027])
def test_a_year_not_yet_begun_or_before_2000_is_refused(pool, year):
    with pytest.raises(DomainError) as refused:
        yearly_report(pool=pool, year=year, today=TODAY)

    assert refused.value.field == "year"


def test_a_report_of_the_running_year_says_it_is_not_over(pool):
    report = yearly_report(pool=pool, year=2026, today=TODAY)

    assert not report.complete
    text = pdf_text(yearly_report_pdf(report))
    assert "das Jahr ist noch nicht abgeschlossen" in text


def pdf_text(content: bytes) -> str:
    """The text of every page, each run of white space (line breaks too) one space."""
    reader = PdfReader(io.BytesIO(content))
    return " ".join(" ".join(page.extract_text().split()) for page in reader.pages)


def test_the_pdf_is_german_with_both_years_and_the_trend(year_2025):
    report = yearly_report(pool=year_2025, year=2025, today=TODAY)

    content = yearly_report_pdf(report)

    assert content.startswith(b"%PDF")
    text = pdf_text(content)
    assert "Integrationsmonitoring 2025: Sprachmittlung" in text
    assert year_2025.name in text
    assert "Stand: 10.02.2026" in text
    assert "Kennzahlen 2025 im Vergleich mit 2024" in text
    assert "Besetzungsquote" in text
    assert "50,0 %" in text  # fill rate 2025: 2 of 4
    assert "Ungedeckter Bedarf je Sprache, 2021 bis 2025" in text
    assert "Tigrinya" in text
    assert "Nach Finanzierungsquelle" in text or "Finanzierungsquelle" in text
    assert "Keine Daten in diesem Zeitraum." not in text.split("Ungedeckter Bedarf je")[1][:400]


def test_an_empty_year_says_no_data_instead_of_drawing_an_empty_chart(pool):
    report = yearly_report(pool=pool, year=2025, today=TODAY)

    text = pdf_text(yearly_report_pdf(report))

    assert "Keine Daten in diesem Zeitraum." in text


def sheet_rows(sheet):
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def test_the_xlsx_keeps_real_numbers_the_year_before_and_the_trend(year_2025):
    report = yearly_report(pool=year_2025, year=2025, today=TODAY)

    workbook = load_workbook(io.BytesIO(yearly_report_xlsx(report)))

    assert workbook.sheetnames[:3] == ["Kennzahlen", "Monate", "Ungedeckter Bedarf"]
    figures = sheet_rows(workbook["Kennzahlen"])
    assert figures[2] == ["Kennzahl", "2025", "2024", "Veränderung"]
    by_label = {row[0]: row[1:] for row in figures[3:]}
    assert by_label["Anfragen"] == [4, 2, 2]
    assert by_label["Besetzungsquote"] == [0.5, 0.5, 0]
    assert workbook["Kennzahlen"]["C6"].number_format == "0.0%"
    trend = sheet_rows(workbook["Ungedeckter Bedarf"])
    assert trend[2] == ["Sprache", "2021", "2022", "2023", "2024", "2025", "Veränderung"]
    assert trend[3] == ["Tigrinya", 1, 0, 0, 1, 2, 1]
    assert trend[4] == ["Arabisch", 0, 1, 0, 0, 0, 0]
    assert workbook["Ungedeckter Bedarf"]._charts, "the trend has its chart"
    months = sheet_rows(workbook["Monate"])
    assert months[3][:5] == ["Jan", 0, 0, 0, 1]  # January 2024: the New Year's night request
    assert months[5][:5] == ["Mär", 2, 1, 1, 0]


def test_the_xlsx_breakdowns_put_each_town_beside_its_year_before(year_2025):
    report = yearly_report(pool=year_2025, year=2025, today=TODAY)

    workbook = load_workbook(io.BytesIO(yearly_report_xlsx(report)))

    towns = {row[0]: row[1:] for row in sheet_rows(workbook["Kommunen"])[3:]}
    # Viersen: 2025 4 requests, 2 filled, 2 hours, 2 unmet; 2024 1 request, 0 unmet.
    assert towns["Viersen"] == [4, 2, 2.0, 2, 1, 0]
