"""The statistics a district can publish: human labels in the reader's language and locale,
charts with axis titles, budget overruns flagged, a CSV German Excel reads and an XLSX of
real numbers."""

import csv
import datetime
import io
import json
import re
from html import unescape

import pytest
from openpyxl import load_workbook

from bookings.constants import Field, Status
from institutions.constants import InstitutionKind
from tests.bookings.factories import BookingFactory
from tests.clock import frozen
from tests.institutions.factories import BudgetFactory, InstitutionFactory
from tests.mediators.factories import LanguageFactory

from .conftest import local

NOW = local(2026, 4, 15, 9)
pytestmark = [pytest.mark.django_db, frozen(NOW)]

URL = "/coordinator/statistics/"
EXPORT = "/api/v1/stats/export/"
MARCH = {"from": "2026-03-01", "to": "2026-03-31"}


@pytest.fixture
def march(coordinator, mediator):
    """Three youth-office bookings in March 2026, two filled (90 minutes each) from a budget
    of three hours, one nobody took (the budget counts all three: 150 %)."""
    youth_office = InstitutionFactory(
        pool=coordinator.pool, kind=InstitutionKind.YOUTH_OFFICE, name="Kreisjugendamt"
    )
    budget = BudgetFactory(institution=youth_office, year=2026, hours=3)
    arabic = LanguageFactory(code="ara", name_de="Arabisch", name_en="Arabic")
    for day, status in ((2, Status.CONFIRMED), (3, Status.CONFIRMED), (4, Status.UNFILLED)):
        BookingFactory(
            institution=youth_office,
            language=arabic,
            field=Field.HEALTH,
            funding_source=budget.funding_source,
            duration_minutes=90,
            starts_at=local(2026, 3, day, 9),
            status=status,
            mediator=mediator if status == Status.CONFIRMED else None,
        )
    return coordinator


def text_of(html: str) -> str:
    return unescape(re.sub(r"<[^>]+>", " ", html))


def test_the_page_shows_human_labels_and_no_machine_keys(page_for, march):
    html = page_for(march.user, "de").get(URL, MARCH).content.decode()

    body = text_of(html.split("<main", 1)[1])
    for key in ("youth_office", "fill_rate", "requests", "health", "ara", "expenses_eur"):
        assert not re.search(rf"\b{key}\b", body), key
    assert "Jugendamt" in body and "Arabisch" in body and "Gesundheit" in body


def test_dates_and_numbers_follow_the_german_readers_locale(page_for, march):
    html = text_of(page_for(march.user, "de").get(URL, MARCH).content.decode())

    assert "01.03.2026" in html and "31.03.2026" in html
    assert "März 2026" in html
    assert "2026" in html and "2.026" not in html
    assert "66,7 %" in html  # two of three filled, rounded
    assert "3 " in html and "3,0" not in html  # hours: 2 × 1.5 = 3


def test_an_english_reader_sees_english_dates_and_decimal_points(page_for, march):
    html = text_of(page_for(march.user, "en").get(URL, MARCH).content.decode())

    assert "Mar 1, 2026" in html and "March 2026" in html  # CLDR (Babel), as every page
    assert "66.7 %" in html


def test_budget_use_over_a_hundred_percent_is_flagged_in_words_not_only_colour(page_for, march):
    html = page_for(march.user, "en").get(URL, MARCH).content.decode()

    cell = re.search(r'<td class="num over"[^>]*>(.*?)</td>', html, re.S)
    assert cell, "the over-budget cell is marked"
    assert "150.0 %" in cell.group(1)
    assert "over budget" in cell.group(1)


def test_every_chart_has_axis_titles(page_for, march):
    html = page_for(march.user, "en").get(URL, MARCH).content.decode()

    specs = [json.loads(unescape(spec)) for spec in re.findall(r'data-chart="([^"]*)"', html)]
    assert {spec["id"] for spec in specs} >= {"by_month", "by_language", "by_institution_kind"}
    for spec in specs:
        assert spec["x_title"] and spec["y_title"], spec["id"]
    by_month = next(spec for spec in specs if spec["id"] == "by_month")
    assert by_month["labels"] == ["March 2026"]
    assert by_month["x_title"] == "Month"


def test_an_empty_chart_says_there_is_no_data_instead_of_an_empty_grid(page_for, march):
    html = page_for(march.user, "en").get(URL, {"from": "2025-01-01", "to": "2025-01-31"})
    html = html.content.decode()

    assert "data-chart=" not in html
    assert 'data-testid="chart-empty-by_month"' in html
    assert html.count("No data in this period.") >= 5


# The CSV as German Excel reads it.


def excel_sections(content: bytes) -> dict[str, list[list[str]]]:
    """The file as German Excel opens it: UTF-8 after the byte-order mark, cells split at
    ";"; each section a title line, a heading line and rows, ended by an empty line."""
    assert content.startswith(b"\xef\xbb\xbf"), "a byte-order mark tells Excel it is UTF-8"
    rows = list(csv.reader(io.StringIO(content[3:].decode("utf-8"), newline=""), delimiter=";"))
    sections, current = {}, None
    for row in rows[3:]:
        if not any(row):
            current = None
        elif current is None:
            current = sections.setdefault(row[0], [])
        else:
            current.append(row)
    return {"period": rows[:2], **sections}


def german_number(text: str) -> float:
    """What German Excel makes of a cell: decimal comma, "%" a share."""
    value = text.replace(" %", "").replace(",", ".")
    return float(value) / (100 if text.endswith("%") else 1)


def test_the_csv_opens_in_german_excel_one_section_per_table(client, march):
    client.force_login(march.user)

    response = client.get(EXPORT, {**MARCH, "format": "csv"}, HTTP_ACCEPT_LANGUAGE="de")

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    sections = excel_sections(response.content)
    assert sections["period"] == [["Statistik", "Von", "01.03.2026"], ["", "Bis", "31.03.2026"]]
    assert {"Gesamt", "Ungedeckter Bedarf je Sprache", "Nach Art der Einrichtung"} <= set(
        sections
    ), list(sections)
    totals = {row[0]: row[2] for row in sections["Gesamt"][1:]}
    assert german_number(totals["fill_rate"]) == pytest.approx(2 / 3, abs=0.001)
    assert german_number(totals["hours"]) == 3.0
    assert totals["requests"] == "3"


def test_the_csv_by_month_has_the_month_as_its_label_and_the_count_as_requests(client, march):
    client.force_login(march.user)

    response = client.get(EXPORT, {**MARCH, "format": "csv"}, HTTP_ACCEPT_LANGUAGE="de")

    section = excel_sections(response.content)[
        "Besetzungsquote und Zeit bis zur Besetzung je Monat"
    ]
    headings, (march_row,) = section[0], section[1:]
    row = dict(zip(headings, march_row, strict=True))
    assert row["Monat"] == "März 2026"
    assert row["Anfragen"] == "3"
    assert german_number(row["Besetzungsquote"]) == pytest.approx(0.667, abs=0.001)


def test_the_xlsx_keeps_real_numbers(client, march):
    client.force_login(march.user)

    response = client.get(EXPORT, {**MARCH, "format": "xlsx"})

    workbook = load_workbook(io.BytesIO(response.content))
    totals = {row[0].value: row[2] for row in workbook["totals"].iter_rows(min_row=3)}
    assert totals["fill_rate"].value == pytest.approx(0.6667)
    assert totals["fill_rate"].number_format == "0.0%"
    assert totals["hours"].value == 3
    month = workbook["by_month"]["A3"]
    assert month.value.date() == datetime.date(2026, 3, 1)  # a date cell, not text
    budget = workbook["budgets"]
    assert budget["A3"].value == 2026 and budget["F3"].value == pytest.approx(1.5)
