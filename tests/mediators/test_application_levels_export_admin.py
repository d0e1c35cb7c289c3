"""Applications to become a mediator: the applicant gives a level per language (the levels
mediators have), the coordinator sees and adjusts them when accepting; the application is
in the person's Art. 15 export, and the admin lists it read-mostly."""

import datetime
import json

import pytest
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from bookings.privacy.selectors import personal_data_export
from core.exceptions import DomainError
from institutions.coordination import COORDINATION_GROUP
from mediators.applications.selectors import application_export
from mediators.applications.services import application_accept, application_submit
from mediators.constants import LanguageLevel
from mediators.models import Mediator, MediatorApplication, MediatorLanguage
from tests.institutions.factories import CoordinatorFactory, PoolFactory
from tests.mediators.factories import LanguageFactory

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)


@pytest.fixture(autouse=True)
def _fresh_counters():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def languages():
    return (
        LanguageFactory(code="ukr", name_de="Ukrainisch", name_en="Ukrainian"),
        LanguageFactory(code="rus", name_de="Russisch", name_en="Russian"),
    )


def apply(pool, languages, **overrides):
    fields = {
        "pool": pool,
        "first_name": "Olena",
        "last_name": "Kovalenko",
        "email": "olena@example.org",
        "gender": "female",
        "postal_code": "41747",
        "town": "Viersen",
        "languages": list(languages),
        "availability": "Tuesday mornings",
        "consent": True,
        "language": "uk",
        "now": NOW,
    }
    fields.update(overrides)
    return application_submit(**fields)


def levels_of(mediator) -> dict[str, int]:
    return {
        row.language.code: row.level
        for row in MediatorLanguage.objects.filter(mediator=mediator).select_related("language")
    }


# --- levels ---------------------------------------------------------------------------------


def test_the_applicants_levels_are_kept_and_recorded_on_accepting(languages):
    pool = PoolFactory()
    application = apply(pool, languages, language_levels={"ukr": LanguageLevel.NATIVE})

    assert application.language_levels == {"ukr": 4}
    mediator = application_accept(
        application=application, by=CoordinatorFactory(pool=pool).user, now=NOW
    )

    # the level given, and "fluent" for the language without one
    assert levels_of(mediator) == {"ukr": LanguageLevel.NATIVE, "rus": LanguageLevel.FLUENT}


def test_the_coordinator_adjusts_a_level_when_accepting(languages):
    pool = PoolFactory()
    application = apply(
        pool, languages, language_levels={"ukr": LanguageLevel.NATIVE, "rus": LanguageLevel.NATIVE}
    )

    mediator = application_accept(
        application=application,
        by=CoordinatorFactory(pool=pool).user,
        levels={"rus": LanguageLevel.BASIC},
        now=NOW,
    )

    assert levels_of(mediator) == {"ukr": LanguageLevel.NATIVE, "rus": LanguageLevel.BASIC}


@pytest.mark.parametrize("levels", [{"ukr": 9}, {"ukr": "fluent"}, {"ara": LanguageLevel.GOOD}])
def test_a_level_out_of_the_list_or_for_another_language_is_refused(languages, levels):
    with pytest.raises(DomainError):
        apply(PoolFactory(), languages, language_levels=levels)

    assert not MediatorApplication.objects.exists()


def test_a_bad_level_on_accepting_changes_nothing(languages):
    pool = PoolFactory()
    application = apply(pool, languages)

    with pytest.raises(DomainError):
        application_accept(
            application=application, by=CoordinatorFactory(pool=pool).user, levels={"ukr": 0}
        )

    application.refresh_from_db()
    assert application.status == MediatorApplication.Status.OPEN
    assert not Mediator.objects.exists()


def test_the_form_takes_a_level_per_language_and_the_work_list_shows_it(languages):
    pool = PoolFactory()
    ukrainian, russian = languages
    visitor = Client(HTTP_ACCEPT_LANGUAGE="en")
    form = visitor.get(reverse("web:apply")).content.decode()
    assert 'name="level_ukr"' in form and 'name="level_rus"' in form

    visitor.post(
        reverse("web:apply"),
        {
            "pool": pool.pk,
            "languages": [ukrainian.pk, russian.pk],
            "level_ukr": str(LanguageLevel.NATIVE),
            "level_rus": "",
            "first_name": "Olena",
            "last_name": "Kovalenko",
            "email": "olena@example.org",
            "gender": "female",
            "town": "Viersen",
            "postal_code": "41747",
            "availability": "Tuesday mornings",
            "language": "uk",
            "consent": "on",
            "website": "",
        },
    )

    application = MediatorApplication.objects.get()
    assert application.language_levels == {"ukr": LanguageLevel.NATIVE}
    coordinator = Client(HTTP_ACCEPT_LANGUAGE="en")
    coordinator.force_login(CoordinatorFactory(pool=pool).user)
    work = coordinator.get(reverse("web:coordinator-worklist")).content.decode()
    assert "Ukrainian (native)" in work and "Russian (no level given)" in work
    assert f'id="level-{application.pk}-rus"' in work

    coordinator.post(
        reverse("web:coordinator-application-accept", args=[application.pk]),
        {"level_ukr": str(LanguageLevel.NATIVE), "level_rus": str(LanguageLevel.GOOD)},
    )

    assert levels_of(Mediator.objects.get()) == {
        "ukr": LanguageLevel.NATIVE,
        "rus": LanguageLevel.GOOD,
    }


# --- Art. 15 --------------------------------------------------------------------------------


def test_a_mediator_finds_the_application_they_came_with_in_their_export(languages):
    pool = PoolFactory()
    application = apply(pool, languages, language_levels={"ukr": LanguageLevel.NATIVE})
    mediator = application_accept(application=application, by=CoordinatorFactory(pool=pool).user)

    export = personal_data_export(mediator.user, now=NOW)

    [row] = export["applications"]
    assert row["id"] == application.pk
    assert row["email"] == "olena@example.org"
    assert row["availability"] == "Tuesday mornings"
    assert row["languages"] == [
        {"language": "rus", "level": None},
        {"language": "ukr", "level": LanguageLevel.NATIVE},
    ]
    assert row["status"] == MediatorApplication.Status.ACCEPTED


def test_someone_elses_application_is_not_in_an_export(languages):
    pool = PoolFactory()
    apply(pool, languages, email="someone@example.org")
    coordinator = CoordinatorFactory(pool=pool)

    assert personal_data_export(coordinator.user, now=NOW)["applications"] == []


def test_an_applicant_without_an_account_gets_every_application_from_their_address(languages):
    pool = PoolFactory()
    first = apply(pool, languages)
    second = apply(pool, languages, email="OLENA@example.org", availability="evenings")
    apply(pool, languages, email="other@example.org")
    apply(PoolFactory(), languages)  # another pool's

    export = application_export(first, now=NOW)

    assert [row["id"] for row in export["applications"]] == [first.pk, second.pk]
    assert export["format"] == "sprachmittlerpool-personal-data/1"


# --- the admin ------------------------------------------------------------------------------


def coordinator_client(pool) -> Client:
    coordinator = CoordinatorFactory(pool=pool, user__is_staff=True)
    coordinator.user.groups.add(Group.objects.get(name=COORDINATION_GROUP))
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(coordinator.user)
    return client, coordinator


def test_the_admin_lists_the_pools_applications_with_search_and_status_filter(languages):
    pool = PoolFactory()
    client, _coordinator = coordinator_client(pool)
    apply(pool, languages, last_name="Kovalenko")
    apply(pool, languages, last_name="Shevchenko", email="taras@example.org")
    apply(PoolFactory(), languages, last_name="Elsewhere", email="x@example.org")
    url = reverse("admin:mediators_mediatorapplication_changelist")

    everything = client.get(url).content.decode()
    found = client.get(url, {"q": "taras@"}).content.decode()
    open_ones = client.get(url, {"status__exact": "open"}).content.decode()
    declined = client.get(url, {"status__exact": "declined"}).content.decode()

    assert "Kovalenko" in everything and "Shevchenko" in everything
    assert "Elsewhere" not in everything
    assert "Shevchenko" in found and "Kovalenko" not in found
    assert "Kovalenko" in open_ones and "Kovalenko" not in declined
    add = client.get(reverse("admin:mediators_mediatorapplication_add"))
    assert add.status_code == 403


def test_an_open_application_may_have_its_contact_corrected_a_decided_one_not(languages):
    pool = PoolFactory()
    client, coordinator = coordinator_client(pool)
    application = apply(pool, languages)
    url = reverse("admin:mediators_mediatorapplication_change", args=[application.pk])

    client.post(
        url,
        {
            "first_name": "Olena",
            "last_name": "Kovalenko",
            "email": "olena.k@example.org",
            "phone": "",
            "postal_code": "41747",
            "town": "Viersen",
        },
    )
    application.refresh_from_db()
    assert application.email == "olena.k@example.org"

    application_accept(application=application, by=coordinator.user, now=NOW)
    page = client.get(url).content.decode()
    response = client.post(url, {"first_name": "Changed", "email": "changed@example.org"})

    application.refresh_from_db()
    assert 'name="email"' not in page  # shown, not editable
    assert response.status_code == 403
    assert (application.first_name, application.email) == ("Olena", "olena.k@example.org")


def test_the_admin_downloads_one_applicants_data(languages):
    pool = PoolFactory()
    client, _coordinator = coordinator_client(pool)
    application = apply(pool, languages)

    response = client.post(
        reverse("admin:mediators_mediatorapplication_changelist"),
        {"action": "export_json", "_selected_action": [application.pk]},
    )

    assert response["Content-Type"].startswith("application/json")
    data = json.loads(response.content)
    assert [row["email"] for row in data["applications"]] == ["olena@example.org"]
