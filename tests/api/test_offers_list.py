"""A mediator's list of their offers: what each row says of the booking."""

import pytest

from bookings.constants import Mode, OfferStatus, Status
from tests.bookings.factories import BookingFactory, OfferFactory
from tests.institutions.factories import LocationFactory, TownFactory

pytestmark = pytest.mark.django_db

LIST = "/api/v1/offers/"


def test_a_row_names_the_town_of_the_place_or_else_of_the_institution(world):
    elsewhere = LocationFactory(institution=world.institution, town=TownFactory(name="Nettetal"))
    on_site = BookingFactory(
        institution=world.institution, location=elsewhere, status=Status.OFFERED
    )
    by_phone = BookingFactory(
        institution=world.other_institution,
        location=None,
        mode=Mode.PHONE,
        dial_in_number="+49 2162 1",
        status=Status.OFFERED,
    )
    first = OfferFactory(booking=on_site, mediator=world.mediator)
    second = OfferFactory(booking=by_phone, mediator=world.mediator)

    rows = {row["id"]: row for row in world.client("mediator").get(LIST).json()["results"]}

    assert rows[first.pk]["town"] == "Nettetal" != world.institution.town.name
    assert rows[second.pk]["town"] == world.other_institution.town.name
    assert rows[first.pk]["language"] == on_site.language.code
    assert rows[second.pk]["mode"] == "phone" and rows[second.pk]["booking_status"] == "offered"


def test_an_answered_offer_names_the_same_town_as_its_row(world):
    booking = world.booking("own", status=Status.OFFERED)
    offer = OfferFactory(booking=booking, mediator=world.mediator, status=OfferStatus.PENDING)
    client = world.client("mediator")
    row = client.get(LIST, {"status": "pending"}).json()["results"][0]

    answer = client.post(f"{LIST}{offer.pk}/decline/")

    assert answer.status_code == 200, answer.json()
    assert answer.json()["town"] == row["town"] == world.location.town.name
