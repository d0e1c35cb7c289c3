"""The coordinator downloads last year's report from the statistics page in a real browser
(Debian's Chromium): the PDF reads in German; the form meets WCAG 2 A/AA at phone and
desktop width (axe-core), and the page with a refused year announces its error."""

import io

from django.utils import timezone
from pypdf import PdfReader

from .browser import Visitor
from .conftest import BERLIN


def test_the_coordinator_downloads_last_years_report_from_the_statistics_page(
    browser, live_server, pool_with_people
):
    last_year = timezone.now().astimezone(BERLIN).year - 1
    ki = Visitor(browser, live_server, "coordinator")
    ki.sign_in("ki")
    ki.go("/coordinator/statistics/")
    violations = ki.axe_violations("statistics-yearly-report")

    assert ki.page.input_value("#yearly-report select[name=year]") == str(last_year)
    with ki.page.expect_download() as download_info:
        ki.page.click("[data-testid=yearly-report-pdf]")
    download = download_info.value
    content = open(download.path(), "rb").read()  # noqa: PTH123, SIM115 - Playwright's file
    text = " ".join(PdfReader(io.BytesIO(content)).pages[0].extract_text().split())
    assert download.suggested_filename.endswith(f"_{last_year}.pdf")
    assert f"Integrationsmonitoring {last_year}: Sprachmittlung" in text
    assert "KI Kreis Viersen" in text

    with ki.page.expect_download() as download_info:
        ki.page.click("[data-testid=yearly-report-xlsx]")
    assert download_info.value.suggested_filename.endswith(f"_{last_year}.xlsx")

    ki.go("/coordinator/statistics/yearly-report/?year=1999&format=pdf")
    assert ki.page.is_visible("#error-summary[role=alert]")
    violations += ki.axe_violations("yearly-report-error")

    assert violations == [], "axe-core finds WCAG 2 A/AA violations:\n" + "\n".join(violations)
    assert ki.csp_violations() == []
    assert ki.other_hosts() == set()
    ki.context.close()
