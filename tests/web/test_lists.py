"""Lists that do not lose work: paging keeps the filters, upcoming bookings come first."""

import datetime
import re
from html import unescape

import pytest
from django.urls import reverse

from bookings.constants import Status
from tests.bookings.factories import BookingFactory
from tests.clock import frozen
from tests.mediators.factories import LanguageFactory
from tests.support.people import local
from web.views.common import BOOKINGS_PER_PAGE

NOW = local(2026, 11, 16, 10, 0)
pytestmark = [pytest.mark.django_db, frozen(NOW)]


def next_page_link(html: str) -> str:
    match = re.search(r'<a href="([^"]*)">Next page</a>', html)
    assert match, "no next page link"
    return unescape(match.group(1))


def rows(html: str) -> list[str]:
    """The start times the list's rows show, in order."""
    return re.findall(r'<th scope="row"><a href="[^"]*">([^<]*)</a>', html)


def booking_links(html: str) -> list[str]:
    return re.findall(r'<th scope="row"><a href="([^"]*)">', html)


@pytest.fixture
def many_bookings(staff):
    """30 cancelled Arabic bookings and 30 requested Turkish ones, one a day from today on."""
    arabic = LanguageFactory(code="ara", name_en="Arabic")
    turkish = LanguageFactory(code="tur", name_en="Turkish")
    for day in range(30):
        for language, status in ((arabic, Status.CANCELLED), (turkish, Status.REQUESTED)):
            BookingFactory(
                institution=staff.institution,
                language=language,
                status=status,
                starts_at=NOW + datetime.timedelta(days=day, hours=1),
            )
    return staff


def test_the_next_page_without_filters_shows_the_second_page(page_for, many_bookings):
    page = page_for(many_bookings.user)
    first = page.get(reverse("web:institution-bookings")).content.decode()

    link = next_page_link(first)
    second = page.get(reverse("web:institution-bookings") + link).content.decode()

    assert link == "?page=2"
    assert "Page 2 of 3" in second
    assert set(booking_links(first)).isdisjoint(booking_links(second))


def test_the_next_page_keeps_the_filters(page_for, many_bookings):
    page = page_for(many_bookings.user)
    url = reverse("web:institution-bookings")
    first = page.get(url, {"status": "cancelled", "language": "ara"}).content.decode()

    link = next_page_link(first)
    second = page.get(url + link).content.decode()

    assert "??" not in first
    assert "status=cancelled" in link and "language=ara" in link and "page=2" in link
    assert "Page 2 of 2" in second
    assert len(rows(first)) == BOOKINGS_PER_PAGE and len(rows(second)) == 30 - BOOKINGS_PER_PAGE
    assert ">Turkish</td>" not in second and ">Arabic</td>" in second


def test_a_page_number_in_the_address_is_replaced_not_repeated(page_for, many_bookings):
    page = page_for(many_bookings.user)

    html = page.get(
        reverse("web:institution-bookings"), {"page": "2", "language": "tur"}
    ).content.decode()

    assert re.search(r'href="\?page=1&amp;language=tur"|href="\?language=tur&amp;page=1"', html)
    assert html.count("page=") == 2  # previous and next, each once


def day(row: str) -> str:
    """The day of a row's start, as an English reader sees it ("Nov 17, 2026, 10:00 AM")."""
    return row.split(",")[0]


def test_the_coordinators_list_shows_upcoming_bookings_first_then_the_latest_past(
    page_for, coordinator, staff
):
    arabic = LanguageFactory(code="ara", name_en="Arabic")
    for days in (-20, -1, 3, 1, 40):
        BookingFactory(
            institution=staff.institution,
            language=arabic,
            starts_at=NOW + datetime.timedelta(days=days),
        )

    html = page_for(coordinator.user).get(reverse("web:coordinator-bookings")).content.decode()

    assert [day(row) for row in rows(html)] == ["Nov 17", "Nov 19", "Dec 26", "Nov 15", "Oct 27"]


@pytest.mark.parametrize(
    ("order", "expected"),
    [("earliest", ["Oct 27", "Nov 15", "Nov 17"]), ("latest", ["Nov 17", "Nov 15", "Oct 27"])],
)
def test_the_reader_may_sort_by_start_only(page_for, staff, order, expected):
    arabic = LanguageFactory(code="ara", name_en="Arabic")
    for days in (1, -20, -1):
        BookingFactory(
            institution=staff.institution,
            language=arabic,
            starts_at=NOW + datetime.timedelta(days=days),
        )

    html = (
        page_for(staff.user)
        .get(reverse("web:institution-bookings"), {"order": order})
        .content.decode()
    )

    assert [day(row) for row in rows(html)] == expected
