"""Towns and postal codes of Kreis Viersen, shipped as data with coordinates."""

import pytest

from institutions.data.kreis_viersen import DISTRICT, TOWNS, seed_towns
from institutions.models import PostalCode, Town
from institutions.selectors import coordinates_for_postal_code

pytestmark = pytest.mark.django_db

NINE_TOWNS = {
    "Viersen", "Nettetal", "Willich", "Tönisvorst", "Kempen", "Brüggen", "Niederkrüchten",
    "Schwalmtal", "Grefrath",
}  # fmt: skip

# The district lies roughly between Elmpt in the west and Willich in the east.
LAT_RANGE = (51.15, 51.45)
LON_RANGE = (6.10, 6.60)


def test_the_nine_towns_of_the_district_are_seeded():
    assert set(Town.objects.filter(district=DISTRICT).values_list("name", flat=True)) == NINE_TOWNS


def test_every_town_has_its_postal_codes():
    expected = {
        "Viersen": {"41747", "41748", "41749", "41751"},
        "Nettetal": {"41334"},
        "Willich": {"47877"},
        "Tönisvorst": {"47918"},
        "Kempen": {"47906"},
        "Brüggen": {"41379"},
        "Niederkrüchten": {"41372"},
        "Schwalmtal": {"41366"},
        "Grefrath": {"47929"},
    }
    for town, codes in expected.items():
        assert set(PostalCode.objects.filter(town__name=town).values_list("code", flat=True)) == (
            codes
        )


def test_every_coordinate_lies_inside_the_district():
    for lat, lon in [*Town.objects.values_list("latitude", "longitude")] + [
        *PostalCode.objects.values_list("latitude", "longitude")
    ]:
        assert LAT_RANGE[0] < lat < LAT_RANGE[1]
        assert LON_RANGE[0] < lon < LON_RANGE[1]


def test_a_postal_code_lies_near_its_town():
    for code in PostalCode.objects.select_related("town"):
        assert abs(code.latitude - code.town.latitude) < 0.06, code.code
        assert abs(code.longitude - code.town.longitude) < 0.06, code.code


def test_coordinates_for_a_known_postal_code():
    assert coordinates_for_postal_code("41751") == (51.2530, 6.3370)
    assert coordinates_for_postal_code(" 47906 ") == pytest.approx((51.37, 6.43))


@pytest.mark.parametrize("code", ["99999", "", "4174", "abcde", "417470", None])
def test_coordinates_for_an_unknown_or_malformed_postal_code_are_none(code):
    assert coordinates_for_postal_code(code) is None


def test_seeding_again_changes_no_counts():
    counts = (Town.objects.count(), PostalCode.objects.count())

    seed_towns(Town, PostalCode)

    assert (Town.objects.count(), PostalCode.objects.count()) == counts
    assert len(TOWNS) == 9
