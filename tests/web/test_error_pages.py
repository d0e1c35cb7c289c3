"""Error pages in our layout and the reader's language, with a way back; the 500 page needs
no database; the demo shows no debug page."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import translation

from config.errors import server_error
from notifications.models import CalendarFeed


@pytest.mark.django_db
def test_an_unknown_address_answers_404_in_the_layout_and_the_readers_language():
    response = Client(HTTP_ACCEPT_LANGUAGE="de").get("/gibt-es-nicht/")

    html = response.content.decode()
    assert response.status_code == 404
    assert '<html lang="de"' in html
    assert 'class="site-header"' in html
    assert "Diese Seite gibt es nicht" in html
    assert f'href="{reverse("web:home")}"' in html and "Zur Startseite" in html


@pytest.mark.django_db
def test_another_roles_page_answers_403_with_a_way_back(page_for, staff):
    response = page_for(staff.user, "en").get(reverse("web:coordinator-worklist"))

    html = response.content.decode()
    assert response.status_code == 403
    assert "You may not open this page" in html
    assert "Go to the start page" in html
    assert re.search(r'<nav class="site-nav"', html), "the signed-in navigation stays"


@pytest.mark.django_db
def test_the_api_still_answers_json_errors():
    response = Client().get("/api/v1/nothing-here/")

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"


def test_the_500_page_renders_in_the_readers_language_without_the_database():
    """No django_db mark: any query would fail the test."""
    request = RequestFactory().get("/coordinator/work/")

    with translation.override("uk"):
        response = server_error(request)

    html = response.content.decode()
    assert response.status_code == 500
    assert '<html lang="uk"' in html
    assert 'class="site-header"' in html
    with translation.override("uk"):
        assert translation.gettext("Something went wrong on our side") in html
    assert 'href="/"' in html


def test_the_demo_serves_without_debug_pages_and_with_its_static_files():
    makefile = (Path(settings.BASE_DIR) / "Makefile").read_text()
    demo = makefile.split("\ndemo:", 1)[1].split("\n\n", 1)[0]
    runserver = next(line for line in demo.splitlines() if "runserver" in line)

    assert "DJANGO_DEBUG=false" in runserver
    local = (Path(settings.BASE_DIR) / "config/settings/local.py").read_text()
    assert "WHITENOISE_USE_FINDERS = True" in local


@pytest.mark.django_db
def test_a_form_sent_with_a_stale_token_gets_our_403_page_and_changes_nothing(staff):
    browser = Client(enforce_csrf_checks=True, HTTP_ACCEPT_LANGUAGE="en")
    browser.force_login(staff.user)

    response = browser.post(reverse("web:institution-feed"))

    html = response.content.decode()
    assert response.status_code == 403
    assert "The form could not be sent" in html and "reload the page" in html
    assert "Go to the start page" in html
    assert not CalendarFeed.objects.exists()
