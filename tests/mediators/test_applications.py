"""Applications to become a mediator: accepting starts the onboarding exactly once, declining
sends the coordinators' message, and only the pool's own coordinators decide."""

import datetime

import pytest
from django.conf import settings

from bookings.privacy.erasure import person_erase
from config.celery_app import app
from core.exceptions import DomainError
from mediators.applications.services import (
    ApplicationDecided,
    application_accept,
    application_decline,
    application_submit,
    applications_purge,
)
from mediators.models import Mediator, MediatorApplication
from mediators.tasks import purge_applications
from notifications.constants import MessageKind
from notifications.models import Message
from tests.institutions.factories import CoordinatorFactory, PoolFactory
from tests.mediators.factories import LanguageFactory

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)


def apply(pool, **overrides):
    fields = {
        "pool": pool,
        "first_name": "Olena",
        "last_name": "Kovalenko",
        "email": "Olena@Example.org",
        "phone": "0160 1234567",
        "gender": "female",
        "postal_code": "41747",
        "town": "Viersen",
        "languages": [LanguageFactory(code="ukr", name_de="Ukrainisch", name_en="Ukrainian")],
        "availability": "Tuesday and Thursday mornings",
        "consent": True,
        "language": "uk",
        "now": NOW,
    }
    fields.update(overrides)
    return application_submit(**fields)


def test_an_application_waits_open_with_its_languages_and_the_moment_of_consent():
    pool = PoolFactory()

    application = apply(pool)

    assert application.status == MediatorApplication.Status.OPEN
    assert application.email == "olena@example.org"
    assert application.consented_at == NOW
    assert [language.code for language in application.languages.all()] == ["ukr"]


def test_an_application_without_consent_is_refused_and_nothing_is_saved():
    with pytest.raises(DomainError) as error:
        apply(PoolFactory(), consent=False)

    assert error.value.field == "consent"
    assert not MediatorApplication.objects.exists()


def test_an_application_without_any_language_is_refused():
    with pytest.raises(DomainError) as error:
        apply(PoolFactory(), languages=[], other_languages="  ")

    assert error.value.field == "languages"
    assert not MediatorApplication.objects.exists()


def test_accepting_onboards_the_mediator_with_the_languages_and_invites_once():
    pool = PoolFactory()
    coordinator = CoordinatorFactory(pool=pool)
    application = apply(pool)

    mediator = application_accept(application=application, by=coordinator.user, now=NOW)

    assert mediator.pool == pool
    assert mediator.user.email == "olena@example.org"
    assert mediator.language == "uk"
    assert [row.language.code for row in mediator.languages.all()] == ["ukr"]
    invitations = Message.objects.filter(kind=MessageKind.ACCOUNT_INVITATION)
    assert [row.recipient_email for row in invitations] == ["olena@example.org"]
    application.refresh_from_db()
    assert application.status == MediatorApplication.Status.ACCEPTED
    assert application.mediator == mediator


def test_accepting_twice_changes_nothing_the_second_time():
    pool = PoolFactory()
    coordinator = CoordinatorFactory(pool=pool)
    application = apply(pool)
    application_accept(application=application, by=coordinator.user, now=NOW)

    with pytest.raises(ApplicationDecided):
        application_accept(application=application, by=coordinator.user, now=NOW)

    assert Mediator.objects.count() == 1
    assert Message.objects.filter(kind=MessageKind.ACCOUNT_INVITATION).count() == 1


def test_declining_sends_the_message_in_the_applicants_language_once():
    pool = PoolFactory()
    coordinator = CoordinatorFactory(pool=pool)
    application = apply(pool)

    application_decline(
        application=application, by=coordinator.user, message="We have enough.", now=NOW
    )

    with pytest.raises(ApplicationDecided):
        application_decline(application=application, by=coordinator.user, message="Again", now=NOW)
    message = Message.objects.get(kind=MessageKind.APPLICANT_MESSAGE)
    assert message.recipient_email == "olena@example.org"
    assert message.language == "uk"
    assert message.context == {"text": "We have enough."}
    assert not Mediator.objects.exists()
    application.refresh_from_db()
    assert application.status == MediatorApplication.Status.DECLINED


def test_declining_without_a_message_is_refused_and_changes_nothing():
    pool = PoolFactory()
    application = apply(pool)

    with pytest.raises(DomainError):
        application_decline(
            application=application, by=CoordinatorFactory(pool=pool).user, message=" "
        )

    application.refresh_from_db()
    assert application.status == MediatorApplication.Status.OPEN
    assert not Message.objects.exists()


def test_a_coordinator_of_another_pool_can_neither_accept_nor_decline():
    application = apply(PoolFactory())
    stranger = CoordinatorFactory(pool=PoolFactory()).user

    with pytest.raises(DomainError):
        application_accept(application=application, by=stranger)
    with pytest.raises(DomainError):
        application_decline(application=application, by=stranger, message="No")

    assert not Mediator.objects.exists() and not Message.objects.exists()


def test_decided_applications_are_deleted_after_thirty_days_undecided_ones_after_180():
    pool = PoolFactory()
    coordinator = CoordinatorFactory(pool=pool)
    declined = apply(pool, email="a@example.org")
    application_decline(application=declined, by=coordinator.user, message="No", now=NOW)
    fresh = apply(pool, email="b@example.org", now=NOW + datetime.timedelta(days=20))
    old = apply(pool, email="c@example.org", now=NOW - datetime.timedelta(days=200))

    assert applications_purge(now=NOW + datetime.timedelta(days=29)) == 1  # the old one
    assert applications_purge(now=NOW + datetime.timedelta(days=31)) == 1  # the declined one

    assert list(MediatorApplication.objects.all()) == [fresh]
    assert not MediatorApplication.objects.filter(pk__in=[declined.pk, old.pk]).exists()


def test_erasing_the_mediator_erases_the_application_they_came_with():
    pool = PoolFactory()
    coordinator = CoordinatorFactory(pool=pool)
    application = apply(pool)
    mediator = application_accept(application=application, by=coordinator.user, now=NOW)

    person_erase(actor=coordinator.user, user=mediator.user)

    assert not MediatorApplication.objects.filter(pk=application.pk).exists()


def test_the_purge_runs_every_night_as_a_registered_task():
    names = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}

    assert "mediators.tasks.purge_applications" in names
    assert purge_applications.name in app.tasks
