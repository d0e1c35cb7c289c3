"""Coordinators onboard and keep mediators through the API."""

import datetime

import pytest
from django.contrib.auth import get_user_model

from mediators.models import ConflictOfInterest, Mediator, MediatorLanguage
from tests.api.queries import assert_queries_do_not_grow
from tests.institutions.factories import CoordinatorFactory, PoolFactory
from tests.mediators.factories import MediatorFactory, MediatorLanguageFactory

pytestmark = pytest.mark.django_db

LIST = "/api/v1/mediators/"


def _new_mediator(**extra):
    return {
        "first_name": "Amal",
        "last_name": "Haddad",
        "email": "Amal.Haddad@example.org",
        "gender": "female",
        "home_postal_code": "41751",
        "languages": [
            {"code": "ara", "dialect": "levantine", "level": "native"},
            {"code": "ukr", "level": "fluent"},
        ],
        "training_completed_on": "2026-01-20",
        "pledge_signed_on": "2026-01-20",
        **extra,
    }


def test_a_coordinator_onboards_a_mediator_with_languages_and_home_from_the_postal_code(world):
    response = world.client("coordinator").post(LIST, _new_mediator(), format="json")

    assert response.status_code == 201, response.json()
    mediator = Mediator.objects.get(pk=response.json()["id"])
    assert mediator.pool == world.pool
    assert mediator.user.email == "amal.haddad@example.org"
    assert not mediator.user.has_usable_password()
    assert (mediator.home_latitude, mediator.home_longitude) == (51.2530, 6.3370)
    assert sorted(response.json()["languages"], key=lambda row: row["code"]) == [
        {"code": "ara", "dialect": "levantine", "level": "native"},
        {"code": "ukr", "dialect": None, "level": "fluent"},
    ]
    assert response.json()["is_vetted"] is True
    assert response.json()["active"] is True


def test_a_mediator_onboarded_through_the_api_is_invited_to_choose_a_password(world):
    from notifications.constants import MessageKind
    from notifications.models import Message

    response = world.client("coordinator").post(LIST, _new_mediator(), format="json")

    assert response.status_code == 201
    (invitation,) = Message.objects.filter(recipient_email="amal.haddad@example.org")
    assert invitation.kind == MessageKind.ACCOUNT_INVITATION
    assert invitation.pool == world.pool


def test_an_unknown_postal_code_is_refused_unless_coordinates_are_given(world):
    client = world.client("coordinator")
    before = Mediator.objects.count()

    refused = client.post(
        LIST, _new_mediator(home_postal_code="10115"), format="json", HTTP_ACCEPT_LANGUAGE="en"
    )
    accepted = client.post(
        LIST,
        _new_mediator(home_postal_code="10115", home_latitude=52.53, home_longitude=13.38),
        format="json",
    )

    assert refused.status_code == 400
    assert "home_postal_code" in refused.json()
    assert "unknown postal code" in refused.json()["home_postal_code"][0].lower()
    assert accepted.status_code == 201
    assert Mediator.objects.count() == before + 1


@pytest.mark.parametrize(
    "extra, field",
    [
        ({"languages": [{"code": "xyz"}]}, "languages"),
        ({"languages": [{"code": "ukr", "dialect": "levantine"}]}, "languages"),
        ({"languages": [{"code": "ara", "level": "perfect"}]}, "languages"),
        ({"languages": [{"code": "ara"}, {"code": "ara"}]}, "languages"),
        ({"languages": {"code": "ara"}}, "languages"),
        ({"gender": "robot"}, "gender"),
        ({"email": "not-an-address"}, "email"),
        ({"home_postal_code": "4175"}, "home_postal_code"),
        ({"max_travel_km": 10**30}, "max_travel_km"),
        ({"max_hours_per_week": 0}, "max_hours_per_week"),
        ({"training_completed_on": "2026-02-30"}, "training_completed_on"),
        (
            {
                "police_certificate_inspected_on": "2026-02-01",
                "police_certificate_valid_until": "2025-02-01",
            },
            "police_certificate_valid_until",
        ),
        ({"declined_topics": ["knitting"]}, "declined_topics"),
        ({"first_name": "A" * 10_000}, "first_name"),
        ({"home_latitude": 52.5}, "home_latitude"),
    ],
)
def test_invalid_mediators_answer_400_with_the_field_and_store_nothing(world, extra, field):
    users_before = get_user_model().objects.count()
    mediators_before = Mediator.objects.count()

    response = world.client("coordinator").post(LIST, _new_mediator(**extra), format="json")

    assert response.status_code == 400, response.json()
    assert field in response.json()
    assert get_user_model().objects.count() == users_before
    assert Mediator.objects.count() == mediators_before


def test_an_email_address_in_use_answers_400(world):
    client = world.client("coordinator")
    client.post(LIST, _new_mediator(), format="json")

    again = client.post(LIST, _new_mediator(email="amal.haddad@EXAMPLE.org"), format="json")

    assert again.status_code == 400
    assert "email" in again.json()


def test_a_coordinator_records_vetting_dates_and_pauses_a_mediator(world):
    url = f"{LIST}{world.mediator.pk}/"
    body = {
        "police_certificate_inspected_on": "2026-03-01",
        "police_certificate_valid_until": "2031-03-01",
        "active": False,
    }

    response = world.client("coordinator").patch(url, body, format="json")

    assert response.status_code == 200
    world.mediator.refresh_from_db()
    assert world.mediator.police_certificate_valid_until == datetime.date(2031, 3, 1)
    assert world.mediator.active is False
    assert response.json()["active"] is False


def test_patching_languages_replaces_the_whole_list(world):
    MediatorLanguageFactory(mediator=world.mediator)
    url = f"{LIST}{world.mediator.pk}/"

    response = world.client("coordinator").patch(
        url, {"languages": [{"code": "tir", "level": "good"}]}, format="json"
    )

    assert response.status_code == 200
    assert response.json()["languages"] == [{"code": "tir", "dialect": None, "level": "good"}]
    assert list(
        MediatorLanguage.objects.filter(mediator=world.mediator).values_list(
            "language__code", flat=True
        )
    ) == ["tir"]


def test_a_new_home_postal_code_moves_the_home(world):
    url = f"{LIST}{world.mediator.pk}/"

    response = world.client("coordinator").patch(url, {"home_postal_code": "41366"}, format="json")

    assert response.status_code == 200
    world.mediator.refresh_from_db()
    assert (world.mediator.home_latitude, world.mediator.home_longitude) == (51.2210, 6.2590)


def test_the_list_filters_by_language_and_active(world):
    MediatorLanguageFactory(mediator=world.mediator)
    MediatorLanguageFactory(mediator=world.mediator, language__code="ukr")
    MediatorFactory(pool=world.pool, active=False)
    client = world.client("coordinator")

    speaks_arabic = client.get(LIST, {"language": "ara"}).json()["results"]
    paused = client.get(LIST, {"active": "false"}).json()["results"]

    assert [row["id"] for row in speaks_arabic] == [world.mediator.pk]
    assert len(paused) == 1
    assert paused[0]["active"] is False


def test_coordinators_see_only_the_mediators_of_their_pool(world):
    response = world.client("coordinator").get(LIST)

    ids = {row["id"] for row in response.json()["results"]}
    assert ids == {world.mediator.pk, world.other_mediator.pk}
    foreign = f"{LIST}{world.foreign_mediator.pk}/"
    assert world.client("coordinator").get(foreign).status_code == 404
    assert world.client("coordinator").patch(foreign, {"active": False}).status_code == 404
    world.foreign_mediator.refresh_from_db()
    assert world.foreign_mediator.active is True


def sharing_pool_with_a_mediator(world):
    """A pool that explicitly shares its mediators with the world's pool, and one of them."""
    sharing = PoolFactory(name="KI Stadt Krefeld", slug="ki-krefeld")
    sharing.shares_mediators_with.add(world.pool)
    return MediatorFactory(pool=sharing)


def test_coordinators_also_see_the_mediators_a_sharing_pool_lends_marked_as_shared(world):
    lent = sharing_pool_with_a_mediator(world)

    rows = world.client("coordinator").get(LIST).json()["results"]

    seen = {row["id"]: (row["pool"], row["shared"]) for row in rows}
    assert seen == {
        world.mediator.pk: (world.pool.slug, False),
        world.other_mediator.pk: (world.pool.slug, False),
        lent.pk: ("ki-krefeld", True),
    }


def test_a_lent_mediator_is_read_only_for_the_pool_that_borrows(world):
    lent = sharing_pool_with_a_mediator(world)
    client = world.client("coordinator")
    url = f"{LIST}{lent.pk}/"

    read = client.get(url)
    changed = client.patch(url, {"active": False}, format="json", HTTP_ACCEPT_LANGUAGE="en")
    conflicts = client.get(f"{url}conflicts/")
    declared = client.post(f"{url}conflicts/", {"case_reference": "FALL-7"}, format="json")

    assert read.status_code == 200 and read.json()["shared"] is True
    assert changed.status_code == 403
    assert "KI Stadt Krefeld" in changed.json()["detail"]
    assert conflicts.status_code == declared.status_code == 403
    lent.refresh_from_db()
    assert lent.active is True and not lent.conflicts.exists()


def test_the_lending_pool_keeps_its_mediator_as_its_own(world):
    lent = sharing_pool_with_a_mediator(world)
    own = CoordinatorFactory(pool=lent.pool)
    client = world.client("coordinator")
    client.force_authenticate(user=own.user)

    rows = client.get(LIST).json()["results"]
    changed = client.patch(f"{LIST}{lent.pk}/", {"active": False}, format="json")

    assert {row["id"]: row["shared"] for row in rows} == {
        lent.pk: False,
        world.mediator.pk: True,
        world.other_mediator.pk: True,
    }
    assert changed.status_code == 200 and changed.json()["active"] is False


def test_a_coordinator_records_a_conflict_of_interest_for_a_mediator(world):
    url = f"{LIST}{world.mediator.pk}/conflicts/"

    response = world.client("coordinator").post(
        url, {"institution": world.institution.pk, "case_reference": " FALL-7 "}, format="json"
    )

    assert response.status_code == 201
    conflict = ConflictOfInterest.objects.get(mediator=world.mediator)
    assert conflict.case_reference == "FALL-7"
    assert conflict.institution == world.institution
    assert conflict.recorded_by == world.coordinator.user


def test_listing_mediators_takes_the_same_queries_for_2_or_20_rows(world):
    client = world.client("coordinator")

    def add_rows(n):
        for _ in range(n):
            mediator = MediatorFactory(pool=world.pool)
            MediatorLanguageFactory(mediator=mediator)
            MediatorLanguageFactory(mediator=mediator, language__code="tir")

    assert_queries_do_not_grow(
        request=lambda: client.get(LIST, {"page_size": 100}),
        add_rows=add_rows,
        count=lambda: client.get(LIST, {"page_size": 100}).json()["count"] - 2,
    )
