"""Layout, sign-in, password reset, set-password and the language switch."""

import re

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.core import mail
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from institutions.constants import MessageLanguage
from tests.institutions.factories import UserFactory
from tests.mediators.factories import MediatorFactory

pytestmark = pytest.mark.django_db


def test_signed_out_visitors_find_the_front_door_with_sign_in_and_apply_links(client):
    response = client.get("/")

    assert response.status_code == 200
    html = response.content.decode()
    assert f'href="{reverse("login")}"' in html
    assert f'href="{reverse("web:apply")}"' in html


def test_signed_out_visitors_of_a_role_page_are_sent_to_the_sign_in_page(client):
    response = client.get(reverse("web:coordinator-worklist"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_the_stylesheet_the_layout_links_is_served(client):
    html = client.get(reverse("login")).content.decode()
    href = re.search(r'<link rel="stylesheet" href="([^"]+)"', html).group(1)

    response = client.get(href)

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/css")


def test_the_layout_is_german_by_default_with_lang_dir_skip_link_and_labelled_inputs(client):
    html = client.get(reverse("login")).content.decode()

    assert '<html lang="de" dir="ltr">' in html
    assert 'href="#main"' in html and 'id="main"' in html
    assert "Anmelden" in html
    for input_id in re.findall(r'<(?:input|select)[^>]*\bid="([^"]+)"', html):
        assert f'for="{input_id}"' in html, f"input {input_id} has no label"


def test_english_is_chosen_by_the_language_switch(client):
    response = client.post(
        reverse("set_language"), {"language": "en", "next": reverse("login")}, follow=True
    )

    html = response.content.decode()
    assert '<html lang="en" dir="ltr">' in html
    assert "Sign in" in html


@pytest.mark.parametrize(
    ("language", "direction"), [("ar", "rtl"), ("fa", "rtl"), ("uk", "ltr"), ("tr", "ltr")]
)
def test_sign_in_comes_in_the_mediators_languages_with_the_right_direction(
    client, language, direction
):
    client.cookies["django_language"] = language

    html = client.get(reverse("login")).content.decode()

    assert f'<html lang="{language}" dir="{direction}">' in html


def test_coordinator_pages_fall_back_to_german_for_a_mediator_language(page_for, coordinator):
    page = page_for(coordinator.user, language="ar")

    html = page.get(reverse("web:stats-dashboard")).content.decode()

    assert '<html lang="de" dir="ltr">' in html
    assert "Statistik" in html


def test_signing_in_switches_the_pages_to_the_profile_language(client):
    mediator = MediatorFactory(language=MessageLanguage.ARABIC)

    response = client.post(
        reverse("login"),
        {"username": mediator.user.username, "password": "secret-pass-123"},
    )

    assert response.status_code == 302
    assert response.cookies["django_language"].value == "ar"


def test_a_wrong_password_shows_an_error_and_signs_nobody_in(client):
    user = UserFactory()

    response = client.post(reverse("login"), {"username": user.username, "password": "wrong"})

    assert response.status_code == 200
    assert 'role="alert"' in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_password_reset_sends_a_link_that_sets_a_new_password(client):
    user = UserFactory(email="amal@example.org")

    client.post(reverse("password_reset"), {"email": "amal@example.org"})

    (message,) = mail.outbox
    link = re.search(r"https?://[^/]+(/accounts/reset/\S+)", message.body).group(1)
    form_page = client.get(link, follow=True)
    response = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": "Neues-Passwort-2026", "new_password2": "Neues-Passwort-2026"},
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password("Neues-Passwort-2026")


def test_an_invitation_link_lets_a_new_user_choose_a_password(client):
    user = UserFactory(password=None)
    user.set_unusable_password()
    user.save()
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)

    page = client.get(reverse("set-password", args=[uid, token]), follow=True)
    assert "Passwort" in page.content.decode()
    response = client.post(
        page.redirect_chain[-1][0],
        {"new_password1": "Willkommen-2026!", "new_password2": "Willkommen-2026!"},
    )

    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password("Willkommen-2026!")


def test_a_used_invitation_link_is_refused(client):
    user = UserFactory()
    uid = urlsafe_base64_encode(force_bytes(user.pk))

    html = client.get(reverse("set-password", args=[uid, "bad-token"])).content.decode()

    assert 'role="alert"' in html
    assert "new_password1" not in html


def test_signing_out_needs_a_post_and_ends_the_session(page_for, coordinator):
    page = page_for(coordinator.user)

    page.post(reverse("logout"))

    assert "_auth_user_id" not in page.session
