"""Who changed a booking is in its access log, whichever way the change came (PRODUCT.md,
"Privacy and trust"): the service that changes the booking writes the one "change" row in
its own transaction; the API and the pages add only the reads."""

import datetime
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from bookings.constants import ReportStatus, Status
from bookings.messages.links import offer_link_url
from bookings.models import AccessLog, Booking, Report
from bookings.services import booking_cancel
from institutions.coordination import COORDINATION_GROUP
from tests.bookings.factories import BookingFactory, OfferFactory
from tests.bookings.lifecycle import coordinator_of, held_booking, staff_of
from tests.bookings.matching.scenario import BERLIN, make_booking, make_mediator, make_pool

pytestmark = pytest.mark.django_db


def changes(booking) -> list[int | None]:
    """Who changed the booking, one entry per change row."""
    return list(
        AccessLog.objects.filter(booking=booking, action="change").values_list("user", flat=True)
    )


def reads(booking) -> list[int | None]:
    return list(
        AccessLog.objects.filter(booking=booking, action="read").values_list("user", flat=True)
    )


def in_two_weeks_at_ten() -> datetime.datetime:
    """A time the scenario's mediators are free, ahead of the real clock (the offers' and
    the services' ``now``), whatever the day."""
    day = (timezone.now() + datetime.timedelta(days=14)).date()
    return datetime.datetime.combine(day, datetime.time(10), tzinfo=BERLIN)


# --- accepting an offer -------------------------------------------------------------------


@pytest.fixture
def offer():
    """A pending offer to a mediator who is free for the appointment."""
    pool = make_pool()
    mediator = make_mediator(pool)
    booking = make_booking(pool, status=Status.OFFERED, starts_at=in_two_weeks_at_ten())
    return OfferFactory(booking=booking, mediator=mediator)


def accepted(offer) -> Booking:
    booking = Booking.objects.get(pk=offer.booking_id)
    assert (booking.status, booking.mediator_id) == (Status.CONFIRMED, offer.mediator_id)
    return booking


def test_accepting_through_the_api_writes_one_change_row(offer):
    api = APIClient()
    api.force_authenticate(offer.mediator.user)

    response = api.post(f"/api/v1/offers/{offer.pk}/accept/")

    assert response.status_code == 200, response.content
    assert changes(accepted(offer)) == [offer.mediator.user_id]


def test_accepting_on_the_page_writes_one_change_row(offer):
    page = Client()
    page.force_login(offer.mediator.user)

    response = page.post(reverse("web:mediator-offer-answer", args=[offer.pk, "accept"]))

    assert response.status_code == 302
    assert changes(accepted(offer)) == [offer.mediator.user_id]


def test_accepting_through_the_signed_link_writes_one_change_row_for_the_mediator(offer):
    link = offer_link_url(
        offer_id=offer.pk, mediator_id=offer.mediator_id, link_id="one-mail", action="accept"
    )
    browser = Client()  # nobody signed in: the link itself says who answers

    assert browser.get(link).status_code == 200
    assert changes(offer.booking) == []  # opening the link changes nothing
    response = browser.post(link)

    assert response.status_code == 200
    assert changes(accepted(offer)) == [offer.mediator.user_id]


def test_a_refused_accept_writes_no_change_row(offer):
    offer.expires_at = timezone.now() - datetime.timedelta(minutes=1)
    offer.save(update_fields=["expires_at"])
    api = APIClient()
    api.force_authenticate(offer.mediator.user)

    assert api.post(f"/api/v1/offers/{offer.pk}/accept/").status_code == 409

    assert changes(offer.booking) == []


def test_a_coordinators_direct_assignment_through_the_api_writes_one_change_row():
    pool = make_pool()
    mediator, booking = make_mediator(pool), make_booking(pool, starts_at=in_two_weeks_at_ten())
    coordinator = coordinator_of(pool).user
    api = APIClient()
    api.force_authenticate(coordinator)

    response = api.post(f"/api/v1/bookings/{booking.pk}/assign/", {"mediator": mediator.pk})

    assert response.status_code == 200, response.content
    booking.refresh_from_db()
    assert (booking.status, booking.mediator) == (Status.CONFIRMED, mediator)
    assert changes(booking) == [coordinator.pk]


# --- the admin's actions ------------------------------------------------------------------


@pytest.fixture
def admin_page():
    """A coordinator in the back office, with the pool's waiting request and its staff."""
    booking = BookingFactory(status=Status.AWAITING_APPROVAL)
    coordinator = coordinator_of(booking.pool)
    coordinator.user.is_staff = True
    coordinator.user.save(update_fields=["is_staff"])
    coordinator.user.groups.add(Group.objects.get(name=COORDINATION_GROUP))
    client = Client()
    client.force_login(coordinator.user)
    return client, coordinator.user, booking


WITH_REASON = {"apply": "1", "reason": "Schule geschlossen"}  # the reason form, sent


def act(client, action: str, booking, **extra):
    data = {"action": action, "_selected_action": [booking.pk], **extra}
    return client.post(reverse("admin:bookings_booking_changelist"), data)


@pytest.mark.parametrize(
    ("action", "status", "extra", "after"),
    [
        ("approve", Status.AWAITING_APPROVAL, {}, Status.REQUESTED),
        ("refuse", Status.AWAITING_APPROVAL, WITH_REASON, Status.CANCELLED),
        ("cancel", Status.REQUESTED, WITH_REASON, Status.CANCELLED),
        ("mark_no_show", Status.CONFIRMED, {}, Status.NO_SHOW),
    ],
)
def test_each_admin_action_writes_one_change_row(admin_page, action, status, extra, after):
    client, coordinator, booking = admin_page
    Booking.objects.filter(pk=booking.pk).update(
        status=status,
        mediator=make_mediator(booking.pool) if status == Status.CONFIRMED else None,
        starts_at=timezone.now() - datetime.timedelta(hours=2),
        ends_at=timezone.now() - datetime.timedelta(hours=1),
    )

    response = act(client, action, booking, **extra)

    assert response.status_code == 302
    booking.refresh_from_db()
    assert booking.status == after
    assert changes(booking) == [coordinator.pk]


def test_an_admin_action_the_state_forbids_writes_no_change_row(admin_page):
    client, _coordinator, booking = admin_page
    Booking.objects.filter(pk=booking.pk).update(status=Status.CANCELLED)

    act(client, "approve", booking)

    assert changes(booking) == []


# --- reading is not changing --------------------------------------------------------------


@pytest.mark.parametrize("role", ["staff", "coordinator", "mediator"])
def test_reading_a_booking_on_its_page_writes_a_read_row_and_no_change_row(role):
    booking = held_booking()
    user = {
        "staff": lambda: staff_of(booking.institution).user,
        "coordinator": lambda: coordinator_of(booking.pool).user,
        "mediator": lambda: booking.mediator.user,
    }[role]()
    page = Client()
    page.force_login(user)

    response = page.get(reverse(f"web:{'institution' if role == 'staff' else role}-booking",
                                args=[booking.pk]))  # fmt: skip

    assert response.status_code == 200
    assert reads(booking) == [user.pk]
    assert changes(booking) == []


def test_reading_a_booking_through_the_api_writes_no_change_row():
    booking = held_booking()
    staff = staff_of(booking.institution).user
    api = APIClient()
    api.force_authenticate(staff)

    assert api.get(f"/api/v1/bookings/{booking.pk}/").status_code == 200

    assert (reads(booking), changes(booking)) == ([staff.pk], [])


# --- the services themselves --------------------------------------------------------------


def test_a_service_called_directly_logs_the_change_once():
    booking = BookingFactory(status=Status.REQUESTED)
    staff = staff_of(booking.institution).user

    booking_cancel(booking=booking, actor=staff, reason="Ausgefallen")

    assert changes(booking) == [staff.pk]


def test_a_change_nobody_signed_in_made_is_in_the_events_only():
    booking = BookingFactory(status=Status.REQUESTED)

    booking_cancel(booking=booking, actor=None, reason="Aufgeräumt")

    assert changes(booking) == []
    assert booking.events.get().actor is None


def test_a_page_action_writes_one_change_row_not_two():
    booking = held_booking(status=Status.COMPLETED)
    Report.objects.create(
        booking=booking, actual_minutes=60, travel_km=Decimal(3), status=ReportStatus.SUBMITTED
    )
    staff = staff_of(booking.institution).user
    page = Client()
    page.force_login(staff)

    response = page.post(
        reverse("web:institution-review-report", args=[booking.pk]),
        {"decision": "dispute", "reason": "Nur 30 Minuten"},
    )

    assert response.status_code == 302
    assert changes(booking) == [staff.pk]
