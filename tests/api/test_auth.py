"""API tokens (django-rest-knox): POST /api/v1/auth/token/ issues a new token each time, only
its hash is stored, it expires (API_TOKEN_TTL_DAYS), its owner lists and revokes tokens, and
a password change, a password reset or a pause takes back every token and session."""

import datetime
import hashlib

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.contrib.sessions.models import Session
from django.test import Client, override_settings
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from knox.models import AuthToken
from rest_framework.settings import api_settings
from rest_framework.test import APIClient

from core.credentials import credentials_revoke_all
from mediators.services import mediator_pause, mediator_update
from tests.clock import frozen
from tests.institutions.factories import UserFactory
from tests.mediators.factories import MediatorFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/auth/token/"
TOKENS = "/api/v1/auth/tokens/"
PASSWORD = "secret-pass-123"
MOMENT = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)


def sign_in(client: APIClient, username: str = "anna") -> dict:
    response = client.post(URL, {"username": username, "password": PASSWORD})
    assert response.status_code == 200, response.content
    return response.json()


def with_token(token: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


def works(token: str) -> bool:
    status = with_token(token).get("/api/v1/languages/").status_code
    assert status in (200, 401)
    return status == 200


def test_valid_credentials_answer_a_token_that_authenticates_later_requests(api_client):
    UserFactory(username="anna")

    answer = sign_in(api_client)

    assert set(answer) == {"token", "expiry"}
    assert works(answer["token"])


def test_only_a_hash_of_the_token_is_stored(api_client):
    user = UserFactory(username="anna")

    token = sign_in(api_client)["token"]

    stored = AuthToken.objects.get(user=user)
    assert stored.digest == hashlib.sha512(token.encode()).hexdigest()
    assert token not in {stored.digest, stored.token_key}
    assert len(stored.token_key) < len(token)


def test_asking_twice_answers_two_tokens_that_both_work(api_client):
    user = UserFactory(username="anna")

    first, second = sign_in(api_client)["token"], sign_in(api_client)["token"]

    assert first != second
    assert AuthToken.objects.filter(user=user).count() == 2
    assert works(first) and works(second)


@frozen(MOMENT)
def test_a_token_expires_after_the_configured_days(api_client, time_machine):
    UserFactory(username="anna")
    answer = sign_in(api_client)
    assert answer["expiry"].startswith("2026-04-01")  # 30 days, the default

    time_machine.shift(datetime.timedelta(days=29, hours=23))
    assert works(answer["token"])
    time_machine.shift(datetime.timedelta(hours=2))
    assert not works(answer["token"])
    assert not AuthToken.objects.exists()


@frozen(MOMENT)
def test_a_new_token_clears_the_persons_expired_ones_and_keeps_the_live(api_client, time_machine):
    UserFactory(username="anna")
    UserFactory(username="ben")
    old = sign_in(api_client)["token"]
    sign_in(api_client, "ben")  # expired too, but not anna's
    time_machine.shift(datetime.timedelta(days=20))
    live = sign_in(api_client)["token"]
    time_machine.shift(datetime.timedelta(days=11))  # the first two have expired
    assert works(live)
    assert AuthToken.objects.count() == 3  # a request leaves the other tokens alone

    newest = sign_in(api_client)["token"]

    assert not works(old) and works(live) and works(newest)
    assert AuthToken.objects.filter(user__username="anna").count() == 2
    assert AuthToken.objects.filter(user__username="ben").count() == 1  # not anna's


@frozen(MOMENT)
def test_the_lifetime_follows_the_setting(api_client, time_machine):
    UserFactory(username="anna")
    with override_settings(REST_KNOX={"TOKEN_TTL": datetime.timedelta(days=2)}):
        answer = sign_in(api_client)
    time_machine.shift(datetime.timedelta(days=2, seconds=1))
    assert not works(answer["token"])


def test_delete_revokes_the_token_of_the_request_and_no_other(api_client):
    UserFactory(username="anna")
    first, second = sign_in(api_client)["token"], sign_in(api_client)["token"]

    response = with_token(first).delete(URL)

    assert response.status_code == 204
    assert not works(first)
    assert works(second)


def test_delete_signed_in_by_the_browser_session_answers_400_and_revokes_nothing(api_client):
    user = UserFactory(username="anna")
    sign_in(api_client)
    browser = APIClient()
    browser.force_login(user)

    response = browser.delete(URL)

    assert response.status_code == 400
    assert AuthToken.objects.filter(user=user).count() == 1


def test_delete_without_credentials_answers_401(api_client):
    assert api_client.delete(URL).status_code == 401


def test_the_owner_lists_the_own_tokens_without_their_secret(api_client):
    UserFactory(username="anna")
    UserFactory(username="ben")
    first, second = sign_in(api_client)["token"], sign_in(api_client)["token"]
    sign_in(api_client, "ben")

    listed = with_token(second).get(TOKENS)

    assert listed.status_code == 200
    rows = listed.json()["results"]
    assert len(rows) == 2
    assert {row["id"] for row in rows} == {first[:15], second[:15]}
    assert [row["current"] for row in rows if row["id"] == second[:15]] == [True]
    assert [row["current"] for row in rows if row["id"] == first[:15]] == [False]
    assert all(set(row) == {"id", "created", "expiry", "current"} for row in rows)
    assert first not in listed.content.decode() and second not in listed.content.decode()


def test_the_owner_revokes_one_token_by_its_id(api_client):
    UserFactory(username="anna")
    first, second = sign_in(api_client)["token"], sign_in(api_client)["token"]

    response = with_token(second).delete(f"{TOKENS}{first[:15]}/")

    assert response.status_code == 204
    assert not works(first)
    assert works(second)


def test_nobody_revokes_another_persons_token(api_client):
    UserFactory(username="anna")
    UserFactory(username="ben")
    annas = sign_in(api_client)["token"]
    bens = sign_in(api_client, "ben")["token"]

    response = with_token(bens).delete(f"{TOKENS}{annas[:15]}/")

    assert response.status_code == 404
    assert works(annas)


def test_the_token_list_needs_credentials(api_client):
    assert api_client.get(TOKENS).status_code == 401
    assert api_client.delete(f"{TOKENS}abc/").status_code == 401


@pytest.mark.parametrize(
    "body",
    [
        {"username": "anna", "password": "wrong"},
        {"username": "nobody", "password": PASSWORD},
        {"username": "anna"},
        {},
        {"username": ["anna"], "password": PASSWORD},
        {"username": "a" * 10_000, "password": PASSWORD},
        {"username": "anna", "password": "p" * 100_000},
    ],
)
def test_wrong_or_malformed_credentials_answer_400_without_a_token(api_client, body):
    UserFactory(username="anna")

    response = api_client.post(URL, body, format="json")

    assert response.status_code == 400
    assert "token" not in response.json()
    assert not AuthToken.objects.exists()


def test_a_stale_token_in_the_header_does_not_stop_signing_in_with_a_password(api_client):
    UserFactory(username="anna")
    client = with_token("0" * 64)
    assert client.post(URL, {"username": "anna", "password": PASSWORD}).status_code == 200


def test_a_body_that_is_not_json_answers_400(api_client):
    response = api_client.post(URL, "{not json", content_type="application/json")
    assert response.status_code == 400


def test_requests_without_credentials_answer_401(api_client):
    response = api_client.get("/api/v1/languages/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"


@pytest.mark.parametrize("header", ["Token " + "0" * 64, "Token " + "0" * 40, "Token x y"])
def test_an_unknown_token_answers_401(api_client, header):
    api_client.credentials(HTTP_AUTHORIZATION=header)
    assert api_client.get("/api/v1/languages/").status_code == 401


def test_an_inactive_persons_token_answers_401(api_client):
    user = UserFactory(username="anna")
    token = sign_in(api_client)["token"]
    user.is_active = False
    user.save(update_fields=["is_active"])
    assert not works(token)


def test_password_guessing_is_throttled_with_429(api_client):
    UserFactory(username="anna")
    rates = {**api_settings.DEFAULT_THROTTLE_RATES, "auth": "3/minute"}
    rest_framework = {**_rest_framework_settings(), "DEFAULT_THROTTLE_RATES": rates}

    with override_settings(REST_FRAMEWORK=rest_framework):
        answers = [
            api_client.post(URL, {"username": "anna", "password": "guess"}).status_code
            for _ in range(4)
        ]
        correct = api_client.post(URL, {"username": "anna", "password": PASSWORD})

    assert answers == [400, 400, 400, 429]
    assert correct.status_code == 429
    assert not AuthToken.objects.exists()


def _rest_framework_settings():
    from django.conf import settings

    return dict(settings.REST_FRAMEWORK)


def test_the_browser_session_authenticates_and_changes_need_the_csrf_token(client):
    from django.http import HttpRequest

    from tests.institutions.factories import CoordinatorFactory
    from tests.support.two_factor import mark_verified

    coordinator = CoordinatorFactory(user__username="koordination")
    browser = APIClient(enforce_csrf_checks=True)
    # authenticate() goes through the lock-out, which needs the request.
    assert browser.login(request=HttpRequest(), username="koordination", password=PASSWORD)
    mark_verified(browser, coordinator.user)

    read = browser.get("/api/v1/institutions/")
    change = browser.post(
        "/api/v1/institutions/",
        {"name": "Jugendamt", "kind": "youth_office", "town": "Viersen"},
        format="json",
    )

    assert read.status_code == 200
    assert change.status_code == 403
    assert "CSRF" in change.json()["detail"]
    assert not coordinator.pool.institutions.exists()


# Taking everything back -------------------------------------------------------------------


def browser_of(user) -> Client:
    browser = Client()
    browser.force_login(user)
    assert browser.get("/").status_code in (200, 302)
    return browser


def signed_in(browser: Client) -> bool:
    response = browser.get("/api/v1/languages/")
    assert response.status_code in (200, 401)
    return response.status_code == 200


def test_a_password_change_revokes_every_token_and_every_other_session(api_client):
    user = UserFactory(username="anna")
    tokens = [sign_in(api_client)["token"] for _ in range(2)]
    phone, laptop = browser_of(user), browser_of(user)

    response = laptop.post(
        "/accounts/password_change/",
        {
            "old_password": PASSWORD,
            "new_password1": "a-new-pass-phrase-2026",
            "new_password2": "a-new-pass-phrase-2026",
        },
    )

    assert response.status_code == 302
    assert not any(works(token) for token in tokens)
    assert not AuthToken.objects.filter(user=user).exists()
    assert not signed_in(phone)
    assert signed_in(laptop)  # the session that changed it goes on


def test_a_password_reset_revokes_every_token_and_session(api_client):
    user = UserFactory(username="anna")
    token = sign_in(api_client)["token"]
    phone = browser_of(user)
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    link = f"/accounts/reset/{uid}/{default_token_generator.make_token(user)}/"
    visitor = Client()
    form = visitor.get(link, follow=True)
    assert form.status_code == 200

    response = visitor.post(
        form.redirect_chain[-1][0],
        {"new_password1": "a-new-pass-phrase-2026", "new_password2": "a-new-pass-phrase-2026"},
    )

    assert response.status_code == 302
    assert not works(token)
    assert not signed_in(phone)


def test_a_coordinators_pause_revokes_the_mediators_tokens_and_sessions(api_client):
    mediator = MediatorFactory(user__username="amal")
    token = sign_in(api_client, "amal")["token"]
    phone = browser_of(mediator.user)

    mediator_pause(mediator=mediator, by=None, reason="Rückfrage zum Führungszeugnis")

    assert not works(token)
    assert not signed_in(phone)


def test_other_changes_of_a_mediator_revoke_nothing(api_client):
    mediator = MediatorFactory(user__username="amal")
    token = sign_in(api_client, "amal")["token"]

    mediator_update(mediator=mediator, data={"phone": "+49 2162 1234"})
    mediator_update(mediator=mediator, data={"active": True})

    assert works(token)


def test_revoking_all_leaves_other_people_alone(api_client):
    anna = UserFactory(username="anna")
    ben = UserFactory(username="ben")
    bens_token = sign_in(api_client, "ben")["token"]
    bens_browser = browser_of(ben)
    browser_of(anna)

    revoked = credentials_revoke_all(anna)

    assert revoked == 1  # anna's one session
    assert works(bens_token)
    assert signed_in(bens_browser)
    assert Session.objects.filter(expire_date__gt=timezone.now()).count() == 1


# The profile page's section -----------------------------------------------------------------


def test_the_mediator_sees_and_revokes_tokens_on_the_profile_page(api_client):
    mediator = MediatorFactory(user__username="amal")
    first, second = sign_in(api_client, "amal")["token"], sign_in(api_client, "amal")["token"]
    browser = Client(HTTP_ACCEPT_LANGUAGE="en")
    browser.force_login(mediator.user)

    page = browser.get("/mediator/profile/").content.decode()
    assert first[:8] in page and second[:8] in page
    assert first not in page and second not in page

    answer = browser.post(
        "/account/api-tokens/", {"revoke": first[:15], "next": "/mediator/profile/"}
    )
    assert answer.status_code == 302 and answer["Location"] == "/mediator/profile/"
    assert not works(first) and works(second)

    browser.post("/account/api-tokens/", {"revoke_all": "1", "next": "https://evil.example/"})
    assert not works(second)


def test_the_token_page_shows_only_the_own_tokens_and_refuses_others(api_client):
    UserFactory(username="anna")
    ben = UserFactory(username="ben")
    annas = sign_in(api_client)["token"]
    browser = Client(HTTP_ACCEPT_LANGUAGE="en")
    browser.force_login(ben)

    page = browser.get("/account/api-tokens/")
    browser.post("/account/api-tokens/", {"revoke": annas[:15]})

    assert page.status_code == 200
    assert annas[:8] not in page.content.decode()
    assert works(annas)
    assert Client().get("/account/api-tokens/").status_code == 302
