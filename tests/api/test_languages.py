"""GET /api/v1/languages/: code, name in the request's language, dialects."""

import pytest

from tests.institutions.factories import UserFactory
from tests.mediators.factories import DialectFactory, LanguageFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/languages/"


def _a_language_with_a_dialect():
    """qaa is reserved for local use by ISO 639-3, so it never clashes with seeded rows."""
    language = LanguageFactory(code="qaa", name_de="Beispielisch", name_en="Examplish")
    DialectFactory(language=language, code="north", name_de="Nördlich", name_en="Northern")


def test_any_signed_in_user_sees_languages_with_their_dialects(client_for):
    _a_language_with_a_dialect()
    client = client_for(UserFactory())

    response = client.get(URL, {"page_size": 200}, HTTP_ACCEPT_LANGUAGE="de")

    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"count", "next", "previous", "results"}
    row = next(row for row in body["results"] if row["code"] == "qaa")
    assert row == {
        "code": "qaa",
        "name": "Beispielisch",
        "dialects": [{"code": "north", "name": "Nördlich"}],
    }


def test_names_follow_the_language_of_the_request(client_for):
    _a_language_with_a_dialect()
    client = client_for(UserFactory())

    response = client.get(URL, {"page_size": 200}, HTTP_ACCEPT_LANGUAGE="en")

    row = next(row for row in response.json()["results"] if row["code"] == "qaa")
    assert row["name"] == "Examplish"
    assert row["dialects"][0]["name"] == "Northern"


def test_the_number_of_queries_does_not_grow_with_the_languages(
    client_for, django_assert_max_num_queries
):
    client = client_for(UserFactory())
    for i in range(20):
        language = LanguageFactory(code=f"x{i:02d}", name_de=f"S{i}", name_en=f"L{i}")
        DialectFactory(language=language, code="d1")
        DialectFactory(language=language, code="d2")

    with django_assert_max_num_queries(4):
        response = client.get(URL)

    assert response.json()["count"] >= 20
