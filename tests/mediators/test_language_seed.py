"""The languages seeded by migration: the 40+ most asked for, by real ISO 639-3 codes."""

import re

import pycountry
import pytest

from mediators.data.languages import LANGUAGES, seed_languages
from mediators.models import Dialect, Language

pytestmark = pytest.mark.django_db

MOST_ASKED_FOR = {
    "ara", "kmr", "ckb", "prs", "pes", "pbu", "tir", "som", "tur", "ukr", "rus", "sqi", "ron",
    "bul", "pol", "srp", "hrv", "bos", "amh", "orm", "fra", "eng", "spa", "por", "ita", "vie",
    "urd", "pan", "tam", "ben", "cmn", "kat", "hye", "aze", "che", "mkd", "ell", "rom", "swa",
    "hau", "yor", "ibo", "lin", "uzb", "tgk",
}  # fmt: skip


def test_at_least_forty_languages_are_seeded():
    assert Language.objects.count() >= 40
    assert Language.objects.count() == len(LANGUAGES)


def test_the_languages_most_asked_for_are_all_there():
    seeded = set(Language.objects.values_list("code", flat=True))
    assert MOST_ASKED_FOR <= seeded


def test_codes_are_three_lowercase_letters_and_unique():
    codes = [entry.code for entry in LANGUAGES]
    assert len(codes) == len(set(codes))
    assert all(re.fullmatch(r"[a-z]{3}", code) for code in codes)


def test_every_code_is_a_real_iso_639_3_code():
    unknown = [e.code for e in LANGUAGES if pycountry.languages.get(alpha_3=e.code) is None]
    assert unknown == []


def test_every_dialect_iso_code_is_a_real_iso_639_3_code():
    dialect_codes = [d.iso for e in LANGUAGES for d in e.dialects if d.iso]
    assert dialect_codes
    assert [c for c in dialect_codes if pycountry.languages.get(alpha_3=c) is None] == []


def test_every_language_has_a_german_and_an_english_name():
    assert not Language.objects.filter(name_de="").exists()
    assert not Language.objects.filter(name_en="").exists()
    assert Language.objects.get(code="prs").name_de == "Dari"
    assert Language.objects.get(code="pes").name_en.startswith("Farsi")


def test_arabic_has_its_main_dialects():
    dialects = set(Dialect.objects.filter(language__code="ara").values_list("code", flat=True))
    assert {"levantine", "iraqi", "egyptian", "maghrebi", "gulf", "sudanese"} <= dialects


def test_kurdish_is_seeded_as_kurmanji_and_sorani():
    assert Language.objects.get(code="kmr").name_de.startswith("Kurmandschi")
    assert Language.objects.get(code="ckb").name_de.startswith("Sorani")


def test_dialect_codes_are_unique_within_their_language():
    for entry in LANGUAGES:
        codes = [d.code for d in entry.dialects]
        assert len(codes) == len(set(codes)), entry.code


def test_seeding_again_changes_no_counts_and_restores_edited_names():
    Language.objects.filter(code="tur").update(name_de="geändert")
    counts = (Language.objects.count(), Dialect.objects.count())

    seed_languages(Language, Dialect)

    assert (Language.objects.count(), Dialect.objects.count()) == counts
    assert Language.objects.get(code="tur").name_de == "Türkisch"
