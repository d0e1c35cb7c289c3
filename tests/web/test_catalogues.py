"""The translation catalogues: German and English complete, the mediators' languages cover
the mediator pages, and the project's own set-up compiles them."""

import subprocess  # noqa: S404 - msgfmt from gettext checks the catalogues
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import translation

LOCALE = Path(settings.BASE_DIR) / "locale"
MEDIATOR_STRINGS = ["Open offers", "Your report", "When can you help?", "Expense statement"]


def _statistics(language: str) -> str:
    result = subprocess.run(  # noqa: S603
        ["/usr/bin/msgfmt", "--check-format", "--statistics", "-o", "/dev/null",
         str(LOCALE / language / "LC_MESSAGES" / "django.po")],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    return result.stderr


@pytest.mark.parametrize("language", ["de", "en"])
def test_the_german_and_english_catalogues_are_complete(language):
    statistics = _statistics(language)

    assert "untranslated" not in statistics, statistics
    assert "fuzzy" not in statistics, statistics


@pytest.mark.parametrize("language", ["ar", "fa", "uk", "tr"])
def test_the_mediators_languages_translate_the_mediator_pages(language):
    assert "translated" in _statistics(language)
    with translation.override(language):
        for text in MEDIATOR_STRINGS:
            assert translation.gettext(text) != text, (language, text)


def test_the_compiled_catalogues_are_current():
    for po in LOCALE.glob("*/LC_MESSAGES/django.po"):
        mo = po.with_suffix(".mo")
        assert mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime, po


@pytest.mark.django_db
def test_mediator_pages_read_in_ukrainian(page_for, mediator):
    html = (
        page_for(mediator.user, language="uk").get(reverse("web:mediator-offers")).content.decode()
    )

    assert '<html lang="uk" dir="ltr">' in html
    assert "Відкриті пропозиції" in html


@pytest.mark.django_db
def test_the_sign_in_page_reads_in_farsi_from_right_to_left():
    client = Client(HTTP_ACCEPT_LANGUAGE="fa")

    html = client.get(reverse("login")).content.decode()

    assert '<html lang="fa" dir="rtl">' in html
    assert "ورود" in html
