"""Under /api/ every error is JSON, as the schema documents it; a NUL character never
reaches PostgreSQL (which cannot store or compare it) and answers 400 instead of a 500."""

import pytest

pytestmark = pytest.mark.django_db


def test_a_url_no_route_matches_answers_json_under_the_api_and_a_page_elsewhere(client_for, world):
    client = client_for(world.coordinator.user)

    api = client.get("/api/v1/bookings/-5/")
    page = client.get("/no-such-page/")

    assert api.status_code == 404 and api["Content-Type"] == "application/json"
    assert api.json() == {"detail": "Nicht gefunden."}  # German, the default language
    assert page.status_code == 404 and page["Content-Type"].startswith("text/html")


def test_a_nul_character_in_the_query_or_the_body_answers_400_and_changes_nothing(
    client_for, world
):
    from bookings.models import Booking

    client = client_for(world.requester.user)
    before = Booking.objects.count()

    in_query = client.get("/api/v1/bookings/?language=ar%00a")
    in_body = client.post(
        "/api/v1/bookings/",
        data='{"language": "ar\\u0000a", "starts_at": "2030-01-07T10:00:00+01:00"}',
        content_type="application/json",
    )
    in_page = client.get("/institution/bookings/?q=%00")

    assert in_query.status_code == 400 and "NUL" in in_query.json()["detail"]
    assert in_body.status_code == 400
    assert in_body.json() == {"language": ["Nullzeichen sind nicht erlaubt."]}  # a field error
    assert in_page.status_code == 400
    assert Booking.objects.count() == before


def test_every_operation_documents_its_error_answers():
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            codes = set(operation["responses"])
            assert {"400", "401", "403", "404", "429"} <= codes, (method, path)
            if method in ("post", "put", "patch", "delete"):
                assert "409" in codes, (method, path)
