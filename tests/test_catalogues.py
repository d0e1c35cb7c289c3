"""Every catalogue is complete where its readers need it, has no fuzzy guess, and every
translation keeps the placeholders of its source text.

- the transport's e-mails (notifications/locale: the frame, the account invitation):
  German, Arabic, Farsi, Ukrainian and Turkish complete;
- the pages and the bookings' e-mails (locale): German and English complete; Arabic, Farsi,
  Ukrainian and Turkish complete for everything a mediator sees (their pages, the sign-in
  and password pages and e-mail, the expense statement, the errors of offers and reports,
  the bookings' e-mails and the one-click answer to an offer).
"""

import re
from pathlib import Path

import polib
import pytest
from django.conf import settings

BASE = Path(settings.BASE_DIR)
PAGES = BASE / "locale"
EMAILS = BASE / "notifications" / "locale"
STAFF_LANGUAGES = ["de", "en"]
MEDIATOR_LANGUAGES = ["ar", "fa", "uk", "tr"]

# Sources of what a mediator reads (paths as in the catalogue's "#:" references).
MEDIATOR_SOURCES = (
    "templates/base.html",
    "templates/registration/",
    "web/templates/web/mediator/",
    "web/templates/web/includes/",
    "web/templates/web/feed.html",
    "web/templates/web/no_role.html",
    "web/forms/mediator.py",
    "web/views/mediator.py",
    "web/statements.py",
    "web/context_processors.py",
    "web/views/security.py",
    "accounts/",
    "bookings/services/offers.py",
    "bookings/services/reports.py",
    "bookings/messages/",
    "bookings/templates/bookings/offer_answer.html",
    "mediators/constants.py",
    # the front door and the form to apply as a mediator, read by would-be mediators
    "web/templates/web/front_door/",
    "web/forms/applications.py",
    "web/views/front_door.py",
    "mediators/applications/",
)

# %(name)s, %(count)d, %(month)02d, %s ... (not %%) and {name}
PERCENT = re.compile(r"%(?:\((\w+)\))?[#0 +\-]*\d*(?:\.\d+)?([diouxXeEfFgGcrsa])")
BRACES = re.compile(r"(?<!\{)\{(\w*)\}(?!\})")


def catalogue(folder: Path, language: str) -> polib.POFile:
    return polib.pofile(str(folder / language / "LC_MESSAGES" / "django.po"))


EVERY_CATALOGUE = [
    *(pytest.param(PAGES, lang, id=f"pages-{lang}") for lang in STAFF_LANGUAGES),
    *(pytest.param(PAGES, lang, id=f"pages-{lang}") for lang in MEDIATOR_LANGUAGES),
    *(pytest.param(EMAILS, lang, id=f"emails-{lang}") for lang in ["de", *MEDIATOR_LANGUAGES]),
]


def placeholders(text: str, *, python_format: bool) -> list[str]:
    found = [f"{{{name}}}" for name in BRACES.findall(text)]
    if python_format:
        found += [
            f"%({name}){kind}" if name else f"%{kind}" for name, kind in PERCENT.findall(text)
        ]
    return sorted(found)


def untranslated(po: polib.POFile) -> list[polib.POEntry]:
    return [e for e in po if not e.obsolete and not e.translated() and "fuzzy" not in e.flags]


@pytest.mark.parametrize("language", ["de", *MEDIATOR_LANGUAGES])
def test_the_e_mail_catalogues_are_complete(language):
    po = catalogue(EMAILS, language)

    assert [e.msgid for e in untranslated(po)] == []
    assert po.percent_translated() == 100


@pytest.mark.parametrize("language", STAFF_LANGUAGES)
def test_the_german_and_english_page_catalogues_are_complete(language):
    assert [e.msgid for e in untranslated(catalogue(PAGES, language))] == []


@pytest.mark.parametrize("language", MEDIATOR_LANGUAGES)
def test_everything_a_mediator_reads_is_translated(language):
    missing = [
        (e.msgid, [path for path, _line in e.occurrences])
        for e in untranslated(catalogue(PAGES, language))
        if any(path.startswith(MEDIATOR_SOURCES) for path, _line in e.occurrences)
    ]

    assert missing == []


@pytest.mark.parametrize(("folder", "language"), EVERY_CATALOGUE)
def test_no_catalogue_keeps_a_fuzzy_or_obsolete_entry(folder, language):
    po = catalogue(folder, language)

    assert [e.msgid for e in po.fuzzy_entries()] == []
    assert [e.msgid for e in po.obsolete_entries()] == []
    assert "fuzzy" not in po.metadata_is_fuzzy


@pytest.mark.parametrize(("folder", "language"), EVERY_CATALOGUE)
def test_translations_keep_the_placeholders_of_their_source(folder, language):
    po = catalogue(folder, language)
    wrong = []
    for entry in po.translated_entries():
        python_format = "python-format" in entry.flags
        if entry.msgid_plural:
            expected = placeholders(entry.msgid_plural, python_format=python_format)
            forms = [
                placeholders(text, python_format=python_format)
                for text in entry.msgstr_plural.values()
            ]
            # A form may leave out the number ("one message"), but none adds or renames one,
            # and together the forms use every placeholder.
            if any(set(form) - set(expected) for form in forms) or set().union(*forms) != set(
                expected
            ):
                wrong.append((entry.msgid, expected, forms))
        else:
            expected = placeholders(entry.msgid, python_format=python_format)
            got = placeholders(entry.msgstr, python_format=python_format)
            if got != expected:
                wrong.append((entry.msgid, expected, got))

    assert wrong == []


def test_the_placeholder_check_sees_a_renamed_or_lost_placeholder():
    assert placeholders("Plan %(start)s–%(end)s", python_format=True) == ["%(end)s", "%(start)s"]
    assert placeholders("%(month)02d/%(year)s, 100 %%", python_format=True) == [
        "%(month)d",
        "%(year)s",
    ]
    assert placeholders("Hallo {name}, {{ literal }}", python_format=False) == ["{name}"]
    assert placeholders("Plan %(begin)s", python_format=True) != placeholders(
        "Plan %(start)s", python_format=True
    )
