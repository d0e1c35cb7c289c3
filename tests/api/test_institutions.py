"""Institutions and their locations through the API."""

import pytest

from institutions.models import Institution, Location
from tests.api.queries import assert_queries_do_not_grow
from tests.institutions.factories import InstitutionFactory, LocationFactory

pytestmark = pytest.mark.django_db

LIST = "/api/v1/institutions/"


def test_a_coordinator_lists_the_institutions_of_the_pool_with_their_locations(world):
    response = world.client("coordinator").get(LIST)

    assert response.status_code == 200
    names = [row["name"] for row in response.json()["results"]]
    assert names == ["Grundschule Rahser", "Kita Sonnenschein"]
    first = response.json()["results"][0]
    assert first["kind"] == "school"
    assert first["town"] == "Viersen"
    assert first["locations"][0]["id"] == world.location.pk
    assert set(first["locations"][0]) == {
        "id",
        "name",
        "address",
        "postal_code",
        "town",
        "latitude",
        "longitude",
    }


def test_institution_staff_see_only_their_own_institution(world):
    response = world.client("requester").get(LIST)

    assert [row["id"] for row in response.json()["results"]] == [world.institution.pk]


def test_the_list_filters_by_kind_and_name(world):
    client = world.client("coordinator")

    by_kind = client.get(LIST, {"kind": "school"}).json()["results"]
    by_name = client.get(LIST, {"name": "sonnen"}).json()["results"]

    assert [row["id"] for row in by_kind] == [world.institution.pk, world.other_institution.pk]
    assert [row["id"] for row in by_name] == [world.other_institution.pk]


def test_an_unknown_filter_value_answers_400(world):
    response = world.client("coordinator").get(LIST, {"kind": "castle"})
    assert response.status_code == 400
    assert "kind" in response.json()


def test_a_coordinator_adds_an_institution_to_the_own_pool(world):
    body = {"name": "Jugendamt Viersen", "kind": "youth_office", "town": "viersen"}

    response = world.client("coordinator").post(LIST, body, format="json")

    assert response.status_code == 201
    created = Institution.objects.get(pk=response.json()["id"])
    assert created.pool == world.pool
    assert created.town.name == "Viersen"
    assert response.json()["locations"] == []


@pytest.mark.parametrize(
    "body, field",
    [
        ({"name": "X", "kind": "castle", "town": "Viersen"}, "kind"),
        ({"name": "X", "kind": "school", "town": "Atlantis"}, "town"),
        ({"name": "", "kind": "school", "town": "Viersen"}, "name"),
        ({"name": "X" * 10_000, "kind": "school", "town": "Viersen"}, "name"),
        ({"name": "X", "kind": "school", "town": "Viersen", "email": "no-mail"}, "email"),
        ({"name": ["X"], "kind": "school", "town": "Viersen"}, "name"),
    ],
)
def test_invalid_institutions_answer_400_and_store_nothing(world, body, field):
    before = Institution.objects.count()

    response = world.client("coordinator").post(LIST, body, format="json")

    assert response.status_code == 400
    assert field in response.json()
    assert Institution.objects.count() == before


def test_a_coordinator_changes_an_institution_of_the_pool(world):
    url = f"{LIST}{world.other_institution.pk}/"

    response = world.client("coordinator").patch(url, {"phone": "02162 123"}, format="json")

    assert response.status_code == 200
    world.other_institution.refresh_from_db()
    assert world.other_institution.phone == "02162 123"
    assert world.other_institution.name == "Kita Sonnenschein"


def test_staff_may_read_but_never_change_their_institution(world):
    url = f"{LIST}{world.institution.pk}/"

    read = world.client("admin").get(url)
    change = world.client("admin").patch(url, {"name": "Neu"}, format="json")

    assert read.status_code == 200
    assert change.status_code == 403
    world.institution.refresh_from_db()
    assert world.institution.name == "Grundschule Rahser"


def test_an_institution_of_another_pool_answers_404_to_a_coordinator(world):
    url = f"{LIST}{world.foreign_institution.pk}/"

    assert world.client("coordinator").get(url).status_code == 404
    assert world.client("coordinator").patch(url, {"name": "X"}, format="json").status_code == 404


def test_a_location_with_a_known_postal_code_takes_town_and_coordinates_from_it(world):
    url = f"{LIST}{world.institution.pk}/locations/"
    body = {"name": "Turnhalle", "address": "Hauptstraße 1", "postal_code": "41749"}

    response = world.client("admin").post(url, body, format="json")

    assert response.status_code == 201
    location = Location.objects.get(pk=response.json()["id"])
    assert location.institution == world.institution
    assert location.town.name == "Viersen"
    assert (location.latitude, location.longitude) == (51.2860, 6.3780)


def test_a_location_with_an_unknown_postal_code_needs_coordinates(world):
    url = f"{LIST}{world.institution.pk}/locations/"
    body = {"name": "Außenstelle", "address": "Weg 2", "postal_code": "99999"}
    client = world.client("coordinator")
    before = Location.objects.count()

    refused = client.post(url, body, format="json")
    accepted = client.post(
        url, {**body, "town": "Viersen", "latitude": 51.3, "longitude": 6.4}, format="json"
    )

    assert refused.status_code == 400
    assert "postal_code" in refused.json()
    assert accepted.status_code == 201
    assert Location.objects.count() == before + 1


@pytest.mark.parametrize(
    "extra, field",
    [
        ({"postal_code": "4174"}, "postal_code"),
        ({"postal_code": "abcde"}, "postal_code"),
        ({"latitude": 91, "longitude": 6.4}, "latitude"),
        ({"latitude": "north", "longitude": 6.4}, "latitude"),
        ({"latitude": 51.3}, "latitude"),
        ({"address": "A" * 201}, "address"),
    ],
)
def test_invalid_locations_answer_400_and_store_nothing(world, extra, field):
    url = f"{LIST}{world.institution.pk}/locations/"
    body = {"name": "Turnhalle", "address": "Hauptstraße 1", "postal_code": "41749", **extra}
    before = Location.objects.count()

    response = world.client("admin").post(url, body, format="json")

    assert response.status_code == 400
    assert field in response.json()
    assert Location.objects.count() == before


def test_requesters_read_locations_but_may_not_add_them(world):
    url = f"{LIST}{world.institution.pk}/locations/"
    body = {"name": "Turnhalle", "address": "Hauptstraße 1", "postal_code": "41749"}

    listed = world.client("requester").get(url)
    added = world.client("requester").post(url, body, format="json")

    assert [row["id"] for row in listed.json()["results"]] == [world.location.pk]
    assert added.status_code == 403
    assert Location.objects.filter(name="Turnhalle").count() == 0


def test_an_admin_cannot_add_a_location_to_another_institution(world):
    url = f"{LIST}{world.other_institution.pk}/locations/"
    body = {"name": "Turnhalle", "address": "Hauptstraße 1", "postal_code": "41749"}

    response = world.client("admin").post(url, body, format="json")

    assert response.status_code == 404
    assert not world.other_institution.locations.filter(name="Turnhalle").exists()


def test_listing_institutions_takes_the_same_queries_for_2_or_20_rows(world):
    client = world.client("coordinator")

    def add_rows(n):
        for _ in range(n):
            institution = InstitutionFactory(pool=world.pool, town=world.institution.town)
            LocationFactory(institution=institution)
            LocationFactory(institution=institution)

    queries = assert_queries_do_not_grow(
        request=lambda: client.get(LIST, {"page_size": 100}),
        add_rows=add_rows,
        count=lambda: client.get(LIST, {"page_size": 100}).json()["count"] - 2,
    )
    assert queries <= 4
