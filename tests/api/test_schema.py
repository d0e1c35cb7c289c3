"""The OpenAPI schema is valid, warning-free and served with local docs."""

import pytest
from django.core.management import call_command
from django.test import override_settings

from tests.institutions.factories import UserFactory


def test_the_schema_validates_without_a_single_warning(tmp_path):
    target = tmp_path / "schema.yml"

    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))

    text = target.read_text()
    assert "/api/v1/languages/" in text


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/api/v1/docs/", "/api/v1/redoc/"])
def test_schema_and_docs_are_served_without_any_cdn(client, path):
    client.force_login(UserFactory())
    schema = client.get("/api/v1/schema/")
    docs = client.get(path)

    assert schema.status_code == 200
    assert b"/api/v1/languages/" in schema.content
    assert docs.status_code == 200
    page = docs.content.decode()
    assert "cdn." not in page and "googleapis" not in page
    assert "/static/drf_spectacular_sidecar/" in page
    assert "<script>" not in page and "<style" not in page and "style=" not in page


@pytest.mark.django_db
def test_schema_and_docs_need_sign_in(client, api_client):
    assert api_client.get("/api/v1/schema/").status_code == 401
    for path in ("/api/v1/docs/", "/api/v1/redoc/"):
        response = client.get(path)
        assert response.status_code == 302
        assert response["Location"].startswith(f"/accounts/login/?next={path}")


@pytest.mark.django_db
def test_a_token_opens_the_schema(api_client):
    user = UserFactory(username="anna")
    token = api_client.post(
        "/api/v1/auth/token/", {"username": "anna", "password": "secret-pass-123"}
    ).json()["token"]
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert user.is_active
    assert api_client.get("/api/v1/schema/").status_code == 200


@pytest.mark.django_db
@override_settings(API_DOCS_PUBLIC=True)
def test_a_setting_makes_schema_and_docs_public(client, api_client):
    assert api_client.get("/api/v1/schema/").status_code == 200
    assert client.get("/api/v1/docs/").status_code == 200
    assert client.get("/api/v1/redoc/").status_code == 200


@pytest.mark.django_db
def test_only_the_docs_pages_relax_the_content_security_policy(client):
    client.force_login(UserFactory())
    docs = client.get("/api/v1/docs/")["Content-Security-Policy"]
    redoc = client.get("/api/v1/redoc/")["Content-Security-Policy"]
    home = client.get("/accounts/login/")["Content-Security-Policy"]

    assert "style-src 'self' 'unsafe-inline'" in docs
    assert "style-src 'self' 'unsafe-inline'" in redoc
    assert "unsafe-inline" not in home
    for policy in (docs, redoc, home):
        assert "script-src 'self'" in policy
        assert "unsafe-inline" not in policy.split("script-src")[1].split(";")[0]
        assert "unsafe-eval" not in policy


def test_every_operation_documents_the_outage_answer_with_its_retry_after():
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)

    operations = [
        (method, path, operation)
        for path, methods in schema["paths"].items()
        for method, operation in methods.items()
    ]
    assert operations
    for method, path, operation in operations:
        outage = operation["responses"].get("503")
        assert outage is not None, (method, path)
        assert outage["content"]["application/json"]["schema"] == {
            "$ref": "#/components/schemas/Error"
        }
        assert outage["headers"]["Retry-After"]["schema"]["type"] == "integer", (method, path)
        assert "Retry-After" in operation["responses"]["429"]["headers"], (method, path)
