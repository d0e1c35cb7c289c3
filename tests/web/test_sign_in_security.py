"""Sign-in security in a real browser: a person locked out after failed attempts reads in
their language until when (right to left in Arabic), and the right password does not get in;
a coordinator sets up an authenticator app (the code computed from the key the page shows),
keeps the recovery codes, and signs in later with one of them. axe-core checks every page
(WCAG 2 A/AA) at phone and desktop width; nothing loads from another host."""

import re

from tests.support.two_factor import code_from_secret

from .browser import PASSWORD, Visitor
from .test_accessibility import readable


def submit(visitor: Visitor):
    with visitor.page.expect_navigation():
        visitor.page.click("main form.stack button[type=submit]")
    visitor.page.wait_for_load_state("networkidle")


def try_password(visitor: Visitor, username: str, password: str):
    visitor.go("/accounts/login/")
    visitor.page.fill("#id_username", username)
    visitor.page.fill("#id_password", password)
    submit(visitor)


def test_a_locked_out_mediator_reads_until_when_in_arabic(browser, live_server, pool_with_people):
    visitor = Visitor(browser, live_server, "locked-out", language="ar")
    for attempt in range(5):
        try_password(visitor, "amal", f"guess-{attempt}")

    heading = visitor.page.inner_text("main h1")
    message = visitor.page.inner_text("#locked-out")
    visitor.shoot("locked-out")
    violations = visitor.axe_violations("locked-out")
    try_password(visitor, "amal", PASSWORD)

    assert heading == "تسجيل الدخول متوقف مؤقتًا"
    assert re.search(r"\d{1,2}:\d{2}", message), message
    assert visitor.page.get_attribute("html", "dir") == "rtl"
    assert visitor.page.is_visible("#locked-out[role=alert]")
    assert violations == [], readable(violations)
    # The right password is refused while the pause lasts.
    assert visitor.page.is_visible("#locked-out")
    assert "/mediator/" not in visitor.page.url
    assert visitor.other_hosts() == set()
    visitor.context.close()


def test_a_coordinator_sets_up_two_factor_sign_in_and_signs_in_with_a_recovery_code(
    browser, live_server, pool_with_people
):
    visitor = Visitor(browser, live_server, "two-factor", language="de")
    violations: list[str] = []

    # After the password, the coordinator must set up an authenticator first.
    try_password(visitor, "ki", PASSWORD)
    assert "/accounts/two-factor/enrol/" in visitor.page.url
    visitor.go("/coordinator/work/")
    assert "/accounts/two-factor/enrol/" in visitor.page.url
    secret = visitor.page.inner_text("#totp-secret")
    assert visitor.page.evaluate("document.querySelector('img.qr-code').naturalWidth") > 0
    visitor.shoot("enrol")
    violations += visitor.axe_violations("enrol")

    visitor.page.fill("#id_code", code_from_secret(secret))
    submit(visitor)
    codes = visitor.page.locator("#recovery-codes li code").all_inner_texts()
    visitor.shoot("recovery-codes")
    violations += visitor.axe_violations("recovery-codes")
    with visitor.page.expect_navigation():
        visitor.page.click("main a.button")
    visitor.page.wait_for_load_state("networkidle")
    assert "/coordinator/work/" in visitor.page.url

    visitor.go("/coordinator/security/")
    violations += visitor.axe_violations("coordinator-security")
    visitor.go("/accounts/two-factor/")
    violations += visitor.axe_violations("two-factor")

    # Later: the password, then a code; a wrong one is explained next to the field.
    with visitor.page.expect_navigation():
        visitor.page.click("header button.link-button")
    try_password(visitor, "ki", PASSWORD)
    assert "/accounts/two-factor/verify/" in visitor.page.url
    violations += visitor.axe_violations("verify")
    visitor.page.fill("#id_code", "000000")
    submit(visitor)
    assert visitor.page.is_visible("#error-summary[role=alert]")
    violations += visitor.axe_violations("verify-refused")
    visitor.page.wait_for_timeout(1200)  # django-otp's wait after a wrong code
    visitor.page.fill("#id_code", codes[0])
    submit(visitor)

    assert len(codes) == 10
    assert "/coordinator/work/" in visitor.page.url
    assert violations == [], readable(violations)
    assert visitor.other_hosts() == set()
    visitor.context.close()
