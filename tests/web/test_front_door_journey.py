"""The front door in a real browser (Debian's Chromium via Playwright, live server): a visitor
on a phone, in Ukrainian, reads /, applies as a mediator, and a coordinator at a desk finds
the application in the work list and accepts it, which invites the new mediator. axe-core
checks every page of the way at phone and desktop width (WCAG 2 A/AA), under the site's
Content-Security-Policy; nothing is loaded from another host."""

from mediators.models import Mediator, MediatorApplication
from notifications.constants import MessageKind
from notifications.models import Message

from .browser import PHONE, Visitor


def test_a_visitor_applies_on_a_phone_and_the_coordinator_accepts_from_the_work_list(
    browser, live_server, pool_with_people
):
    arabic = pool_with_people["arabic"]
    violations: list[str] = []

    # A visitor who is not signed in reads the front door, on a phone, in Ukrainian.
    olena = Visitor(browser, live_server, "applicant", language="uk")
    olena.page.set_viewport_size(PHONE)
    olena.go("/")
    assert "KI Kreis Viersen" in olena.page.inner_text("main")
    assert olena.page.locator("link[rel=icon][type='image/svg+xml']").count() == 1
    violations += olena.axe_violations("front-door")
    olena.shoot("front-door")
    olena.page.set_viewport_size(PHONE)
    with olena.page.expect_navigation():
        olena.page.click("main a[href='/apply/']")
    olena.page.wait_for_load_state("networkidle")
    violations += olena.axe_violations("apply")

    # Without consent the form says so next to the box, and nothing is saved.
    olena.page.set_viewport_size(PHONE)
    olena.page.check(f"input[name=languages][value='{arabic.pk}']")
    olena.page.fill("#id_first_name", "Olena")
    olena.page.fill("#id_last_name", "Kovalenko")
    olena.page.fill("#id_email", "olena@example.org")
    olena.page.select_option("#id_gender", "female")
    olena.page.fill("#id_town", "Viersen")
    olena.page.fill("#id_postal_code", "41747")
    olena.page.fill("#id_availability", "Вівторок і четвер зранку")
    with olena.page.expect_navigation():
        olena.page.click("main button[type=submit]")
    assert olena.page.locator(".error-summary").count() == 1
    assert not MediatorApplication.objects.exists()
    violations += olena.axe_violations("apply-errors")

    olena.page.check("#id_consent")
    with olena.page.expect_navigation():
        olena.page.click("main button[type=submit]")
    olena.page.wait_for_load_state("networkidle")
    assert olena.page.url.endswith("/apply/sent/")
    violations += olena.axe_violations("apply-sent")
    olena.shoot("apply-sent")
    olena.go("/privacy/")
    violations += olena.axe_violations("privacy")
    application = MediatorApplication.objects.get()
    assert application.language == "uk"
    assert list(application.languages.all()) == [arabic]

    # The coordinator finds it in the work list and accepts it.
    ki = Visitor(browser, live_server, "coordinator")
    ki.sign_in("ki")
    ki.go("/coordinator/work/")
    card = ki.page.locator(f"#application-{application.pk}")
    assert "Olena Kovalenko" in card.inner_text()
    violations += ki.axe_violations("worklist-application")
    ki.shoot("worklist-application")
    with ki.page.expect_navigation():
        card.locator("form[action$='/accept/'] button").click()
    ki.page.wait_for_load_state("networkidle")
    mediator = Mediator.objects.get(user__email="olena@example.org")
    assert ki.page.url.endswith(f"/coordinator/mediators/{mediator.pk}/")
    assert [row.language for row in mediator.languages.all()] == [arabic]
    invitations = Message.objects.filter(kind=MessageKind.ACCOUNT_INVITATION)
    assert [row.recipient_email for row in invitations] == ["olena@example.org"]

    assert violations == []
    for visitor in (olena, ki):
        assert visitor.csp_violations() == []
        assert visitor.other_hosts() == set(), f"{visitor.name} pages reach other hosts"
        visitor.context.close()
