"""The strict Content-Security-Policy in a real browser (Debian's Chromium): the pages the
other browser tests do not open report no violation either - the admin, the API docs (which
alone get their exception) and the one-click offer answer - and a violation, were there one,
would be seen."""

import pytest

from .browser import Visitor

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_a_violation_would_be_reported(browser, live_server, pool_with_people):
    visitor = Visitor(browser, live_server, "anonymous")
    visitor.go("/accounts/login/")

    visitor.page.evaluate(
        "document.body.insertAdjacentHTML('beforeend', '<p style=\"color: red\">x</p>')"
    )
    visitor.page.wait_for_timeout(200)

    assert any("style-src" in entry for entry in visitor.csp_violations())
    visitor.context.close()


def test_the_offer_answer_page_reports_no_violation(browser, live_server, pool_with_people):
    visitor = Visitor(browser, live_server, "anonymous")
    visitor.go("/offers/answer/not-a-valid-link/")

    assert visitor.page.locator("h1").count() == 1
    assert visitor.page.evaluate("getComputedStyle(document.body).marginTop") == "0px"
    assert visitor.csp_violations() == []
    visitor.context.close()


def test_the_admin_and_the_api_docs_report_no_violation(browser, live_server, pool_with_people):
    visitor = Visitor(browser, live_server, "coordinator")
    visitor.sign_in("ki")

    for path in ("/admin/", "/admin/bookings/booking/", "/admin/mediators/mediator/"):
        visitor.go(path)
    visitor.go("/api/v1/docs/")
    visitor.page.wait_for_selector(".swagger-ui .info", timeout=15000)
    visitor.go("/api/v1/redoc/")
    visitor.page.wait_for_selector("redoc h1, [role=navigation], .api-content", timeout=15000)

    # Redoc's sidebar always asks for its maker's logo from the maker's CDN (and hides it when
    # it fails): the policy blocks it, so nothing is loaded from another host. That one
    # refusal is expected; anything else is a violation.
    violations = [entry for entry in visitor.csp_violations() if "cdn.redoc.ly" not in entry]
    assert violations == []
    own = live_server.url.split("//", 1)[1]
    # "": data: and blob: URLs (Redoc's worker), which have no host.
    assert visitor.requested_hosts - {own} <= {"", "cdn.redoc.ly"}
    visitor.context.close()
