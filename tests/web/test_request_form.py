"""The request form in groups with its defaults, plain language names, a duration help text
that says what the menu offers; what happens next; the budget left on the staff's pages."""

import datetime
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import translation

from bookings.constants import Mode, Status
from bookings.models import Booking
from bookings.selectors.next_steps import DEFAULT_DAYS, MIN_SAMPLE, next_steps_for
from core.time import local_date
from tests.bookings.factories import BookingFactory
from tests.clock import frozen
from tests.institutions.factories import BudgetFactory, FundingSourceFactory, LocationFactory
from tests.mediators.factories import LanguageFactory
from web.forms.institution import DURATIONS, BookingRequestForm, duration_help_text

UTC = datetime.UTC
NOW = datetime.datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
pytestmark = [pytest.mark.django_db, frozen(NOW)]


def test_the_duration_help_text_names_the_shortest_and_longest_choice_offered(staff):
    with translation.override("en"):
        form = BookingRequestForm(institution=staff.institution)
        help_text = str(form.fields["duration_minutes"].help_text)
        assert help_text == duration_help_text()
    offered = [minutes for minutes, _label in form.fields["duration_minutes"].choices]
    numbers = [int(n) for n in re.findall(r"\d+", help_text)]

    assert offered == list(DURATIONS)
    assert numbers == [min(offered), max(offered)]


def test_languages_are_offered_by_their_plain_name_with_the_code_only_for_the_search(
    page_for, staff
):
    arabic = LanguageFactory(code="ara", name_de="Arabisch", name_en="Arabic")

    html = page_for(staff.user, "de").get(reverse("web:institution-request")).content.decode()

    option = re.search(rf'<option value="{arabic.pk}"[^>]*>([^<]*)</option>', html)
    assert option is not None
    assert option.group(1) == "Arabisch"
    assert 'data-code="ara"' in option.group(0)
    assert "Arabisch (ara)" not in html


def test_the_only_location_and_the_last_funding_source_are_preselected(staff):
    only = LocationFactory(institution=staff.institution)
    used, _other = (FundingSourceFactory(pool=staff.institution.pool) for _ in range(2))
    BookingFactory(institution=staff.institution, funding_source=used, location=only)

    form = BookingRequestForm(institution=staff.institution)

    assert form["location"].initial == only.pk
    assert form["funding_source"].initial == used.pk


def test_with_two_locations_and_no_earlier_funding_nothing_is_guessed(staff):
    LocationFactory(institution=staff.institution)
    LocationFactory(institution=staff.institution)
    FundingSourceFactory(pool=staff.institution.pool)

    form = BookingRequestForm(institution=staff.institution)

    assert form["location"].initial is None
    assert form["funding_source"].initial is None


def test_the_form_comes_in_groups_with_the_rare_fields_under_more(page_for, staff):
    html = page_for(staff.user).get(reverse("web:institution-request")).content.decode()

    for group in ("when", "where", "language", "who"):
        assert f'id="group-{group}"' in html
    more = html[html.index('<details class="more"') : html.index("</details>")]
    for rare in ("topic", "gender_preference", "case_reference", "sensitive"):
        assert f'name="{rare}"' in more
    assert 'name="language"' not in more
    assert '<details class="more" id="group-more">' in html  # closed without errors


def test_an_error_in_a_rare_field_opens_more_and_nothing_is_made(page_for, staff):
    location = LocationFactory(institution=staff.institution)
    language = LanguageFactory()
    data = {
        "language": language.pk,
        "date": (NOW + datetime.timedelta(days=21)).date().isoformat(),
        "time": "09:30",
        "duration_minutes": "60",
        "mode": "on_site",
        "location": location.pk,
        "field": "school",
        "kind": "conversation",
        "case_reference": "x" * 200,
    }

    response = page_for(staff.user).post(reverse("web:institution-request"), data)

    assert response.status_code == 200
    assert '<details class="more" id="group-more" open>' in response.content.decode()
    assert not staff.institution.bookings.exists()


def test_a_video_request_from_the_form_keeps_only_the_video_details(page_for, staff):
    pool = staff.institution.pool
    pool.meeting_hosts = ["meet.kreis-viersen.de"]
    pool.min_notice_working_days = 0
    pool.save()
    data = {
        "language": LanguageFactory().pk,
        "date": (NOW + datetime.timedelta(days=21)).date().isoformat(),
        "time": "09:30",
        "duration_minutes": "60",
        "mode": "video",
        "meeting_url": "https://meet.kreis-viersen.de/r/1",
        "dial_in_number": "02162 1",  # typed before switching to video: not sent
        "field": "school",
        "kind": "conversation",
    }

    response = page_for(staff.user).post(reverse("web:institution-request"), data)

    booking = staff.institution.bookings.get()
    assert response.status_code == 302
    assert (booking.mode, booking.meeting_url, booking.dial_in_number) == (
        Mode.VIDEO,
        "https://meet.kreis-viersen.de/r/1",
        "",
    )


def test_a_link_to_another_host_is_refused_next_to_the_link(page_for, staff):
    data = {
        "language": LanguageFactory().pk,
        "date": (NOW + datetime.timedelta(days=21)).date().isoformat(),
        "time": "09:30",
        "duration_minutes": "60",
        "mode": "video",
        "meeting_url": "https://zoom.example.com/j/1",
        "field": "school",
        "kind": "conversation",
    }

    response = page_for(staff.user).post(reverse("web:institution-request"), data)

    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="id_meeting_url_error"' in html
    assert not staff.institution.bookings.exists()


# -- what happens next ----------------------------------------------------------------------


def test_a_new_request_says_we_are_asking_and_the_default_time_without_enough_data(staff):
    booking = BookingFactory(institution=staff.institution, status=Status.REQUESTED)

    with translation.override("en"):
        steps = next_steps_for(booking, now=NOW)

    assert "We are asking suitable mediators now" in steps.paragraphs[0]
    assert f"usually within {DEFAULT_DAYS} days" in steps.paragraphs[0]


def test_the_typical_time_is_the_pools_median_time_to_confirm(staff):
    for index in range(MIN_SAMPLE + 1):
        made = NOW - datetime.timedelta(days=30 + index)
        wait = datetime.timedelta(hours=60 if index % 2 else 90)
        earlier = BookingFactory(
            institution=staff.institution,
            starts_at=made + datetime.timedelta(days=10),
            confirmed_at=made + wait,
        )
        Booking.objects.filter(pk=earlier.pk).update(created_at=made)
    booking = BookingFactory(institution=staff.institution, status=Status.REQUESTED)

    with translation.override("en"):
        steps = next_steps_for(booking, now=NOW)

    # Six waits of 90 hours and five of 60: the median is 90 hours, four days begun.
    assert "usually within 4 days" in steps.paragraphs[0]


@pytest.mark.parametrize(
    ("status", "says"),
    [
        (Status.AWAITING_APPROVAL, "looks at your request first"),
        (Status.UNFILLED, "looking for someone themselves"),
        (Status.CANCELLED, "nobody will come"),
    ],
)
def test_each_state_says_in_plain_words_what_happens(staff, status, says):
    booking = BookingFactory(institution=staff.institution, status=status)

    with translation.override("en"):
        steps = next_steps_for(booking, now=NOW)

    assert says in " ".join(steps.paragraphs)


def test_a_video_request_without_its_link_is_reminded_to_add_it(page_for, staff):
    booking = BookingFactory(
        institution=staff.institution, mode=Mode.VIDEO, location=None, status=Status.REQUESTED
    )

    html = page_for(staff.user).get(reverse("web:institution-booking", args=[booking.pk]))

    text = html.content.decode()
    assert 'id="next-steps"' in text
    assert "The meeting link is still missing" in text


# -- the budget -----------------------------------------------------------------------------


def test_staff_see_the_budget_left_per_funding_source_on_their_list_and_the_form(page_for, staff):
    year = local_date(NOW).year
    budget = BudgetFactory(institution=staff.institution, year=year, hours=Decimal("40"))
    BookingFactory(
        institution=staff.institution,
        funding_source=budget.funding_source,
        status=Status.REQUESTED,
        starts_at=NOW + datetime.timedelta(days=3),
        duration_minutes=90,
    )
    page = page_for(staff.user)

    for url in (reverse("web:institution-bookings"), reverse("web:institution-request")):
        html = page.get(url).content.decode()
        left = html[html.index('id="budget-left"') :]
        assert budget.funding_source.name in left
        assert "38.50 of 40 hours" in left
