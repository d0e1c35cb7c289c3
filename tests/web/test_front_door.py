"""The front door: what a visitor who is not signed in reads at /, the form to apply as a
mediator (honeypot, rate limit, consent), the favicon, and the coordinators' decision in
their work list."""

import pytest
from django.core.cache import cache
from django.test import Client, override_settings
from django.urls import reverse

from mediators.models import Mediator, MediatorApplication
from notifications.constants import MessageKind
from notifications.models import Message
from tests.institutions.factories import CoordinatorFactory, PoolFactory
from tests.mediators.factories import LanguageFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_counters():
    cache.clear()
    yield
    cache.clear()


def form_data(pool, **overrides):
    language = LanguageFactory(code="ukr", name_de="Ukrainisch", name_en="Ukrainian")
    data = {
        "pool": pool.pk,
        "languages": [language.pk],
        "other_languages": "",
        "first_name": "Olena",
        "last_name": "Kovalenko",
        "email": "olena@example.org",
        "phone": "",
        "gender": "female",
        "town": "Viersen",
        "postal_code": "41747",
        "availability": "Tuesday mornings",
        "language": "uk",
        "consent": "on",
        "website": "",
    }
    data.update(overrides)
    return data


def english():
    return Client(HTTP_ACCEPT_LANGUAGE="en")


def test_the_front_door_names_the_integration_centre_of_the_pool_and_both_ways_in():
    PoolFactory(name="Sprachmittlerpool Kreis Kleve", district="Kreis Kleve")

    html = english().get("/").content.decode()

    assert "Sprachmittlerpool Kreis Kleve" in html and "Kreis Kleve" in html
    assert f'href="{reverse("login")}"' in html
    assert f'href="{reverse("web:apply")}"' in html


def test_signed_in_users_keep_their_start_page(page_for, coordinator):
    response = page_for(coordinator.user).get("/")

    assert response.status_code == 302
    assert response["Location"] == reverse("web:coordinator-worklist")


def test_an_application_is_saved_and_the_applicant_thanked():
    pool = PoolFactory()

    response = english().post(reverse("web:apply"), form_data(pool))

    assert response.status_code == 302
    assert response["Location"] == reverse("web:apply-sent")
    application = MediatorApplication.objects.get()
    assert application.pool == pool and application.language == "uk"


def test_a_filled_honeypot_is_rejected_without_saving():
    pool = PoolFactory()

    response = english().post(reverse("web:apply"), form_data(pool, website="http://spam"))

    assert response.status_code == 400
    assert "could not be sent" in response.content.decode()
    assert not MediatorApplication.objects.exists()


def test_without_consent_the_form_says_so_and_nothing_is_saved():
    pool = PoolFactory()
    data = form_data(pool)
    del data["consent"]

    response = english().post(reverse("web:apply"), data)

    assert response.status_code == 400
    assert "Please agree to the privacy notice to apply." in response.content.decode()
    assert not MediatorApplication.objects.exists()


@override_settings(MEDIATOR_APPLICATION_RATE="2/hour")
def test_too_many_applications_from_one_address_answer_429_with_a_clear_page():
    pool = PoolFactory()
    client = english()
    for email in ("a@example.org", "b@example.org"):
        assert client.post(reverse("web:apply"), form_data(pool, email=email)).status_code == 302

    response = client.post(reverse("web:apply"), form_data(pool, email="c@example.org"))

    assert response.status_code == 429
    assert "Too many applications" in response.content.decode()
    assert MediatorApplication.objects.count() == 2
    other = Client(HTTP_ACCEPT_LANGUAGE="en", REMOTE_ADDR="192.0.2.7")
    assert (
        other.post(reverse("web:apply"), form_data(pool, email="d@example.org")).status_code == 302
    )


@override_settings(MEDIATOR_APPLICATION_RATE="1/hour", TRUSTED_PROXY_COUNT=1)
def test_the_rate_limit_counts_the_address_the_trusted_proxy_saw_not_a_forged_one():
    pool = PoolFactory()
    client = english()
    first = client.post(
        reverse("web:apply"), form_data(pool), HTTP_X_FORWARDED_FOR="198.51.100.1, 203.0.113.9"
    )

    forged = client.post(
        reverse("web:apply"),
        form_data(pool, email="x@example.org"),
        HTTP_X_FORWARDED_FOR="198.51.100.2, 203.0.113.9",
    )

    assert first.status_code == 302 and forged.status_code == 429


def test_the_favicon_answers_at_the_root_and_is_linked_from_every_page():
    response = english().get("/favicon.ico")

    assert response.status_code == 302
    assert english().get(response["Location"]).status_code == 200
    html = english().get("/").content.decode()
    assert 'rel="icon"' in html and "favicon.svg" in html


def test_the_privacy_notice_says_how_long_applications_are_kept():
    html = english().get(reverse("web:privacy-notice")).content.decode()

    assert "30 days after the decision" in html


def submitted(pool):
    english().post(reverse("web:apply"), form_data(pool))
    return MediatorApplication.objects.get()


def test_the_application_shows_in_the_pools_work_list_only(page_for):
    pool = PoolFactory()
    application = submitted(pool)
    own = CoordinatorFactory(pool=pool).user
    stranger = CoordinatorFactory(pool=PoolFactory()).user
    accept = reverse("web:coordinator-application-accept", args=[application.pk])

    assert accept in page_for(own).get(reverse("web:coordinator-worklist")).content.decode()
    assert (
        accept not in page_for(stranger).get(reverse("web:coordinator-worklist")).content.decode()
    )
    assert page_for(stranger).post(accept).status_code == 404
    decline = reverse("web:coordinator-application-decline", args=[application.pk])
    assert page_for(stranger).post(decline, {"message": "No"}).status_code == 404
    assert not Mediator.objects.exists() and not Message.objects.exists()


def test_accepting_twice_onboards_and_invites_exactly_once(page_for):
    pool = PoolFactory()
    application = submitted(pool)
    client = page_for(CoordinatorFactory(pool=pool).user)
    accept = reverse("web:coordinator-application-accept", args=[application.pk])

    first = client.post(accept)
    second = client.post(accept, follow=True)

    mediator = Mediator.objects.get()
    assert first["Location"] == reverse("web:coordinator-mediator", args=[mediator.pk])
    assert "decided already" in second.content.decode()
    assert Message.objects.filter(kind=MessageKind.ACCOUNT_INVITATION).count() == 1


def test_declining_sends_the_message_and_an_empty_one_is_refused(page_for):
    pool = PoolFactory()
    application = submitted(pool)
    client = page_for(CoordinatorFactory(pool=pool).user)
    decline = reverse("web:coordinator-application-decline", args=[application.pk])

    empty = client.post(decline, {"message": ""}, follow=True)
    assert "Write a few words to the applicant." in empty.content.decode()
    assert not Message.objects.exists()

    client.post(decline, {"message": "Thank you, we have enough Ukrainian speakers."})

    message = Message.objects.get(kind=MessageKind.APPLICANT_MESSAGE)
    assert message.recipient_email == "olena@example.org" and message.language == "uk"
    application.refresh_from_db()
    assert application.status == MediatorApplication.Status.DECLINED


def test_a_get_cannot_accept():
    pool = PoolFactory()
    application = submitted(pool)
    client = Client()
    client.force_login(CoordinatorFactory(pool=pool).user)

    response = client.get(reverse("web:coordinator-application-accept", args=[application.pk]))

    assert response.status_code == 405
    assert not Mediator.objects.exists()


@pytest.mark.parametrize("path", ["/", "/apply/", "/apply/sent/", "/privacy/"])
def test_the_front_door_speaks_the_visitors_language_ukrainian_here(path):
    response = Client(HTTP_ACCEPT_LANGUAGE="uk").get(path)

    assert '<html lang="uk"' in response.content.decode()
