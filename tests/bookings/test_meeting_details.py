"""Video and phone appointments carry how to join; only the booked mediator (besides the
institution and the coordinators) ever sees it: page, API, invitation, feed, e-mails."""

import datetime

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation
from rest_framework.test import APIClient

from bookings.constants import Mode, Status
from bookings.messages.content import _offer_made
from bookings.models import Booking
from bookings.selectors import booking_view_for
from bookings.services import booking_create, booking_reschedule
from core.exceptions import DomainError
from institutions.meeting_hosts import host_allowed
from notifications.constants import MessageKind
from notifications.feeds import calendar_feed_get, feed_render
from notifications.models import Message
from tests.bookings.factories import OfferFactory
from tests.clock import frozen
from tests.institutions.factories import StaffFactory, UserFactory
from tests.mediators.factories import LanguageFactory, MediatorFactory
from tests.notifications.conftest import confirm
from tests.notifications.icalcheck import calendar_parts, read_with_icaljs

UTC = datetime.UTC
NOW = datetime.datetime(2026, 11, 2, 9, 0, tzinfo=UTC)  # a Monday
LINK = "https://meet.kreis-viersen.de/room/elterngespraech-4711"
pytestmark = frozen(NOW)


@pytest.fixture(autouse=True)
def in_english():
    """The messages are checked in English, the source language."""
    with translation.override("en"):
        yield


@pytest.fixture
def staff(db):
    staff = StaffFactory(
        user=UserFactory(username="lehrerin", first_name="Lea", last_name="Lehrer"),
        institution__pool__mail_sender="ki@kreis-viersen.example",
    )
    pool = staff.institution.pool
    pool.meeting_hosts = ["meet.kreis-viersen.de"]
    pool.min_notice_working_days = 0
    pool.save()
    return staff


def request(staff, **values):
    defaults = {
        "requester": staff.user,
        "institution": staff.institution,
        "language": LanguageFactory(),
        "starts_at": NOW + datetime.timedelta(days=10),
        "duration_minutes": 60,
        "mode": Mode.VIDEO,
        "field": "school",
        "now": NOW,
    }
    return booking_create(**{**defaults, **values})


@pytest.mark.parametrize(
    ("host", "allowed"),
    [
        ("meet.kreis-viersen.de", True),
        ("MEET.Kreis-Viersen.de", True),
        ("raum1.meet.kreis-viersen.de", True),
        ("evilmeet.kreis-viersen.de", False),
        ("meet.kreis-viersen.de.example.com", False),
        ("kreis-viersen.de", False),
    ],
)
def test_a_link_host_must_be_an_allowed_host_or_its_subdomain(host, allowed):
    assert host_allowed(host, ["meet.kreis-viersen.de"]) is allowed


@pytest.mark.django_db
def test_a_video_request_keeps_its_link_to_an_allowed_host(staff):
    booking = request(staff, meeting_url=f"  {LINK} ")

    booking.refresh_from_db()
    assert booking.meeting_url == LINK
    assert (booking.dial_in_number, booking.dial_in_pin) == ("", "")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("values", "says"),
    [
        ({"meeting_url": "https://zoom.example.com/j/1"}, "not allowed"),
        ({"meeting_url": "ftp://meet.kreis-viersen.de/x"}, "https://"),
        ({"meeting_url": "javascript:alert(1)"}, "https://"),
        ({"meeting_url": "https://anna:geheim@meet.kreis-viersen.de/x"}, "password"),
        ({"meeting_url": "https://meet.kreis-viersen.de:abc/x"}, "https://"),
        ({"mode": Mode.PHONE, "meeting_url": LINK}, "video appointment"),
        ({"mode": Mode.PHONE, "dial_in_number": "call me"}, "digits"),
        ({"mode": Mode.PHONE, "dial_in_number": "02162 39 0", "dial_in_pin": "12a"}, "PIN"),
        ({"mode": Mode.PHONE, "dial_in_pin": "1234"}, "number with the PIN"),
        ({"dial_in_number": "02162 390"}, "phone appointment"),
    ],
)
def test_bad_meeting_details_are_refused_saying_why_and_nothing_is_made(staff, values, says):
    with pytest.raises(DomainError) as refused:
        request(staff, **values)

    assert says in str(refused.value.message)
    assert Booking.objects.count() == 0
    assert not Message.objects.exists()


@pytest.mark.django_db
def test_a_pool_without_meeting_hosts_takes_no_links_and_says_whom_to_ask(staff):
    pool = staff.institution.pool
    pool.meeting_hosts = []
    pool.save()

    with pytest.raises(DomainError) as refused:
        request(staff, meeting_url=LINK)

    assert "integration centre" in str(refused.value.message)
    assert Booking.objects.count() == 0


@pytest.fixture
def video(staff):
    """A confirmed video appointment, and a second mediator of the same pool."""
    booking = request(staff, meeting_url=LINK)
    booked = MediatorFactory(
        pool=staff.institution.pool,
        user=UserFactory(username="mona", first_name="Mona", last_name="Mittler"),
        language="ar",
    )
    other = MediatorFactory(pool=staff.institution.pool, user=UserFactory(username="omar"))
    confirm(booking, booked)
    booking.refresh_from_db()
    return booking, booked, other


@pytest.mark.django_db
def test_the_api_shows_the_link_to_the_booked_mediator_staff_and_no_other_mediator(video, staff):
    booking, booked, other = video
    url = reverse("api:booking-detail", args=[booking.pk])

    def seen_by(user):
        api = APIClient()
        api.force_authenticate(user)
        return api.get(url)

    assert seen_by(booked.user).json()["meeting_url"] == LINK
    assert seen_by(staff.user).json()["meeting_url"] == LINK
    # Another mediator cannot reach the booking at all; were it in reach, the link is null.
    assert seen_by(other.user).status_code == 404
    assert booking_view_for(other.user, booking).meeting_details is False


@pytest.mark.django_db
def test_an_offered_mediator_sees_that_the_link_follows_not_the_link(staff):
    booking = request(staff, meeting_url=LINK)
    asked = MediatorFactory(pool=staff.institution.pool, user=UserFactory(username="asked"))
    booking.status = Status.OFFERED
    assert booking_view_for(asked.user, booking).meeting_details is False
    offer = OfferFactory(booking=booking, mediator=asked)
    message = Message(
        kind=MessageKind.OFFER_MADE, booking=booking, offer=offer, recipient_email="a@b.c"
    )
    content = _offer_made(message)
    text = " ".join(content.paragraphs) + repr(content.facts)
    assert "link follows on confirmation" in text
    assert LINK not in text


@pytest.mark.django_db
def test_the_booked_mediators_invitation_has_the_conference_link_read_by_icaljs(video):
    booking, booked, _other = video
    message = Message.objects.get(
        kind=MessageKind.BOOKING_CONFIRMED, recipient_email=booked.user.email
    )

    parts = calendar_parts(bytes(message.rendered))
    js = read_with_icaljs(parts["alternative"])

    event = js["events"][0]
    assert event["conferences"][0]["uri"] == LINK
    assert event["conferences"][0]["feature"] == "VIDEO"
    assert LINK in event["description"]
    assert LINK in bytes(message.rendered).decode("utf-8", "replace") or LINK in str(
        message.rendered
    )


@pytest.mark.django_db
def test_the_booked_mediators_feed_has_the_link_and_another_mediators_feed_not(video):
    booking, booked, other = video

    own = feed_render(calendar_feed_get(mediator=booked), now=NOW)
    others = feed_render(calendar_feed_get(mediator=other), now=NOW)

    assert b"CONFERENCE;" in own and LINK.encode() in own.replace(b"\r\n ", b"")
    assert LINK.encode() not in others.replace(b"\r\n ", b"")


@pytest.mark.django_db
def test_the_booking_page_shows_the_link_to_the_booked_mediator_and_staff_only(video, staff):
    booking, booked, other = video

    def page(user, name):
        client = Client()
        client.force_login(user)
        return client.get(reverse(name, args=[booking.pk]))

    assert LINK in page(staff.user, "web:institution-booking").content.decode()
    assert LINK in page(booked.user, "web:mediator-booking").content.decode()
    assert LINK not in page(other.user, "web:mediator-booking").content.decode()


@pytest.mark.django_db
def test_a_change_to_phone_drops_the_link_and_checks_the_new_number(video, staff):
    booking, _booked, _other = video

    with pytest.raises(DomainError):
        booking_reschedule(
            booking=booking, actor=staff.user, mode=Mode.PHONE, dial_in_number="x",
            reason="Lieber telefonisch", now=NOW,
        )  # fmt: skip
    booking.refresh_from_db()
    assert booking.meeting_url == LINK

    booking_reschedule(
        booking=booking, actor=staff.user, mode=Mode.PHONE, dial_in_number="+49 2162 390",
        dial_in_pin="4711#", reason="Lieber telefonisch", now=NOW,
    )  # fmt: skip

    booking.refresh_from_db()
    assert (booking.mode, booking.meeting_url) == (Mode.PHONE, "")
    assert (booking.dial_in_number, booking.dial_in_pin) == ("+49 2162 390", "4711#")
    event = booking.events.order_by("-pk").first()
    assert event.data["changes"]["meeting_details"] == [True, True]
    assert LINK not in repr(event.data)


@pytest.mark.django_db
def test_a_link_added_later_is_a_change_with_an_updated_invitation(staff):
    booking = request(staff)
    assert booking.meeting_url == ""

    booking_reschedule(
        booking=booking, actor=staff.user, meeting_url=LINK, reason="Link da", now=NOW
    )

    booking.refresh_from_db()
    assert booking.meeting_url == LINK
    assert booking.sequence == 1
