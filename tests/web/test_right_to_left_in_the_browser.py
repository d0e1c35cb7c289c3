"""In Debian's Chromium: a phone number on an Arabic page reads left to right, digit after
digit, as it is dialled (not "4203191 0151")."""

import datetime

from django.utils import timezone

from bookings.constants import Status
from tests.bookings.factories import BookingFactory

from .browser import Visitor
from .conftest import BERLIN

PHONE = "0151 4203191"

# The x position of every character of the element's text, in the order of the text.
CHARACTER_POSITIONS_JS = """
(element) => {
  const node = element.firstChild;
  const positions = [];
  for (let i = 0; i < node.length; i++) {
    const range = document.createRange();
    range.setStart(node, i);
    range.setEnd(node, i + 1);
    const box = range.getBoundingClientRect();
    positions.push({character: node.data[i], left: box.left});
  }
  return positions;
}
"""


def test_a_phone_number_on_an_arabic_page_reads_left_to_right(
    browser, live_server, pool_with_people
):
    # Given a confirmed appointment of Amal's whose contact person left a phone number
    mediator, staff = pool_with_people["mediator"], pool_with_people["staff"]
    day = (timezone.now().astimezone(BERLIN) + datetime.timedelta(days=5)).date()
    booking = BookingFactory(
        institution=staff.institution,
        language=pool_with_people["arabic"],
        requested_by=staff.user,
        status=Status.CONFIRMED,
        mediator=mediator,
        starts_at=datetime.datetime.combine(day, datetime.time(10), tzinfo=BERLIN),
        contact_name="Frau Yilmaz",
        contact_phone=PHONE,
    )
    visitor = Visitor(browser, live_server, "mediator-rtl", language="ar")
    visitor.sign_in("amal")

    # When she opens it on the Arabic page
    visitor.go(f"/mediator/bookings/{booking.pk}/")

    # Then the page runs right to left, and the number reads as it is dialled
    assert visitor.page.get_attribute("html", "dir") == "rtl"
    phone = visitor.page.locator("a.phone")
    assert phone.inner_text() == PHONE
    positions = phone.evaluate(CHARACTER_POSITIONS_JS)
    digits = [p for p in positions if p["character"].strip()]
    assert "".join(p["character"] for p in digits) == PHONE.replace(" ", "")
    lefts = [p["left"] for p in digits]
    assert lefts == sorted(lefts), "the digits are laid out from left to right"
    assert lefts[0] < lefts[-1]
    visitor.context.close()
