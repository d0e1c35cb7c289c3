"""One-click answers to offers: signed, single use, expiring, bound to that offer.

GET only shows a confirmation page (mail scanners fetch links); the page's POST answers.
"""

import re
from urllib.parse import urlparse

import pytest
from django.test import Client

from bookings.constants import OfferStatus, Status
from bookings.messages.hooks import offer_made_notify
from bookings.messages.links import offer_link_token
from bookings.models import Booking, BookingEvent
from core.time import local_date
from notifications.constants import MessageKind
from notifications.models import Message, OfferLinkUse
from notifications.rendering import render_email
from tests.bookings.factories import OfferFactory
from tests.bookings.matching.scenario import make_booking, make_mediator, make_pool
from tests.institutions.factories import UserFactory
from tests.mediators.factories import AbsenceFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def offer():
    pool = make_pool()
    mediator = make_mediator(pool, user=UserFactory(username="mona"))
    mediator.language = "en"  # the language of their messages and pages
    mediator.save(update_fields=["language"])
    booking = make_booking(pool, status=Status.OFFERED)
    offer = OfferFactory(booking=booking, mediator=mediator)
    offer_made_notify(offer=offer)
    return offer


def links(offer):
    message = Message.objects.get(kind=MessageKind.OFFER_MADE, offer=offer)
    body = render_email(message).body
    found = dict(re.findall(r"^(Accept|Decline):\n(\S+)$", body, flags=re.M))
    return {action.lower(): urlparse(url).path for action, url in found.items()}


def browser():
    return Client(enforce_csrf_checks=True)


def post_from_page(client, path):
    """What a person does: open the link, then press the button (with the CSRF token)."""
    page = client.get(path)
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page.content).group(1)
    return client.post(path, {"csrfmiddlewaretoken": token.decode()})


def unchanged(offer):
    offer.refresh_from_db()
    booking = Booking.objects.get(pk=offer.booking_id)
    return (
        offer.status == OfferStatus.PENDING
        and booking.status == Status.OFFERED
        and not OfferLinkUse.objects.exists()
        and not BookingEvent.objects.filter(booking=booking).exists()
    )


def test_opening_a_link_only_shows_a_confirmation_page_in_the_mediators_language(offer):
    client = browser()

    first = client.get(links(offer)["accept"])
    second = client.get(links(offer)["accept"])  # a mail scanner fetching it again

    assert first.status_code == second.status_code == 200
    assert b"Accept this appointment?" in first.content
    assert b'<form method="post">' in first.content
    assert unchanged(offer)


def test_pressing_accept_confirms_the_booking_for_that_mediator(offer):
    response = post_from_page(browser(), links(offer)["accept"])

    assert response.status_code == 200
    assert b"the appointment is yours" in response.content
    offer.refresh_from_db()
    booking = Booking.objects.get(pk=offer.booking_id)
    assert offer.status == OfferStatus.ACCEPTED
    assert (booking.status, booking.mediator_id) == (Status.CONFIRMED, offer.mediator_id)
    assert OfferLinkUse.objects.get().offer == offer


def test_pressing_decline_declines_and_changes_nothing_else(offer):
    response = post_from_page(browser(), links(offer)["decline"])

    assert response.status_code == 200
    offer.refresh_from_db()
    assert offer.status == OfferStatus.DECLINED
    assert Booking.objects.get(pk=offer.booking_id).mediator_id is None


def test_a_used_link_shows_a_clear_page_and_changes_nothing(offer):
    paths = links(offer)
    post_from_page(browser(), paths["decline"])
    events = BookingEvent.objects.count()

    again = Client().post(paths["decline"])
    other = Client().post(paths["accept"])  # the same e-mail's other link

    assert again.status_code == other.status_code == 410
    assert b"already been answered" in other.content
    offer.refresh_from_db()
    assert offer.status == OfferStatus.DECLINED
    assert BookingEvent.objects.count() == events
    assert OfferLinkUse.objects.count() == 1


@pytest.mark.parametrize("method", ["get", "post"])
def test_a_tampered_link_shows_a_clear_page_and_changes_nothing(offer, method):
    path = links(offer)["decline"]
    token = path.removeprefix("/offers/answer/").removesuffix("/")
    forged = offer_link_token(
        offer_id=offer.pk, mediator_id=offer.mediator_id, link_id="x", action="accept"
    )
    tampered = [
        token[:-2] + ("AA" if not token.endswith("AA") else "BB"),
        forged.split(":")[0] + ":" + token.split(":", 1)[1],  # payload swapped
        "garbage",
    ]

    for bad in tampered:
        response = getattr(Client(), method)(f"/offers/answer/{bad}/")
        assert response.status_code == 400, bad
        assert b"This link is not valid" in response.content or b"nicht" in response.content

    assert unchanged(offer)


def test_an_expired_link_shows_a_clear_page_and_changes_nothing(offer, settings):
    path = links(offer)["accept"]
    settings.NOTIFICATIONS_OFFER_LINK_MAX_AGE_SECONDS = -1

    response = Client().post(path)

    assert response.status_code == 410
    assert b"This link has expired" in response.content  # still in the mediator's language
    assert unchanged(offer)


def test_an_offer_past_its_expiry_shows_the_expired_page(offer):
    from django.utils import timezone

    type(offer).objects.filter(pk=offer.pk).update(expires_at=timezone.now())

    response = browser().get(links(offer)["accept"])

    assert response.status_code == 410 and b"expired" in response.content


def test_an_offer_taken_by_someone_else_shows_that_it_is_no_longer_open(offer):
    type(offer).objects.filter(pk=offer.pk).update(status=OfferStatus.WITHDRAWN)

    response = browser().get(links(offer)["accept"])

    assert response.status_code == 410
    assert b"no longer open" in response.content


def test_a_booking_taken_between_page_and_button_answers_409_and_changes_nothing(offer):
    client = browser()
    path = links(offer)["accept"]
    page = client.get(path)
    Booking.objects.filter(pk=offer.booking_id).update(status=Status.CANCELLED)

    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page.content).group(1)
    response = client.post(path, {"csrfmiddlewaretoken": token.decode()})

    assert response.status_code == 409
    assert b"Someone else was faster" in response.content
    offer.refresh_from_db()
    assert offer.status == OfferStatus.PENDING
    assert not OfferLinkUse.objects.exists()  # the link still counts as unused


def test_a_link_of_a_german_speaking_mediator_answers_in_german(offer):
    offer.mediator.language = "de"
    offer.mediator.save()

    response = browser().get(links(offer)["decline"])

    assert "Diesen Termin absagen?" in response.content.decode()


def test_an_accept_by_a_mediator_no_longer_eligible_withdraws_the_offer(offer):
    # Offers follow eligibility: the answer is 409, and the offer does not stay pending.
    booking = Booking.objects.get(pk=offer.booking_id)
    AbsenceFactory(
        mediator=offer.mediator,
        starts_on=local_date(booking.starts_at),
        ends_on=local_date(booking.starts_at),
    )

    response = post_from_page(browser(), links(offer)["accept"])

    assert response.status_code == 409
    offer.refresh_from_db()
    booking.refresh_from_db()
    assert offer.status == OfferStatus.WITHDRAWN
    assert booking.status != Status.CONFIRMED and booking.mediator is None
    assert OfferLinkUse.objects.filter(offer=offer).exists()  # the link is used up
