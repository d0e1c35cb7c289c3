"""Nobody can guess a password: after 5 failed attempts for one account (from anywhere), or
20 from one client address, every way in answers 429 with Retry-After and the time to try
again, even for the right password; each further failure after a lock doubles the pause.
A client-written X-Forwarded-For changes nothing."""

import datetime
import re

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.core import mail
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from tests.institutions.factories import CoordinatorFactory, PoolFactory, UserFactory
from tests.mediators.factories import MediatorFactory
from tests.support.two_factor import authenticator, code_of

pytestmark = pytest.mark.django_db

PASSWORD = "secret-pass-123"
TOKEN_URL = "/api/v1/auth/token/"
LOGIN_URL = "/accounts/login/"
ADMIN_LOGIN_URL = "/admin/login/"
START = datetime.datetime(2031, 3, 4, 9, 0, tzinfo=datetime.UTC)


def spoofed(i: int) -> dict:
    """A different client-written X-Forwarded-For each time."""
    return {"HTTP_X_FORWARDED_FOR": f"198.51.100.{i}"}


def signed_in(client) -> bool:
    return "_auth_user_id" in client.session


def sign_in(client, username, password, **extra):
    return client.post(LOGIN_URL, {"username": username, "password": password}, **extra)


# --- the pages' sign-in ------------------------------------------------------------------


def test_the_web_sign_in_locks_after_five_failures_even_with_spoofed_addresses(client):
    UserFactory(username="anna")

    answers = [sign_in(client, "anna", f"guess-{i}", **spoofed(i)).status_code for i in range(30)]
    right = sign_in(client, "anna", PASSWORD, **spoofed(99))

    assert answers[:4] == [200] * 4  # the form again, with its error
    assert set(answers[4:]) == {429}
    assert right.status_code == 429
    assert not signed_in(client)
    assert 14 * 60 < int(right["Retry-After"]) <= 15 * 60
    assert 'id="locked-out"' in right.content.decode()


def test_the_lock_out_page_says_until_when_in_the_visitors_language(client):
    UserFactory(username="anna")
    for i in range(5):
        answer = sign_in(client, "anna", f"guess-{i}", HTTP_ACCEPT_LANGUAGE="de")

    page = answer.content.decode()
    assert answer.status_code == 429
    assert "Anmelden ist pausiert" in page
    assert re.search(r"\d{1,2}:\d{2}", page)  # the time to try again


def test_the_right_password_signs_in_again_once_the_pause_is_over(client, time_machine):
    time_machine.move_to(START, tick=False)
    UserFactory(username="anna")
    for i in range(5):
        sign_in(client, "anna", f"guess-{i}")

    time_machine.move_to(START + datetime.timedelta(minutes=14), tick=False)
    assert sign_in(client, "anna", PASSWORD).status_code == 429
    time_machine.move_to(START + datetime.timedelta(minutes=16), tick=False)
    assert sign_in(client, "anna", PASSWORD).status_code == 302
    assert signed_in(client)


def test_each_failure_after_a_pause_doubles_it(client, time_machine):
    time_machine.move_to(START, tick=False)
    UserFactory(username="anna")
    for i in range(5):
        sign_in(client, "anna", f"guess-{i}")

    after_first = START + datetime.timedelta(minutes=16)
    time_machine.move_to(after_first, tick=False)
    sixth = sign_in(client, "anna", "guess-6")
    assert sixth.status_code == 429
    assert int(sixth["Retry-After"]) == 30 * 60

    time_machine.move_to(after_first + datetime.timedelta(minutes=29), tick=False)
    assert sign_in(client, "anna", PASSWORD).status_code == 429
    time_machine.move_to(after_first + datetime.timedelta(minutes=31), tick=False)
    seventh = sign_in(client, "anna", "guess-7")
    assert int(seventh["Retry-After"]) == 60 * 60


def test_attempts_while_locked_do_not_lengthen_the_pause(client, time_machine):
    time_machine.move_to(START, tick=False)
    UserFactory(username="anna")
    for i in range(5):
        sign_in(client, "anna", f"guess-{i}")
    time_machine.move_to(START + datetime.timedelta(minutes=10), tick=False)
    for i in range(10):
        sign_in(client, "anna", f"more-{i}")

    answer = sign_in(client, "anna", PASSWORD)
    assert int(answer["Retry-After"]) == 5 * 60


def test_one_client_address_is_locked_after_twenty_failures_for_any_accounts(client):
    for i in range(20):
        sign_in(client, f"nobody{i}", "guess")
    UserFactory(username="anna")

    assert sign_in(client, "anna", PASSWORD).status_code == 429
    assert not signed_in(client)


def test_behind_the_trusted_proxy_the_real_address_is_locked_not_the_written_one(settings):
    from django.test import Client

    settings.TRUSTED_PROXY_COUNT = 1
    UserFactory(username="anna")
    attacker = Client(REMOTE_ADDR="10.0.0.2")
    for i in range(30):
        # The client writes an address of its own; the proxy appends the real one.
        attacker.post(
            LOGIN_URL,
            {"username": f"nobody{i}", "password": "guess"},
            HTTP_X_FORWARDED_FOR=f"198.51.100.{i}, 203.0.113.7",
        )

    locked = attacker.post(
        LOGIN_URL,
        {"username": "anna", "password": PASSWORD},
        HTTP_X_FORWARDED_FOR="192.0.2.1, 203.0.113.7",
    )
    elsewhere = Client(REMOTE_ADDR="10.0.0.2").post(
        LOGIN_URL,
        {"username": "anna", "password": PASSWORD},
        HTTP_X_FORWARDED_FOR="203.0.113.8",
    )
    assert locked.status_code == 429
    assert elsewhere.status_code == 302


def test_a_successful_sign_in_forgets_the_accounts_own_failures_only(client):
    UserFactory(username="anna")
    UserFactory(username="bert")
    for i in range(4):
        sign_in(client, "anna", f"guess-{i}")
        sign_in(client, "bert", f"guess-{i}")

    assert sign_in(client, "anna", PASSWORD).status_code == 302
    client.logout()

    # anna's slate is clean; bert's four failures from the same address still count.
    assert sign_in(client, "anna", "typo").status_code == 200
    assert sign_in(client, "bert", "guess-5").status_code == 429


# --- the admin ------------------------------------------------------------------------


def test_the_admin_sign_in_locks_too(client):
    UserFactory(username="admin", is_staff=True, is_superuser=True)

    answers = [
        client.post(
            ADMIN_LOGIN_URL, {"username": "admin", "password": f"guess-{i}"}, **spoofed(i)
        ).status_code
        for i in range(30)
    ]
    right = client.post(ADMIN_LOGIN_URL, {"username": "admin", "password": PASSWORD})

    assert answers[:4] == [200] * 4
    assert set(answers[4:]) == {429}
    assert right.status_code == 429
    assert not signed_in(client)


# --- the API token -------------------------------------------------------------------


def test_the_token_endpoint_locks_even_with_thirty_spoofed_addresses(api_client):
    UserFactory(username="anna")

    answers = [
        api_client.post(
            TOKEN_URL, {"username": "anna", "password": f"guess-{i}"}, format="json", **spoofed(i)
        )
        for i in range(30)
    ]
    right = api_client.post(
        TOKEN_URL, {"username": "anna", "password": PASSWORD}, format="json", **spoofed(77)
    )

    assert [a.status_code for a in answers[:4]] == [400] * 4
    assert {a.status_code for a in answers[4:]} == {429}
    assert right.status_code == 429
    assert int(right["Retry-After"]) > 0
    body = right.json()
    assert "detail" in body and body["retry_after"] == int(right["Retry-After"])
    assert "token" not in body


def test_wrong_second_factor_codes_at_the_token_endpoint_lock_too(api_client):
    coordinator = CoordinatorFactory(user__username="koordination")
    device = authenticator(coordinator.user)
    body = {"username": "koordination", "password": PASSWORD}

    answers = [
        api_client.post(TOKEN_URL, {**body, "otp": "000000"}, format="json").status_code
        for _ in range(5)
    ]
    right = api_client.post(TOKEN_URL, {**body, "otp": code_of(device)}, format="json")

    assert answers == [400] * 4 + [429]
    assert right.status_code == 429
    assert "token" not in right.json()


# --- password reset and set-password -------------------------------------------------


def test_password_reset_requests_are_limited_per_e_mail_address(client):
    UserFactory(username="anna", email="anna@example.org")

    answers = [
        client.post("/accounts/password_reset/", {"email": "anna@example.org"}, **spoofed(i))
        for i in range(8)
    ]

    assert [a.status_code for a in answers[:4]] == [302] * 4
    assert {a.status_code for a in answers[4:]} == {429}
    assert len(mail.outbox) == 4


def set_password_url(user, token=None, *, reset=False):
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = token or default_token_generator.make_token(user)
    prefix = "/accounts/reset/" if reset else "/accounts/set-password/"
    return f"{prefix}{uid}/{token}/"


@pytest.mark.parametrize("reset", [False, True], ids=["invitation", "reset-link"])
def test_guessing_set_password_links_locks_and_then_even_the_valid_link_is_refused(client, reset):
    user = UserFactory(username="anna")

    guesses = [
        client.get(set_password_url(user, f"bad-{i}", reset=reset), **spoofed(i)).status_code
        for i in range(30)
    ]
    valid = client.get(set_password_url(user, reset=reset))

    assert guesses[:4] == [200] * 4  # "this link is no longer valid"
    assert set(guesses[4:]) == {429}
    assert valid.status_code == 429


def test_a_password_set_through_a_valid_link_forgets_the_sign_in_failures(client):
    user = UserFactory(username="anna")
    for i in range(4):
        sign_in(client, "anna", f"guess-{i}")

    form = client.get(set_password_url(user), follow=True)
    assert form.status_code == 200
    done = client.post(
        form.redirect_chain[-1][0],
        {"new_password1": "a-new-long-secret-9", "new_password2": "a-new-long-secret-9"},
    )
    assert done.status_code == 302

    assert sign_in(client, "anna", "typo").status_code == 200  # not the fifth failure


# --- coordinators see and lift lock-outs -----------------------------------------------


def lock_out(client, username):
    for i in range(5):
        sign_in(client, username, f"guess-{i}")


def test_a_coordinator_sees_and_lifts_lock_outs_of_their_pools_people_only(client):
    pool = PoolFactory()
    coordinator = CoordinatorFactory(pool=pool)
    own = MediatorFactory(pool=pool, user__username="amira")
    foreign = MediatorFactory(user__username="yusuf")
    from django.test import Client

    lock_out(Client(REMOTE_ADDR="192.0.2.10"), "amira")
    lock_out(Client(REMOTE_ADDR="192.0.2.11"), "yusuf")
    client.force_login(coordinator.user)

    page = client.get("/coordinator/security/").content.decode()
    assert "amira" in page and "yusuf" not in page

    refused = client.post(f"/coordinator/security/{foreign.user.pk}/lift/")
    lifted = client.post(f"/coordinator/security/{own.user.pk}/lift/")

    assert refused.status_code == 403
    assert lifted.status_code == 302
    owner = Client(REMOTE_ADDR="192.0.2.10")
    assert sign_in(owner, "amira", PASSWORD).status_code == 302
    assert sign_in(Client(REMOTE_ADDR="192.0.2.12"), "yusuf", PASSWORD).status_code == 429


def test_locked_out_attempts_are_in_the_admin_for_superusers(client):
    lock_out(client, "anna")
    admin = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(admin)

    page = client.get("/admin/axes/accessattempt/")

    assert page.status_code == 200
    assert "anna" in page.content.decode()


def test_the_thresholds_are_the_documented_ones():
    from django.conf import settings

    assert settings.LOCKOUT_ACCOUNT_FAILURES == 5
    assert settings.LOCKOUT_ADDRESS_FAILURES == 20
    assert settings.LOCKOUT_MINUTES == 15
    assert settings.LOCKOUT_MAX_HOURS == 24
    assert timezone.now()  # one clock: the real one, no dates compared here
