"""GET /api/v1/languages/: code, name in the request's language, dialects."""

import pytest

from tests.institutions.factories import UserFactory
from tests.mediators.factories import DialectFactory, LanguageFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/languages/"


def _arabic_with_a_dialect():
    arabic = LanguageFactory(code="ara", name_de="Arabisch", name_en="Arabic")
    DialectFactory(language=arabic, code="levantine", name_de="Levantinisch", name_en="Levantine")
    LanguageFactory(code="tir", name_de="Tigrinya", name_en="Tigrinya")


def test_any_signed_in_user_sees_languages_with_their_dialects(client_for):
    _arabic_with_a_dialect()
    client = client_for(UserFactory())

    response = client.get(URL, HTTP_ACCEPT_LANGUAGE="de")

    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"count", "next", "previous", "results"}
    arabic = next(row for row in body["results"] if row["code"] == "ara")
    assert arabic == {
        "code": "ara",
        "name": "Arabisch",
        "dialects": [{"code": "levantine", "name": "Levantinisch"}],
    }


def test_names_follow_the_language_of_the_request(client_for):
    _arabic_with_a_dialect()
    client = client_for(UserFactory())

    response = client.get(URL, HTTP_ACCEPT_LANGUAGE="en")

    arabic = next(row for row in response.json()["results"] if row["code"] == "ara")
    assert arabic["name"] == "Arabic"
    assert arabic["dialects"][0]["name"] == "Levantine"


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
