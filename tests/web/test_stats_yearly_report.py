"""The yearly report from the statistics page: the pool's coordinator downloads it as PDF or
XLSX; another pool's report is a 404, other roles get 403, a year not offered a 400."""

import datetime
import io

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from bookings.constants import Status
from tests.bookings.factories import BookingFactory
from tests.clock import frozen
from tests.institutions.factories import (
    CoordinatorFactory,
    InstitutionFactory,
    PoolFactory,
    UserFactory,
)

from .conftest import BERLIN, local

pytestmark = [
    pytest.mark.django_db,
    frozen(datetime.datetime(2026, 2, 10, 9, 0, tzinfo=BERLIN)),
]

URL = "/coordinator/statistics/yearly-report/"


@pytest.fixture
def year_2025(coordinator):
    institution = InstitutionFactory(pool=coordinator.pool)
    BookingFactory(institution=institution, starts_at=local(2025, 3, 2, 9), status=Status.UNFILLED)
    return coordinator


def test_the_statistics_page_offers_the_yearly_report_of_last_year(page_for, coordinator):
    html = page_for(coordinator.user).get("/coordinator/statistics/").content.decode()

    assert 'action="/coordinator/statistics/yearly-report/"' in html
    assert '<option value="2025" selected>2025</option>' in html
    assert 'name="format" value="pdf"' in html
    assert 'name="format" value="xlsx"' in html
    # A coordinator has one pool: no choice, the pool goes along hidden.
    assert f'<input type="hidden" name="pool" value="{coordinator.pool.pk}">' in html


def test_the_coordinator_downloads_the_pdf_in_german(page_for, year_2025):
    response = page_for(year_2025.user).get(URL, {"year": "2025", "format": "pdf"})

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert (
        f'filename="integrationsmonitoring_{year_2025.pool.slug}_2025.pdf"'
        in response["Content-Disposition"]
    )
    text = " ".join(PdfReader(io.BytesIO(response.content)).pages[0].extract_text().split())
    assert "Integrationsmonitoring 2025" in text
    assert "Stand: 10.02.2026" in text


def test_the_coordinator_downloads_the_xlsx_with_both_years(page_for, year_2025):
    response = page_for(year_2025.user, "en").get(URL, {"year": "2025", "format": "xlsx"})

    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(response.content))
    headings = next(workbook["Kennzahlen"].iter_rows(min_row=3, max_row=3, values_only=True))
    assert headings == ("Kennzahl", "2025", "2024", "Veränderung")


def test_another_pools_report_is_not_found(page_for, year_2025):
    other = PoolFactory()

    response = page_for(year_2025.user).get(
        URL, {"year": "2025", "pool": other.pk, "format": "pdf"}
    )

    assert response.status_code == 404


def test_a_pool_that_does_not_exist_is_not_found_either(page_for, year_2025):
    response = page_for(year_2025.user).get(
        URL, {"year": "2025", "pool": "987654", "format": "pdf"}
    )

    assert response.status_code == 404


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"year": "2027", "format": "pdf"}, "Select a valid choice."),
        ({"year": "zwei", "format": "pdf"}, "Select a valid choice."),
        ({"year": "2025", "format": "docx"}, "Select a valid choice."),
    ],
)
def test_a_year_or_file_type_not_offered_is_explained_with_400(page_for, year_2025, query, message):
    response = page_for(year_2025.user).get(URL, query)

    assert response.status_code == 400
    assert message in response.content.decode()
    assert response["Content-Type"].startswith("text/html")


@pytest.mark.parametrize("role", ["staff", "mediator"])
def test_other_roles_are_forbidden(page_for, role, request):
    user = request.getfixturevalue(role).user

    assert page_for(user).get(URL, {"year": "2025", "format": "pdf"}).status_code == 403


def test_a_superuser_chooses_among_every_pool_and_gets_any(page_for, year_2025):
    admin = UserFactory(is_superuser=True, is_staff=True)
    other = CoordinatorFactory(pool=PoolFactory()).pool
    page = page_for(admin)

    without_pool = page.get(URL, {"year": "2025", "format": "pdf"})
    chosen = page.get(URL, {"year": "2025", "pool": other.pk, "format": "xlsx"})

    assert without_pool.status_code == 400
    assert "Choose a pool." in without_pool.content.decode()
    assert chosen.status_code == 200
    assert f"integrationsmonitoring_{other.slug}_2025.xlsx" in chosen["Content-Disposition"]


def test_the_choice_page_shows_the_form_without_a_file_type(page_for, coordinator):
    response = page_for(coordinator.user).get(URL)

    assert response.status_code == 200
    assert "<h1>Yearly report</h1>" in response.content.decode()
