"""Institution services: institutions and the places where appointments happen."""

import pytest

from core.exceptions import DomainError
from institutions.models import Institution, Location
from institutions.selectors import town_by_name
from institutions.services import institution_create, institution_update, location_create
from tests.institutions.factories import InstitutionFactory, PoolFactory, TownFactory

pytestmark = pytest.mark.django_db


def _viersen():
    return town_by_name("Viersen")


def test_a_location_takes_town_and_coordinates_from_a_known_postal_code():
    institution = InstitutionFactory()

    location = location_create(
        institution=institution, name="Aula", address="Gereonsplatz 1", postal_code="41751"
    )

    assert location.town == _viersen()
    assert (location.latitude, location.longitude) == (51.2530, 6.3370)


def test_given_coordinates_win_over_the_postal_code():
    location = location_create(
        institution=InstitutionFactory(),
        name="Turnhalle",
        address="Weg 1",
        postal_code="41751",
        latitude=51.25,
        longitude=6.34,
    )
    assert (location.latitude, location.longitude) == (51.25, 6.34)


@pytest.mark.parametrize(
    "extra, field",
    [
        ({"postal_code": "99999"}, "postal_code"),
        ({"postal_code": "99999", "latitude": 51.0, "longitude": 6.0}, "town"),
        ({"latitude": 51.0}, "latitude"),
    ],
)
def test_a_location_that_cannot_be_placed_is_refused_and_nothing_is_stored(extra, field):
    institution = InstitutionFactory()
    kwargs = {"name": "Aula", "address": "Weg 1", "postal_code": "41751", **extra}

    with pytest.raises(DomainError) as refused:
        location_create(institution=institution, **kwargs)

    assert refused.value.field == field
    assert not Location.objects.filter(institution=institution).exists()


def test_an_institution_is_created_in_the_given_pool():
    pool = PoolFactory()

    institution = institution_create(
        pool=pool, name="Kita Regenbogen", kind="kindergarten", town=_viersen()
    )

    assert Institution.objects.get(pk=institution.pk).pool == pool


def test_updating_an_institution_changes_only_the_given_fields_and_never_the_pool():
    institution = InstitutionFactory(name="Alt", phone="1")
    pool = institution.pool

    institution_update(
        institution=institution, data={"name": "Neu", "pool": PoolFactory(), "town": TownFactory()}
    )

    institution.refresh_from_db()
    assert institution.name == "Neu"
    assert institution.phone == "1"
    assert institution.pool == pool


def test_a_town_name_shared_by_two_districts_is_resolved_within_the_pools_district():
    TownFactory(name="Neustadt", district="Kreis A")
    mine = TownFactory(name="Neustadt", district="Kreis B")

    assert town_by_name("neustadt", district="Kreis B") == mine
    assert town_by_name("Neustadt", district="Kreis C") is None
