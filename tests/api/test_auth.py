"""Token authentication: POST /api/v1/auth/token/ answers {"token": ...}."""

import pytest
from django.test import override_settings
from rest_framework.authtoken.models import Token
from rest_framework.settings import api_settings

from tests.institutions.factories import UserFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/auth/token/"


def test_valid_credentials_answer_a_token_that_authenticates_later_requests(api_client):
    user = UserFactory(username="anna")

    response = api_client.post(URL, {"username": "anna", "password": "secret-pass-123"})

    assert response.status_code == 200
    assert response.json() == {"token": Token.objects.get(user=user).key}
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {response.json()['token']}")
    assert api_client.get("/api/v1/languages/").status_code == 200


def test_asking_twice_answers_the_same_token(api_client):
    UserFactory(username="anna")
    first = api_client.post(URL, {"username": "anna", "password": "secret-pass-123"}).json()
    second = api_client.post(URL, {"username": "anna", "password": "secret-pass-123"}).json()
    assert first == second
    assert Token.objects.count() == 1


@pytest.mark.parametrize(
    "body",
    [
        {"username": "anna", "password": "wrong"},
        {"username": "nobody", "password": "secret-pass-123"},
        {"username": "anna"},
        {},
        {"username": ["anna"], "password": "secret-pass-123"},
        {"username": "a" * 10_000, "password": "secret-pass-123"},
        {"username": "anna", "password": "p" * 100_000},
    ],
)
def test_wrong_or_malformed_credentials_answer_400_without_a_token(api_client, body):
    UserFactory(username="anna")

    response = api_client.post(URL, body, format="json")

    assert response.status_code == 400
    assert "token" not in response.json()
    assert not Token.objects.exists()


def test_a_body_that_is_not_json_answers_400(api_client):
    response = api_client.post(URL, "{not json", content_type="application/json")
    assert response.status_code == 400


def test_requests_without_credentials_answer_401(api_client):
    response = api_client.get("/api/v1/languages/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"


def test_an_unknown_token_answers_401(api_client):
    api_client.credentials(HTTP_AUTHORIZATION="Token " + "0" * 40)
    assert api_client.get("/api/v1/languages/").status_code == 401


def test_password_guessing_is_throttled_with_429(api_client):
    UserFactory(username="anna")
    rates = {**api_settings.DEFAULT_THROTTLE_RATES, "auth": "3/minute"}
    rest_framework = {**_rest_framework_settings(), "DEFAULT_THROTTLE_RATES": rates}

    with override_settings(REST_FRAMEWORK=rest_framework):
        answers = [
            api_client.post(URL, {"username": "anna", "password": "guess"}).status_code
            for _ in range(4)
        ]
        correct = api_client.post(URL, {"username": "anna", "password": "secret-pass-123"})

    assert answers == [400, 400, 400, 429]
    assert correct.status_code == 429
    assert not Token.objects.exists()


def _rest_framework_settings():
    from django.conf import settings

    return dict(settings.REST_FRAMEWORK)


def test_the_browser_session_authenticates_and_changes_need_the_csrf_token(client):
    from django.http import HttpRequest
    from rest_framework.test import APIClient

    from tests.institutions.factories import CoordinatorFactory
    from tests.support.two_factor import mark_verified

    coordinator = CoordinatorFactory(user__username="koordination")
    browser = APIClient(enforce_csrf_checks=True)
    # authenticate() goes through the lock-out, which needs the request.
    assert browser.login(request=HttpRequest(), username="koordination", password="secret-pass-123")
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
