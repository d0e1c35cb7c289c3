"""The OpenAPI schema is valid, warning-free and served with local docs."""

import pytest
from django.core.management import call_command


def test_the_schema_validates_without_a_single_warning(tmp_path):
    target = tmp_path / "schema.yml"

    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))

    text = target.read_text()
    assert "/api/v1/languages/" in text


@pytest.mark.django_db
def test_schema_and_docs_are_served_without_any_cdn(client):
    schema = client.get("/api/v1/schema/")
    docs = client.get("/api/v1/docs/")

    assert schema.status_code == 200
    assert b"/api/v1/languages/" in schema.content
    assert docs.status_code == 200
    page = docs.content.decode()
    assert "cdn." not in page
    assert "/static/drf_spectacular_sidecar/" in page
