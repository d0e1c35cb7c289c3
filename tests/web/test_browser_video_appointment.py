"""A video appointment in a real browser (Debian's Chromium), at phone width and on the
desktop: the school finds the language by a search that leaves one match, gives the link of
the district's video service, reads what happens next; the link reaches only the mediator who
is booked (their page and their invitation, read by ical.js), never the other one asked."""

import datetime
import email

import pytest
from django.utils import timezone

from bookings.constants import Mode, Status
from bookings.models import Booking
from institutions.constants import OfferStrategy
from notifications.constants import MessageKind
from notifications.models import Message
from notifications.rendering import rendered_bytes
from tests.institutions.factories import UserFactory
from tests.mediators.factories import (
    AvailabilitySlotFactory,
    MediatorFactory,
    MediatorLanguageFactory,
)
from tests.notifications.icalcheck import calendar_parts, read_with_icaljs

from .browser import DESKTOP, PASSWORD, PHONE, Visitor
from .conftest import BERLIN

LINK = "https://meet.kreis-viersen.de/raum/elterngespraech-2026"


def _rendered(message: Message) -> str:
    """The e-mail as it goes over SMTP, soft line breaks joined, and each text part decoded."""
    parsed = email.message_from_bytes(rendered_bytes(message))
    texts = [raw := rendered_bytes(message).decode("utf-8", "replace")]
    for part in parsed.walk():
        if not part.is_multipart():
            texts.append(part.get_payload(decode=True).decode("utf-8", "replace"))
    return "\n".join(texts).replace("\r\n ", "") + raw


@pytest.mark.parametrize(("width", "size"), [("360", PHONE), ("desktop", DESKTOP)])
def test_the_link_of_a_video_appointment_reaches_only_the_booked_mediator(
    browser, live_server, pool_with_people, width, size
):
    pool = pool_with_people["staff"].institution.pool
    pool.meeting_hosts = ["meet.kreis-viersen.de"]
    pool.offer_strategy = OfferStrategy.BROADCAST  # both mediators are asked at once
    pool.save()
    arabic = pool_with_people["arabic"]
    omar = MediatorFactory(
        pool=pool,
        language="ar",
        user=UserFactory(username="omar", first_name="Omar", last_name="Aziz", password=PASSWORD),
    )
    MediatorLanguageFactory(mediator=omar, language=arabic)
    for weekday in range(7):
        AvailabilitySlotFactory(mediator=omar, weekday=weekday)
    day = (timezone.now().astimezone(BERLIN) + datetime.timedelta(days=10)).date()
    violations: list[str] = []

    # The school asks for a video appointment.
    school = Visitor(browser, live_server, f"video-school-{width}")
    school.sign_in("schule")
    school.page.set_viewport_size(size)
    school.go("/institution/request/")
    school.page.fill("#language-search", "arabi")  # one language left: it is chosen
    assert school.page.input_value("#id_language") == str(arabic.pk)
    assert "Arabisch" in school.page.inner_text("#language-search-status")
    school.page.fill("#id_date", day.isoformat())
    school.page.fill("#id_time", "10:00")
    school.page.check("input[name=mode][value=video]")
    assert school.page.is_hidden("#field-location")
    assert school.page.is_hidden("#field-dial_in_number")
    school.page.fill("#id_meeting_url", LINK)
    school.page.select_option("#id_field", "school")
    violations += school.axe_violations("request-video")
    school.page.set_viewport_size(size)
    with school.page.expect_navigation():
        school.page.click("#request-form button[type=submit]")
    school.page.wait_for_load_state("networkidle")
    booking = Booking.objects.get()
    assert (booking.mode, booking.meeting_url, booking.location) == (Mode.VIDEO, LINK, None)
    assert booking.status == Status.OFFERED
    assert "We are asking suitable mediators now" in school.page.inner_text("#next-steps") or (
        "Wir fragen jetzt passende" in school.page.inner_text("#next-steps")
    )
    assert LINK in school.page.inner_text("#meeting-details")
    violations += school.axe_violations("booking-video")

    # Omar is asked too: his offer says the link follows, and does not show it.
    omar_tab = Visitor(browser, live_server, f"video-omar-{width}", language="ar")
    omar_tab.sign_in("omar")
    omar_tab.page.set_viewport_size(size)
    omar_tab.go("/mediator/offers/")
    assert LINK not in omar_tab.page.content()

    # Amal accepts first and is booked: her page has the link.
    amal = Visitor(browser, live_server, f"video-amal-{width}", language="ar")
    amal.sign_in("amal")
    amal.page.set_viewport_size(size)
    amal.go("/mediator/offers/")
    with amal.page.expect_navigation():
        amal.page.click(f"form[action*='/accept/'][action*='{booking.pk}'] button, "
                        "form[action*='/accept/'] button >> nth=0")  # fmt: skip
    amal.page.wait_for_load_state("networkidle")
    booking.refresh_from_db()
    assert booking.status == Status.CONFIRMED
    assert booking.mediator == pool_with_people["mediator"]
    amal.go(f"/mediator/bookings/{booking.pk}/")
    assert amal.page.get_attribute(".meeting-link", "href") == LINK
    violations += amal.axe_violations("booking-video-mediator")

    # Omar: the booking is not his; no page and no message of his carries the link.
    response = omar_tab.page.goto(f"{omar_tab.base}/mediator/bookings/{booking.pk}/")
    assert response.status == 404
    assert LINK not in omar_tab.page.content()
    omar_tab.go("/mediator/offers/")
    assert LINK not in omar_tab.page.content()
    omars = Message.objects.filter(recipient_email=omar.user.email)
    assert omars.exists()  # he was asked, and told it went to someone else
    assert all(LINK not in _rendered(message) for message in omars)

    # Amal's invitation: RFC 7986 CONFERENCE and the description, as ical.js reads them.
    invitation = Message.objects.get(
        kind=MessageKind.BOOKING_CONFIRMED,
        recipient_email=pool_with_people["mediator"].user.email,
    )
    event = read_with_icaljs(calendar_parts(rendered_bytes(invitation))["alternative"])["events"][0]
    assert event["conferences"] == [
        {"uri": LINK, "feature": "VIDEO", "label": event["conferences"][0]["label"]}
    ]
    assert LINK in event["description"]

    assert violations == []
    for visitor in (school, omar_tab, amal):
        # The link is a link (an <a href>) to the video service, never loaded by the page.
        assert visitor.other_hosts() - {"meet.kreis-viersen.de"} == set()
        assert "meet.kreis-viersen.de" not in visitor.requested_hosts
        assert visitor.csp_violations() == []
        visitor.context.close()
