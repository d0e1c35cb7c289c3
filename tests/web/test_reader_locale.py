"""Arabic, Farsi, Ukrainian and Turkish as their readers expect them: dates and times as CLDR
writes them (the same on every screen), left-to-right runs isolated in right-to-left text, and
nothing on a mediator's page left in German or English."""

import datetime
import html as html_lib
import re
from html.parser import HTMLParser

import polib
import pytest
from babel.dates import format_date, format_time, get_datetime_format
from django.conf import settings
from django.urls import reverse
from django.utils.translation import get_language_info

from bookings.constants import AllowanceKind, Status
from bookings.models import Allowance
from core.constants import Topic
from core.locale_format import format_clock, format_day, format_moment, format_month
from mediators.models import Dialect, Language
from tests.bookings.factories import BookingFactory, OfferFactory
from tests.clock import frozen
from tests.mediators.factories import AbsenceFactory, MediatorLanguageFactory

from .conftest import BERLIN

# START lies two days ahead: an open offer, an appointment the day after, one three days
# before that waits for its report.
START = datetime.datetime(2026, 12, 16, 11, 45, tzinfo=BERLIN)
NOW = datetime.datetime(2026, 12, 14, 9, 0, tzinfo=BERLIN)
pytestmark = [pytest.mark.django_db, frozen(NOW)]

LANGUAGES = ["ar", "fa", "uk", "tr", "de"]
PHONE = "0151 4203191"


def babel_moment(moment: datetime.datetime, language: str) -> str:
    """What Babel itself makes of the instant in Berlin: medium day, short time, joined."""
    local = moment.astimezone(BERLIN)
    return (
        str(get_datetime_format("medium", locale=language))
        .replace("{1}", format_date(local.date(), "medium", locale=language))
        .replace("{0}", format_time(local.time(), "short", locale=language))
    )


@pytest.mark.parametrize("language", LANGUAGES)
def test_days_times_and_months_are_written_as_cldr_writes_them_in_berlin(language):
    utc = START.astimezone(datetime.UTC)

    assert format_day(utc, language) == format_date(START.date(), "medium", locale=language)
    assert format_clock(utc, language) == format_time(START.time(), "short", locale=language)
    assert format_moment(utc, language) == babel_moment(START, language)
    assert format_month(START.date(), language) == format_date(
        START.date(), "LLLL y", locale=language
    )


def test_a_moment_is_shown_in_the_pools_time_zone_across_the_clock_change():
    summer = datetime.datetime(2026, 7, 1, 9, 0, tzinfo=datetime.UTC)  # 11:00 CEST
    winter = datetime.datetime(2026, 12, 1, 9, 0, tzinfo=datetime.UTC)  # 10:00 CET

    assert format_moment(summer, "de") == "01.07.2026, 11:00"
    assert format_moment(winter, "de") == "01.12.2026, 10:00"


def test_a_naive_instant_is_refused_not_guessed():
    with pytest.raises(ValueError):
        format_moment(datetime.datetime(2026, 12, 16, 11, 45), "de")  # noqa: DTZ001


@pytest.fixture
def levantine():
    return Dialect.objects.get(language__code="ara", code="levantine")


@pytest.fixture
def shown(mediator, levantine):
    """An offer, a confirmed appointment with a contact's phone, one that waits for the
    report, an absence and an allowance: everything a mediator's pages show, with a topic
    and a dialect."""
    arabic = Language.objects.get(code="ara")
    MediatorLanguageFactory(mediator=mediator, language=arabic)
    common = {
        "institution__pool": mediator.pool,
        "language": arabic,
        "dialect": levantine,
        "topic": Topic.PARENTS_TEACHER,
        "case_reference": "AZ 2026/17-b",
    }
    offered = BookingFactory(**common, status=Status.OFFERED, starts_at=START)
    offer = OfferFactory(
        booking=offered, mediator=mediator, expires_at=START - datetime.timedelta(days=1)
    )
    confirmed = BookingFactory(
        **common,
        status=Status.CONFIRMED,
        mediator=mediator,
        starts_at=START + datetime.timedelta(days=1),
        contact_name="Frau Yilmaz",
        contact_phone=PHONE,
    )
    due = BookingFactory(
        **common,
        status=Status.CONFIRMED,
        mediator=mediator,
        starts_at=START - datetime.timedelta(days=3),
    )
    Allowance.objects.create(
        mediator=mediator,
        booking=offered,
        kind=AllowanceKind.APPOINTMENT,
        day=START.date(),
        amount_cents=2250,
    )
    AbsenceFactory(
        mediator=mediator,
        starts_on=START.date() + datetime.timedelta(days=20),
        ends_on=START.date() + datetime.timedelta(days=22),
    )
    return {"offered": offered, "offer": offer, "confirmed": confirmed, "due": due}


def mediator_pages(shown) -> dict[str, str]:
    return {
        "offers": reverse("web:mediator-offers"),
        "offer": reverse("web:mediator-booking", args=[shown["offered"].pk]),
        "assignments": reverse("web:mediator-assignments"),
        "booking": reverse("web:mediator-booking", args=[shown["confirmed"].pk]),
        "report": reverse("web:mediator-booking", args=[shown["due"].pk]),
        "availability": reverse("web:mediator-availability"),
        "absences": reverse("web:mediator-absences"),
        "profile": reverse("web:mediator-profile"),
        "statement": reverse("web:mediator-statement") + f"?month={START:%Y-%m}",
        "feed": reverse("web:mediator-feed"),
    }


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_offers_and_the_statement_write_the_same_moment_alike(
    page_for, mediator, shown, language
):
    page = page_for(mediator.user, language)
    expected = html_lib.escape(babel_moment(START, language))

    offers = page.get(reverse("web:mediator-offers")).content.decode()
    statement = page.get(mediator_pages(shown)["statement"]).content.decode()

    assert expected in offers
    assert expected in statement
    assert html_lib.escape(babel_moment(shown["offer"].expires_at, language)) in offers


def test_the_arabic_offer_is_not_written_as_an_american_date(page_for, mediator, shown):
    offers = page_for(mediator.user, "ar").get(reverse("web:mediator-offers")).content.decode()

    assert "12/16/2026" not in offers
    assert "16\u200f/12\u200f/2026" in offers


@pytest.mark.parametrize("language", ["ar", "fa"])
def test_phone_numbers_places_and_case_references_are_isolated_in_right_to_left_pages(
    page_for, mediator, shown, language
):
    page = page_for(mediator.user, language)
    booking = shown["confirmed"]

    html = page.get(reverse("web:mediator-booking", args=[booking.pk])).content.decode()
    cards = page.get(reverse("web:mediator-assignments")).content.decode()

    assert 'dir="rtl"' in html
    assert f'<a href="tel:{PHONE}" dir="ltr" class="phone">{PHONE}</a>' in html
    assert "<bdi>AZ 2026/17-b</bdi>" in html
    assert f"<bdi>{html_lib.escape(booking.location.address)}</bdi>" in html
    assert f"<bdi>{html_lib.escape(str(booking.location.town))}</bdi>" in cards
    assert f"<bdi>{html_lib.escape(booking.institution.name)}</bdi>" in cards


def test_the_phone_field_of_the_profile_runs_left_to_right(page_for, mediator):
    html = page_for(mediator.user, "ar").get(reverse("web:mediator-profile")).content.decode()

    field = re.search(r"<input[^>]*name=\"phone\"[^>]*>", html).group(0)
    assert 'type="tel"' in field and 'dir="ltr"' in field


# -- nothing left untranslated ---------------------------------------------------------------


class VisibleText(HTMLParser):
    """The text a reader sees: text nodes outside <head>, <script> and <style>, and the
    labels read out (aria-label, title, placeholder, alt)."""

    HIDDEN = {"head", "script", "style", "template"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.depth = 0
        self.texts: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in self.HIDDEN:
            self.depth += 1
        for name, value in attrs:
            if name in {"aria-label", "title", "placeholder", "alt", "data-label"} and value:
                self.texts.append(value)

    def handle_endtag(self, tag):
        if tag in self.HIDDEN and self.depth:
            self.depth -= 1

    def handle_data(self, data):
        if not self.depth and data.strip():
            self.texts.append(data)


FRAGMENT = re.compile(r"\s*(?:[·,:;()–|]|\s[-/]\s|\s{2,})\s*")


def fragments(html: str) -> set[str]:
    parser = VisibleText()
    parser.feed(html)
    found = set()
    for text in parser.texts:
        text = " ".join(text.split())
        found.add(text)
        found.update(part.strip() for part in FRAGMENT.split(text) if part.strip())
    return {f for f in found if re.search(r"[A-Za-zÄÖÜäöüß]{2}", f)}


def catalogue_texts(language: str, *, sources: bool = False) -> set[str]:
    """The catalogue's translations (and with ``sources`` its English msgids)."""
    po = polib.pofile(str(settings.BASE_DIR / "locale" / language / "LC_MESSAGES" / "django.po"))
    texts = set()
    for entry in po:
        if entry.obsolete:
            continue
        if sources:
            texts.add(entry.msgid)
        if entry.msgstr:
            texts.add(entry.msgstr)
    return {" ".join(t.split()) for t in texts if "%" not in t and "{" not in t}


def german_and_english() -> set[str]:
    return catalogue_texts("de", sources=True)


@pytest.mark.parametrize("language", ["ar", "fa", "uk", "tr"])
def test_no_german_or_english_text_is_left_on_a_mediators_pages(
    page_for, mediator, shown, language
):
    page = page_for(mediator.user, language)
    own = catalogue_texts(language)  # what the language writes the same (e.g. "CSV", "PDF")
    source = german_and_english() - own
    # What the data says in its own words: names, places, the pool, the case reference.
    booking = shown["confirmed"]
    data = {
        str(mediator),
        str(mediator.pool),
        mediator.user.get_full_name(),
        booking.institution.name,
        booking.location.name,
        str(booking.location.town),
        booking.location.address,
        "Frau Yilmaz",
        # the language switch names each language in its own words
        *(get_language_info(code)["name_local"] for code, _name in settings.LANGUAGES),
    }

    left = {}
    for name, url in mediator_pages(shown).items():
        response = page.get(url)
        assert response.status_code == 200, name
        untranslated = (fragments(response.content.decode()) & source) - data
        if untranslated:
            left[name] = sorted(untranslated)

    assert left == {}, left


def test_the_check_finds_a_german_or_english_word_left_in_a_page():
    page = '<td data-label="Betrag">Termin</td><dd>School · Parent-teacher talk</dd>'

    left = fragments(page) & (german_and_english() - catalogue_texts("ar"))

    assert {"Termin", "Parent-teacher talk", "Betrag"} <= left
