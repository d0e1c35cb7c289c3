"""The open requests board: a mediator sees the requests nobody is being asked for that they
may serve (every hard rule), in pools whose board is on, and takes one as if they had
accepted an offer - once; a second take answers 409 and changes nothing."""

from __future__ import annotations

import datetime

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from rest_framework.test import APIClient

from bookings.constants import AlertKind, OfferStatus, Status
from bookings.exceptions import BookingConflict, NotEligible
from bookings.models import Alert, Booking, BookingEvent, Offer, Settlement
from bookings.selectors.board import open_requests_for
from bookings.services.board import open_request_take
from core.constants import ActorRole
from notifications.models import Message
from tests.clock import frozen
from tests.mediators.factories import LanguageFactory
from tests.support.commit import after_commit

from .scenario import AACHEN, DAY, NOW, at, hold, make_booking, make_mediator, make_pool

# The API and the pages read the clock: it stands at NOW (DAY is six weeks ahead).
pytestmark = [pytest.mark.django_db, frozen(NOW)]


@pytest.fixture(autouse=True)
def _fresh_throttle_cache():
    cache.clear()


def on_board(mediator) -> list[int]:
    return [b.pk for b in open_requests_for(mediator, now=NOW)]


def expired_offer(booking, mediator):
    return Offer.objects.create(
        booking=booking, mediator=mediator, status=OfferStatus.EXPIRED, expires_at=NOW
    )


def test_a_mediator_sees_the_unfilled_requests_they_may_serve_soonest_first():
    pool = make_pool()
    mediator = make_mediator(pool)
    later = make_booking(pool, starts_at=at(DAY, 14), status=Status.UNFILLED)
    sooner = make_booking(pool, starts_at=at(DAY, 9), status=Status.UNFILLED)
    # Offers ran out: still looking, nobody asked.
    ran_out = make_booking(pool, starts_at=at(DAY, 16), status=Status.OFFERED)
    expired_offer(ran_out, make_mediator(pool))

    assert on_board(mediator) == [sooner.pk, later.pk, ran_out.pk]


def test_requests_someone_is_asked_for_taken_or_past_are_not_on_the_board():
    pool = make_pool()
    mediator = make_mediator(pool)
    asked = make_booking(pool, status=Status.OFFERED)
    Offer.objects.create(booking=asked, mediator=make_mediator(pool),
                         expires_at=NOW + datetime.timedelta(hours=2))  # fmt: skip
    make_booking(pool, status=Status.CONFIRMED, mediator=make_mediator(pool))
    make_booking(pool, status=Status.CANCELLED)
    make_booking(pool, status=Status.UNFILLED, starts_at=NOW - datetime.timedelta(hours=1))

    assert on_board(mediator) == []


def test_only_requests_the_mediator_is_eligible_for_are_shown():
    pool = make_pool()
    mediator = make_mediator(pool, police_certificate_valid_until=None)
    fits = make_booking(pool, status=Status.UNFILLED)
    make_booking(pool, status=Status.UNFILLED, with_children=True)  # certificate needed
    make_booking(pool, status=Status.UNFILLED, place=AACHEN)  # out of range
    make_booking(pool, status=Status.UNFILLED, language=LanguageFactory(code="fas"))
    make_booking(pool, status=Status.UNFILLED, starts_at=at(DAY, 23))  # outside 06-22
    clash_at = at(DAY + datetime.timedelta(days=1), 10)
    hold(mediator, starts_at=clash_at)
    make_booking(pool, status=Status.UNFILLED, starts_at=clash_at)  # overlap
    make_booking(make_pool(), status=Status.UNFILLED)  # another pool

    assert on_board(mediator) == [fits.pk]


def test_a_pool_can_switch_its_board_off():
    pool = make_pool(open_board=False)
    mediator = make_mediator(pool)
    booking = make_booking(pool, status=Status.UNFILLED)

    assert on_board(mediator) == []
    with pytest.raises(BookingConflict) as refused:
        open_request_take(booking=booking, mediator=mediator, now=NOW)
    assert refused.value.code == "taken"
    assert Booking.objects.get(pk=booking.pk).status == Status.UNFILLED


def test_the_board_takes_a_fixed_number_of_queries_whatever_the_number_of_requests():
    pool = make_pool()
    mediator = make_mediator(pool)
    for hour in (8, 9):
        make_booking(pool, starts_at=at(DAY, hour), status=Status.UNFILLED)
    with CaptureQueriesContext(connection) as few:
        assert len(on_board(mediator)) == 2
    for day in range(1, 16):
        make_booking(pool, starts_at=at(DAY + datetime.timedelta(days=day), 10),
                     status=Status.UNFILLED)  # fmt: skip
    with CaptureQueriesContext(connection) as many:
        assert len(on_board(mediator)) == 17
    assert len(many) == len(few) <= 6


def test_taking_a_request_confirms_it_like_an_accepted_offer():
    pool = make_pool()
    mediator = make_mediator(pool)
    booking = make_booking(pool, status=Status.UNFILLED)
    Alert.objects.create(booking=booking, pool=pool, kind=AlertKind.UNFILLED, message="nobody")

    with after_commit():
        taken = open_request_take(booking=booking.pk, mediator=mediator, now=NOW)

    assert taken.status == Status.CONFIRMED and taken.mediator_id == mediator.pk
    offer = Offer.objects.get(booking=booking)
    assert (offer.mediator_id, offer.status) == (mediator.pk, OfferStatus.ACCEPTED)
    event = BookingEvent.objects.get(booking=booking, to_status=Status.CONFIRMED)
    assert (event.from_status, event.actor_id, event.actor_role) == (
        Status.UNFILLED,
        mediator.user_id,
        ActorRole.MEDIATOR,
    )
    assert not Alert.objects.filter(booking=booking, resolved_at__isnull=True).exists()
    assert Settlement.objects.get(booking=booking).done_at is not None
    assert Message.objects.filter(booking=booking).exists()  # the confirmation
    assert on_board(mediator) == []


def test_taking_a_taken_request_answers_409_and_changes_nothing():
    pool = make_pool()
    first, second = make_mediator(pool), make_mediator(pool)
    booking = make_booking(pool, status=Status.UNFILLED)
    open_request_take(booking=booking, mediator=first, now=NOW)
    events, messages = BookingEvent.objects.count(), Message.objects.count()

    with translation.override("en"), pytest.raises(BookingConflict) as refused:
        open_request_take(booking=booking, mediator=second, now=NOW)

    assert refused.value.code == "taken"
    assert "taken already" in str(refused.value)
    assert Booking.objects.get(pk=booking.pk).mediator_id == first.pk
    assert not Offer.objects.filter(mediator=second).exists()
    assert (BookingEvent.objects.count(), Message.objects.count()) == (events, messages)


def test_a_mediator_who_may_not_serve_it_cannot_take_it_and_nothing_is_written():
    pool = make_pool()
    mediator = make_mediator(pool, police_certificate_valid_until=None)
    booking = make_booking(pool, status=Status.UNFILLED, with_children=True)

    with pytest.raises(NotEligible):
        open_request_take(booking=booking, mediator=mediator, now=NOW)

    assert Booking.objects.get(pk=booking.pk).status == Status.UNFILLED
    assert not Offer.objects.exists()
    assert not BookingEvent.objects.filter(booking=booking).exists()


def api(user):
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.force_authenticate(user=user)
    return client


def test_the_api_lists_the_board_and_takes_a_request_once():
    pool = make_pool()
    first, second = make_mediator(pool), make_mediator(pool)
    booking = make_booking(pool, status=Status.UNFILLED)

    listed = api(first.user).get("/api/v1/open-requests/")
    assert listed.status_code == 200
    assert [(r["id"], r["status"], r["language"]) for r in listed.json()] == [
        (booking.pk, Status.UNFILLED, "ara")
    ]

    taken = api(first.user).post(f"/api/v1/open-requests/{booking.pk}/take/")
    again = api(second.user).post(f"/api/v1/open-requests/{booking.pk}/take/")

    assert taken.status_code == 200 and taken.json()["status"] == Status.CONFIRMED
    assert again.status_code == 409 and again.json()["code"] == "taken"
    assert Booking.objects.get(pk=booking.pk).mediator_id == first.pk


def test_the_board_api_is_for_mediators_only():
    from tests.institutions.factories import CoordinatorFactory

    pool = make_pool()
    booking = make_booking(pool, status=Status.UNFILLED)
    coordinator = CoordinatorFactory(pool=pool)

    assert api(coordinator.user).get("/api/v1/open-requests/").status_code == 403
    assert (
        api(coordinator.user).post(f"/api/v1/open-requests/{booking.pk}/take/").status_code == 403
    )
    assert Booking.objects.get(pk=booking.pk).status == Status.UNFILLED
