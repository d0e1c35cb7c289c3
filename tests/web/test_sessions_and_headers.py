"""Every response carries the strict Content-Security-Policy and the Permissions-Policy; a
browser session ends after 30 minutes without a request and 12 hours after sign-in at the
latest, however active it was."""

import datetime

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from tests.clock import frozen

from .conftest import BERLIN

pytestmark = pytest.mark.django_db

MOMENT = datetime.datetime(2026, 3, 2, 8, 0, tzinfo=BERLIN)
PAGE = "/mediator/offers/"


def signed_in(browser: Client) -> bool:
    response = browser.get(PAGE)
    assert response.status_code in (200, 302)
    return response.status_code == 200


@pytest.mark.parametrize(
    "path",
    ["/accounts/login/", "/", "/accounts/password_reset/", "/healthz/", "/api/v1/languages/"],
)
def test_every_response_carries_the_strict_policy_and_the_permissions_policy(client, path):
    response = client.get(path)

    policy = dict(
        part.strip().split(" ", 1) for part in response["Content-Security-Policy"].split(";")
    )
    assert policy["default-src"] == "'self'"
    assert policy["script-src"] == "'self'"
    assert policy["style-src"] == "'self'"
    assert policy["object-src"] == "'none'"
    assert policy["frame-ancestors"] == "'none'"
    assert "camera=()" in response["Permissions-Policy"]
    assert "geolocation=()" in response["Permissions-Policy"]
    assert "microphone=()" in response["Permissions-Policy"]


def test_the_pages_of_the_signed_in_roles_carry_the_policy(page_for, mediator, staff, coordinator):
    for user, path in ((mediator.user, PAGE), (staff.user, "/"), (coordinator.user, "/")):
        response = page_for(user).get(path, follow=True)
        assert response.status_code == 200
        directives = [part.strip() for part in response["Content-Security-Policy"].split(";")]
        assert "script-src 'self'" in directives and "style-src 'self'" in directives


def test_the_offer_answer_page_has_no_inline_style(client):
    response = client.get("/offers/answer/not-a-valid-link/")
    page = response.content.decode()
    assert "<style" not in page and "style=" not in page


@frozen(MOMENT)
def test_a_session_ends_after_30_minutes_without_a_request(page_for, mediator, time_machine):
    browser = page_for(mediator.user)
    assert signed_in(browser)

    time_machine.shift(datetime.timedelta(minutes=29))
    assert signed_in(browser)  # each request moves the expiry on
    time_machine.shift(datetime.timedelta(minutes=29))
    assert signed_in(browser)
    time_machine.shift(datetime.timedelta(minutes=31))
    assert not signed_in(browser)


def session_writes(browser: Client) -> int:
    """How many statements the next request writes to the session table."""
    with CaptureQueriesContext(connection) as queries:
        assert signed_in(browser)
    return sum(
        1
        for query in queries.captured_queries
        if "django_session" in query["sql"] and not query["sql"].startswith("SELECT")
    )


@frozen(MOMENT)
def test_the_expiry_moves_on_at_most_once_a_minute(page_for, mediator, time_machine):
    browser = page_for(mediator.user)
    assert signed_in(browser)

    time_machine.shift(datetime.timedelta(seconds=59))
    assert session_writes(browser) == 0  # within the minute: the expiry stays
    time_machine.shift(datetime.timedelta(seconds=2))
    assert session_writes(browser) == 1  # a minute on: moved (one UPDATE)
    assert session_writes(browser) == 0


@frozen(MOMENT)
def test_an_idle_session_ends_within_the_minute_before_30_minutes(page_for, mediator, time_machine):
    # The last request came 59 s after the expiry last moved, so it did not move it: the
    # session ends 30 minutes after that move - 29 min 1 s after the last request, never
    # later than 30 minutes after it.
    browser = page_for(mediator.user)
    assert signed_in(browser)  # the expiry moves here (or at sign-in)
    time_machine.shift(datetime.timedelta(seconds=59))
    assert signed_in(browser)

    time_machine.shift(datetime.timedelta(minutes=29, seconds=2))
    assert not signed_in(browser)


@frozen(MOMENT)
def test_an_idle_session_lives_at_least_29_minutes(page_for, mediator, time_machine):
    browser = page_for(mediator.user)
    assert signed_in(browser)
    time_machine.shift(datetime.timedelta(seconds=59))
    assert signed_in(browser)

    time_machine.shift(datetime.timedelta(minutes=29) - datetime.timedelta(seconds=1))
    assert signed_in(browser)


@frozen(MOMENT)
def test_a_session_ends_12_hours_after_sign_in_however_active(page_for, mediator, time_machine):
    browser = page_for(mediator.user)
    for _quarter in range(47):  # a request every 15 minutes for 11 h 45 min
        assert signed_in(browser)
        time_machine.shift(datetime.timedelta(minutes=15))
    assert signed_in(browser)  # 11 h 45 min after sign-in
    time_machine.shift(datetime.timedelta(minutes=16))

    assert not signed_in(browser)  # 12 h 1 min


@frozen(MOMENT)
def test_signing_in_again_starts_a_new_twelve_hours(client, mediator, time_machine):
    client.force_login(mediator.user)
    time_machine.shift(datetime.timedelta(hours=11, minutes=50))
    client.force_login(mediator.user)
    time_machine.shift(datetime.timedelta(minutes=20))
    assert signed_in(client)
