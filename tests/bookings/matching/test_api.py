"""API: candidates and assign for coordinators, offers for mediators; 404 outside reach,
403 for a wrong role, 409 for conflicts."""

import datetime

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from bookings.constants import OfferStatus, Status
from bookings.models import BookingEvent, Offer
from bookings.services.offers import booking_match
from tests.clock import frozen
from tests.institutions.factories import CoordinatorFactory, StaffFactory
from tests.support.commit import after_commit

from .scenario import KEMPEN, NETTETAL, NOW, VIERSEN, make_booking, make_mediator, make_pool

# Offers are made at NOW and answered through the API, which reads the clock: it is NOW too.
pytestmark = [pytest.mark.django_db, frozen(NOW)]


@pytest.fixture(autouse=True)
def _fresh_throttle_cache():
    cache.clear()


def client(user=None, language="en"):
    c = APIClient(HTTP_ACCEPT_LANGUAGE=language)
    if user is not None:
        c.force_authenticate(user=user)
    return c


@pytest.fixture
def scene():
    pool = make_pool(offer_strategy="broadcast", broadcast_size=3)
    pool.weight_fairness = pool.weight_preferences = pool.weight_reliability = 0
    pool.save()
    mediators = [make_mediator(pool, home=home) for home in (VIERSEN, NETTETAL, KEMPEN)]
    booking = make_booking(pool)
    return pool, mediators, booking


def candidates_url(booking):
    return f"/api/v1/bookings/{booking.pk}/candidates/"


def test_a_coordinator_sees_the_ranked_candidates_with_score_and_reasons(scene):
    pool, mediators, booking = scene
    response = client(CoordinatorFactory(pool=pool).user).get(candidates_url(booking))
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 3
    assert [row["mediator"] for row in body["results"]] == [m.pk for m in mediators]
    first = body["results"][0]
    assert set(first) >= {"mediator", "score", "reasons"}
    assert first["score"] >= body["results"][1]["score"]
    assert any("km from home" in reason for reason in first["reasons"])


def test_the_reasons_follow_the_requests_language(scene):
    pool, _, booking = scene
    coordinator = CoordinatorFactory(pool=pool).user
    german = client(coordinator, "de").get(candidates_url(booking)).json()
    assert any("km vom Wohnort" in reason for reason in german["results"][0]["reasons"])


def test_candidates_of_another_pools_booking_answer_404(scene):
    _, _, booking = scene
    assert client(CoordinatorFactory().user).get(candidates_url(booking)).status_code == 404


@pytest.mark.parametrize("role", ["staff", "mediator"])
def test_candidates_are_for_coordinators_only(scene, role):
    pool, mediators, booking = scene
    user = (
        StaffFactory(institution=booking.institution).user if role == "staff" else mediators[0].user
    )
    assert client(user).get(candidates_url(booking)).status_code == 403
    assign = {"mediator": mediators[0].pk}
    response = client(user).post(f"/api/v1/bookings/{booking.pk}/assign/", assign, format="json")
    assert response.status_code == 403


def test_candidates_need_credentials(scene):
    _, _, booking = scene
    assert client().get(candidates_url(booking)).status_code == 401


def test_a_coordinator_assigns_an_eligible_mediator(scene):
    pool, mediators, booking = scene
    coordinator = CoordinatorFactory(pool=pool).user
    response = client(coordinator).post(
        f"/api/v1/bookings/{booking.pk}/assign/", {"mediator": mediators[1].pk}, format="json"
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["id"], body["status"], body["mediator"]["id"]) == (
        booking.pk,
        "confirmed",
        mediators[1].pk,
    )


def test_assigning_a_mediator_who_is_no_longer_eligible_answers_409_and_changes_nothing(scene):
    pool, mediators, booking = scene
    other = make_booking(pool, mode="phone", status=Status.CONFIRMED, mediator=mediators[0])
    events = BookingEvent.objects.count()
    response = client(CoordinatorFactory(pool=pool).user).post(
        f"/api/v1/bookings/{booking.pk}/assign/", {"mediator": mediators[0].pk}, format="json"
    )
    assert response.status_code == 409 and response.json()["code"] == "not_eligible"
    booking.refresh_from_db()
    assert booking.status == Status.REQUESTED and booking.mediator is None
    assert BookingEvent.objects.count() == events and other.mediator == mediators[0]


@pytest.mark.parametrize("payload", [{}, {"mediator": "x"}, {"mediator": 10**30}, {"mediator": -1}])
def test_assign_with_bad_input_answers_400(scene, payload):
    pool, _, booking = scene
    response = client(CoordinatorFactory(pool=pool).user).post(
        f"/api/v1/bookings/{booking.pk}/assign/", payload, format="json"
    )
    assert response.status_code == 400 and "mediator" in response.json()


def test_assigning_a_mediator_of_another_pool_answers_400(scene):
    pool, _, booking = scene
    stranger = make_mediator(make_pool())
    response = client(CoordinatorFactory(pool=pool).user).post(
        f"/api/v1/bookings/{booking.pk}/assign/", {"mediator": stranger.pk}, format="json"
    )
    assert response.status_code == 400 and "mediator" in response.json()


def test_a_mediator_lists_only_their_own_offers(scene):
    pool, mediators, booking = scene
    booking_match(booking_id=booking.pk, now=NOW)
    response = client(mediators[0].user).get("/api/v1/offers/")
    assert response.status_code == 200
    [offer] = response.json()["results"]
    mine = Offer.objects.get(mediator=mediators[0])
    assert offer["id"] == mine.pk and offer["booking"] == booking.pk
    assert offer["status"] == "pending" and offer["expires_at"].endswith("+01:00")


def test_the_offer_list_takes_the_same_queries_for_many_offers(scene):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    pool, mediators, _ = scene
    c = client(mediators[0].user)

    def queries():
        with CaptureQueriesContext(connection) as ctx:
            assert c.get("/api/v1/offers/").status_code == 200
        return len(ctx)

    def offer_on(day):
        booking = make_booking(pool, starts_at=NOW + datetime.timedelta(days=day))
        booking_match(booking_id=booking.pk, now=NOW)

    offer_on(50)
    queries()  # warm up
    one = queries()
    for day in range(51, 60):
        offer_on(day)
    assert c.get("/api/v1/offers/").json()["count"] == 10
    assert queries() == one


@pytest.mark.parametrize("role", ["staff", "coordinator"])
def test_offers_are_for_mediators_only(scene, role):
    pool, _, booking = scene
    if role == "staff":
        user = StaffFactory(institution=booking.institution).user
    else:
        user = CoordinatorFactory(pool=pool).user
    assert client(user).get("/api/v1/offers/").status_code == 403


def test_accepting_confirms_the_booking_and_a_second_accept_answers_409(scene):
    pool, mediators, booking = scene
    booking_match(booking_id=booking.pk, now=NOW)
    first, second = (Offer.objects.get(mediator=m) for m in mediators[:2])

    with after_commit():
        accepted = client(mediators[1].user).post(f"/api/v1/offers/{second.pk}/accept/")
    with after_commit():
        too_late = client(mediators[0].user).post(f"/api/v1/offers/{first.pk}/accept/")
    with after_commit():
        again = client(mediators[1].user).post(f"/api/v1/offers/{second.pk}/accept/")

    assert accepted.status_code == 200, accepted.content
    assert (
        accepted.json()["status"] == "accepted" and accepted.json()["booking_status"] == "confirmed"
    )
    assert too_late.status_code == 409 and again.status_code == 409
    booking.refresh_from_db()
    assert booking.mediator == mediators[1]
    assert BookingEvent.objects.filter(booking=booking, to_status=Status.CONFIRMED).count() == 1


def test_declining_answers_the_offer_and_asks_the_next(scene):
    pool, mediators, booking = scene
    pool.offer_strategy = "cascade"
    pool.save()
    booking_match(booking_id=booking.pk, now=NOW)
    offer = Offer.objects.get(mediator=mediators[0])

    with after_commit():
        response = client(mediators[0].user).post(f"/api/v1/offers/{offer.pk}/decline/")

    assert response.status_code == 200 and response.json()["status"] == "declined"
    assert Offer.objects.get(mediator=mediators[1]).status == OfferStatus.PENDING


def test_another_mediators_offer_answers_404(scene):
    pool, mediators, booking = scene
    booking_match(booking_id=booking.pk, now=NOW)
    offer = Offer.objects.get(mediator=mediators[0])
    for action in ("accept", "decline"):
        response = client(mediators[1].user).post(f"/api/v1/offers/{offer.pk}/{action}/")
        assert response.status_code == 404
    offer.refresh_from_db()
    assert offer.status == OfferStatus.PENDING
