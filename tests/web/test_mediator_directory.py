"""Coordinators' pages about their mediators: find them (search, filters, pages that keep
the filters, languages by name), a mediator's page with everything about them, the import
of a volunteer list, and the monthly payouts. A coordinator of another pool gets nothing."""

import datetime
import io
import re

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from bookings.constants import AllowanceKind, Status
from bookings.models import AccessLog, Allowance, PayoutMonth
from mediators.models import Mediator
from notifications.constants import MessageKind
from notifications.models import Message
from tests.bookings.factories import BookingFactory
from tests.clock import frozen
from tests.institutions.factories import CoordinatorFactory, InstitutionFactory, PoolFactory
from tests.mediators.factories import (
    AbsenceFactory,
    AvailabilitySlotFactory,
    ConflictOfInterestFactory,
    LanguageFactory,
    MediatorFactory,
    MediatorLanguageFactory,
)

from .conftest import BERLIN

pytestmark = [
    pytest.mark.django_db,
    frozen(datetime.datetime(2026, 12, 6, 9, 0, tzinfo=BERLIN)),
]

LIST = reverse("web:coordinator-mediators")
IMPORT = reverse("web:coordinator-mediator-import")
PAYOUTS = reverse("web:coordinator-payouts")
MARK_PAID = reverse("web:coordinator-payouts-mark-paid")


def speaking(pool, *codes, **kwargs):
    mediator = MediatorFactory(pool=pool, **kwargs)
    for code in codes:
        MediatorLanguageFactory(mediator=mediator, language=LanguageFactory(code=code))
    return mediator


def names_on(html: str) -> list[str]:
    return re.findall(r'<th scope="row"><a href="/coordinator/mediators/\d+/">([^<]+)</a>', html)


@pytest.fixture
def languages():
    return {
        "ara": LanguageFactory(code="ara", name_de="Arabisch", name_en="Arabic"),
        "eng": LanguageFactory(code="eng", name_de="Englisch", name_en="English"),
    }


def test_the_list_names_languages_in_the_readers_language(page_for, coordinator, languages):
    speaking(coordinator.pool, "ara", "eng", user__first_name="Amal", user__last_name="Haddad")

    german = page_for(coordinator.user, "de").get(LIST).content.decode()
    english = page_for(coordinator.user, "en").get(LIST).content.decode()

    assert "Arabisch, Englisch" in german and "ara, eng" not in german
    assert "Arabic, English" in english


def test_search_by_name_language_town_and_vetting(page_for, coordinator, languages):
    pool = coordinator.pool
    speaking(
        pool,
        "ara",
        user__first_name="Amal",
        user__last_name="Haddad",
        home_postal_code="41747",
        pledge_signed_on=None,
        police_certificate_valid_until=None,
    )
    speaking(
        pool,
        "eng",
        user__first_name="Olena",
        user__last_name="Koval",
        home_postal_code="47906",
        training_completed_on=datetime.date(2026, 1, 5),
        pledge_signed_on=datetime.date(2026, 1, 5),
        police_certificate_valid_until=datetime.date(2027, 1, 10),
    )
    page = page_for(coordinator.user)
    kempen = re.search(
        r'<option value="(\d+)">Kempen</option>', page.get(LIST).content.decode()
    ).group(1)

    def found(**query):
        return names_on(page.get(LIST, query).content.decode())

    assert found() == ["Amal Haddad", "Olena Koval"]
    assert found(q="hadd") == ["Amal Haddad"]
    assert found(q="olena koval") == ["Olena Koval"]
    assert found(language=languages["ara"].pk) == ["Amal Haddad"]
    assert found(town=kempen) == ["Olena Koval"]
    assert found(vetting="vetted") == ["Olena Koval"]
    assert found(vetting="certificate_soon") == ["Olena Koval"]
    assert found(vetting="certificate_missing") == ["Amal Haddad"]
    assert found(standing="paused") == []
    assert "No mediator matches the search." in page.get(LIST, {"q": "nobody"}).content.decode()


def test_the_page_links_keep_the_filters(page_for, coordinator, languages):
    for number in range(30):
        speaking(coordinator.pool, "ara", user__last_name=f"Name{number:02d}")
    page = page_for(coordinator.user)

    html = page.get(LIST, {"language": languages["ara"].pk}).content.decode()
    following = re.search(r'<a href="([^"]+)" rel="next">', html).group(1).replace("&amp;", "&")
    second = page.get(LIST + following).content.decode()

    assert "??" not in html
    assert following == f"?language={languages['ara'].pk}&page=2"
    assert len(names_on(html)) == 25 and len(names_on(second)) == 5
    assert "Page 2 of 2" in second


def test_the_list_is_read_logged_once_with_the_people_shown(page_for, coordinator):
    shown = MediatorFactory(pool=coordinator.pool)

    page_for(coordinator.user).get(LIST, {"q": shown.user.last_name})

    (entry,) = AccessLog.objects.filter(what="page:coordinator-mediators")
    assert f",{shown.user_id}," in entry.user_ids and entry.query.startswith("q=")


def test_other_roles_and_other_pools_get_nothing(page_for, coordinator, staff, mediator):
    stranger = MediatorFactory(user__last_name="Fremd")
    other = CoordinatorFactory(pool=PoolFactory())

    html = page_for(coordinator.user).get(LIST).content.decode()

    assert "Fremd" not in html
    for user in (staff.user, mediator.user):
        for url in (LIST, IMPORT, PAYOUTS):
            assert page_for(user).get(url).status_code == 403
        assert page_for(user).post(MARK_PAID, {"month": "2026-11"}).status_code == 403
    detail = reverse("web:coordinator-mediator", args=[stranger.pk])
    assert page_for(other.user).get(detail).status_code == 404
    assert (
        page_for(other.user)
        .get(reverse("web:coordinator-mediator", args=[mediator.pk]))
        .status_code
        == 404
    )


def test_a_mediators_page_shows_everything_about_them(page_for, coordinator, languages):
    pool = coordinator.pool
    mediator = speaking(pool, "ara", user__first_name="Amal", user__last_name="Haddad")
    AvailabilitySlotFactory(mediator=mediator, weekday=0)
    AbsenceFactory(
        mediator=mediator,
        starts_on=datetime.date(2026, 12, 20),
        ends_on=datetime.date(2026, 12, 27),
    )
    institution = InstitutionFactory(pool=pool, name="Grundschule Am Park")
    ahead = BookingFactory(
        institution=institution,
        mediator=mediator,
        status=Status.CONFIRMED,
        starts_at=datetime.datetime(2026, 12, 10, 10, tzinfo=BERLIN),
    )
    behind = BookingFactory(
        institution=institution,
        mediator=mediator,
        status=Status.CLOSED,
        duration_minutes=90,
        starts_at=datetime.datetime(2026, 11, 10, 10, tzinfo=BERLIN),
    )
    Allowance.objects.create(
        mediator=mediator,
        booking=behind,
        kind=AllowanceKind.APPOINTMENT,
        day=datetime.date(2026, 11, 10),
        amount_cents=80_000,
    )
    ConflictOfInterestFactory(
        mediator=mediator, institution=institution, case_reference="F-2026-17"
    )
    foreign = BookingFactory(mediator=mediator, status=Status.CONFIRMED)  # another pool's
    page = page_for(coordinator.user)
    url = reverse("web:coordinator-mediator", args=[mediator.pk])
    page.get(LIST)  # listed: an access-log entry about them

    html = page.get(url).content.decode()

    assert "Arabic" in html
    assert "Monday" in html and "Dec 20, 2026" in html
    assert reverse("web:coordinator-booking", args=[ahead.pk]) in html
    assert reverse("web:coordinator-booking", args=[behind.pk]) in html
    assert reverse("web:coordinator-booking", args=[foreign.pk]) not in html
    assert re.search(r'id="hours-this-year">1.5<', html)
    assert "€800.00 of the tax-free €960.00 (83 %)" in html
    assert 'class="warning">€800.00' in html
    assert "F-2026-17" in html and "Grundschule Am Park" in html
    assert "page:coordinator-mediators" in html


def test_onboarding_without_a_language_is_refused_and_creates_nobody(page_for, coordinator):
    data = {
        "first_name": "Semhar",
        "last_name": "Tesfay",
        "email": "semhar@example.org",
        "gender": "female",
        "home_postal_code": "41747",
        "language": "en",
        "level": "4",
        "active": "on",
    }

    response = page_for(coordinator.user).post(reverse("web:coordinator-mediator-new"), data)

    html = response.content.decode()
    assert 'id="id_speaks_error"' in html
    assert "A mediator speaks at least one language: give one." in html
    assert not Mediator.objects.filter(user__email="semhar@example.org").exists()


# --- import -------------------------------------------------------------------------------

HEADER = "Vorname;Nachname;E-Mail;PLZ;Geschlecht;Sprachen;Führungszeugnis gültig bis"


def upload(page, *lines, name="liste.csv"):
    content = ("\ufeff" + "\r\n".join(lines) + "\r\n").encode()
    file = io.BytesIO(content)
    file.name = name
    return page.post(IMPORT, {"file": file})


def signed_rows(html: str) -> str:
    return re.search(r'name="rows" value="([^"]+)"', html).group(1)


def test_the_import_previews_then_imports_with_invitations(page_for, coordinator, languages):
    page = page_for(coordinator.user)

    preview = upload(
        page,
        HEADER,
        "Amal;Haddad;amal@example.org;41747;w;ara:4;31.12.2030",
        "Olena;Koval;olena@example.org;41334;w;eng:3;",
    )

    html = preview.content.decode()
    assert preview.status_code == 200
    assert "2 new, 0 skipped (account exists), 0 with errors." in html
    assert not Mediator.objects.exists() and not Message.objects.exists()

    imported = page.post(IMPORT, {"rows": signed_rows(html)})

    assert imported.status_code == 302
    assert set(Mediator.objects.values_list("pool", flat=True)) == {coordinator.pool.pk}
    assert Message.objects.filter(kind=MessageKind.ACCOUNT_INVITATION).count() == 2


def test_a_preview_with_errors_offers_no_import(page_for, coordinator, languages):
    response = upload(
        page_for(coordinator.user),
        HEADER,
        "Amal;Haddad;amal@example.org;41747;w;ara:4;",
        "Amal;Haddad;amal@example.org;41747;w;ara:4;",
    )

    html = response.content.decode()
    assert "The same e-mail address as in line 2." in html
    assert 'name="rows"' not in html
    assert "a list with errors imports nothing" in html


def test_a_wrong_file_is_explained(page_for, coordinator):
    file = io.BytesIO("Vorname;Nachname\r\nJörg;Müller\r\n".encode("cp1252"))
    file.name = "liste.csv"

    response = page_for(coordinator.user).post(IMPORT, {"file": file})

    assert response.status_code == 400
    assert "The file is not in UTF-8." in response.content.decode()


def test_tampered_rows_are_not_imported(page_for, coordinator):
    response = page_for(coordinator.user).post(IMPORT, {"rows": "forged"}, follow=True)

    assert "The preview has expired: upload the file again." in response.content.decode()
    assert not Mediator.objects.exists()


def test_the_template_downloads_as_csv_for_german_excel(page_for, coordinator):
    response = page_for(coordinator.user).get(reverse("web:coordinator-mediator-import-template"))

    text = response.content.decode("utf-8")
    assert response["Content-Type"].startswith("text/csv")
    assert text.startswith("\ufeffVorname;Nachname;E-Mail;Telefon;PLZ;Ort;Geschlecht;Sprachen")


# --- payouts ------------------------------------------------------------------------------


@pytest.fixture
def paid_work(coordinator):
    mediator = MediatorFactory(
        pool=coordinator.pool,
        user__first_name="Amal",
        user__last_name="Haddad",
        iban="DE89370400440532013000",
    )
    booking = BookingFactory(
        institution=InstitutionFactory(pool=coordinator.pool),
        mediator=mediator,
        status=Status.CLOSED,
        starts_at=datetime.datetime(2026, 11, 3, 10, tzinfo=BERLIN),
    )
    Allowance.objects.create(
        mediator=mediator,
        booking=booking,
        kind=AllowanceKind.APPOINTMENT,
        day=datetime.date(2026, 11, 3),
        amount_cents=4_550,
    )
    return booking


def test_the_payouts_page_shows_last_month_with_downloads(page_for, coordinator, paid_work):
    page = page_for(coordinator.user)

    html = page.get(PAYOUTS).content.decode()
    csv_text = page.get(PAYOUTS, {"month": "2026-11", "format": "csv"}).content.decode("utf-8")
    xlsx = page.get(PAYOUTS, {"month": "2026-11", "format": "xlsx"})

    assert 'value="2026-11"' in html
    assert "Haddad, Amal" in html and "DE89370400440532013000" in html and "€45.50" in html
    assert csv_text.startswith("\ufeff")
    assert f"Haddad;Amal;DE89370400440532013000;{paid_work.pk};45,50\r\n" in csv_text
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert sheet["E2"].value == 45.5
    exports = AccessLog.objects.filter(action="export", what__startswith="page:coordinator-payouts")
    assert exports.count() == 2


def test_a_month_is_marked_paid_once(page_for, coordinator, paid_work):
    page = page_for(coordinator.user)

    first = page.post(MARK_PAID, {"month": "2026-11"}, follow=True)
    second = page.post(MARK_PAID, {"month": "2026-11"}, follow=True)

    assert "11/2026 is marked as paid (€45.50)." in first.content.decode()
    assert "cannot be paid twice" in second.content.decode()
    assert PayoutMonth.objects.get().paid_by == coordinator.user
    assert 'id="paid-state"' in second.content.decode()


def test_another_pools_coordinator_sees_and_pays_nothing_of_this_pool(page_for, paid_work):
    other = CoordinatorFactory(pool=PoolFactory())
    page = page_for(other.user)

    html = page.get(PAYOUTS, {"month": "2026-11"}).content.decode()
    page.post(MARK_PAID, {"month": "2026-11"})

    assert "Haddad" not in html and "No allowances in this month." in html
    assert not PayoutMonth.objects.exists()


def test_a_mediator_gives_their_own_iban_and_keeps_at_least_one_language(page_for, mediator):
    turkish = LanguageFactory(code="tur", name_de="Türkisch", name_en="Turkish")
    data = {
        "phone": "",
        "iban": "de89 3704 0044 0532 0130 00",
        "home_postal_code": mediator.home_postal_code,
        "max_travel_km": "20",
        "max_hours_per_week": "8",
        "max_hours_per_month": "20",
        "language": "en",
        "languages-TOTAL_FORMS": "1",
        "languages-INITIAL_FORMS": "0",
        "languages-MIN_NUM_FORMS": "0",
        "languages-MAX_NUM_FORMS": "12",
        "languages-0-language": turkish.pk,
        "languages-0-level": "4",
    }
    page = page_for(mediator.user)

    saved = page.post(reverse("web:mediator-profile"), data)
    emptied = page.post(reverse("web:mediator-profile"), {**data, "languages-0-language": ""})

    mediator.refresh_from_db()
    assert saved.status_code == 302 and mediator.iban == "DE89370400440532013000"
    assert "A mediator speaks at least one language: give one." in emptied.content.decode()
    assert [row.language for row in mediator.languages.all()] == [turkish]


def test_the_list_costs_the_same_queries_for_few_and_many_mediators(page_for, coordinator):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    page = page_for(coordinator.user)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert page.get(LIST).status_code == 200
        return len(captured)

    for code in ("ara", "ukr", "fas"):
        speaking(coordinator.pool, code)
    few = queries()
    for number in range(12):
        speaking(coordinator.pool, "ara", "ukr", user__last_name=f"Many{number}")
    many = queries()

    assert many == few
