"""Readers see the names of languages in their own language: German and English as the pools
name them, Arabic, Persian, Ukrainian and Turkish from CLDR (Babel), English where CLDR has
no name."""

import pytest
from babel import Locale

from mediators.language_names import CLDR_LOCALES, cldr_language_name
from mediators.models import Dialect, Language

pytestmark = pytest.mark.django_db


def name(code, reader):
    return Language.objects.get(code=code).name_for(reader)


def test_arabic_readers_read_arabic_names():
    assert name("ara", "ar") == "العربية"
    assert name("ukr", "ar") == "الأوكرانية"
    assert name("ara", "ar") == Locale.parse("ar").languages["ar"]


def test_farsi_readers_tell_dari_from_farsi_in_farsi():
    # Dari (prs) and Iranian Persian (pes) are no ISO 639-1 codes: CLDR's aliases find them.
    assert name("prs", "fa") == "دری"
    assert name("pes", "fa") == "فارسی"
    assert name("ara", "fa") == "عربی"


def test_ukrainian_and_turkish_readers_read_their_names():
    assert name("ukr", "uk") == "українська"
    assert name("ara", "uk") == "арабська"
    assert name("tur", "tr") == "Türkçe"
    assert name("ara", "tr") == "Arapça"


def test_a_language_known_by_its_iso_639_1_code_keeps_its_own_name():
    # CLDR's aliases would turn Twi into Akan and Tagalog into Filipino.
    assert name("twi", "tr") == "Tvi"
    assert name("tgl", "uk") == "тагальська"


def test_a_language_cldr_does_not_name_falls_back_to_english():
    assert cldr_language_name("aii", "ar") is None
    assert name("aii", "ar") == "Assyrian Neo-Aramaic"
    assert name("aii", "uk") == "Assyrian Neo-Aramaic"


def test_german_and_english_readers_keep_the_pools_names():
    assert name("pes", "de") == "Farsi (Persisch)"
    assert name("pes", "de-at") == "Farsi (Persisch)"
    assert name("pes", "en") == "Farsi (Iranian Persian)"
    assert name("kmr", "en") == "Kurmanji (Northern Kurdish)"
    assert name("ara", "en") == "Arabic"


def test_every_seeded_language_has_a_name_for_every_reader():
    for language in Language.objects.all():
        for reader in ("de", "en", *sorted(CLDR_LOCALES)):
            assert language.name_for(reader).strip(), (language.code, reader)


def test_most_seeded_languages_are_named_by_cldr_in_every_reader_language():
    codes = list(Language.objects.values_list("code", flat=True))
    for reader in CLDR_LOCALES:
        unnamed = [code for code in codes if cldr_language_name(code, reader) is None]
        assert len(unnamed) <= 3, (reader, unnamed)


def test_dialects_are_named_in_the_readers_language():
    iraqi = Dialect.objects.get(language__code="ara", code="iraqi")

    assert iraqi.name_for("de") == "Irakisch"
    assert iraqi.name_for("en") == "Iraqi (Mesopotamian)"
    assert iraqi.name_for("ar") == "العراقية (بلاد الرافدين)"
    assert iraqi.name_for("fa") == "عراقی (بین‌النهرینی)"
    assert iraqi.name_for("uk") == "іракська (месопотамська)"
    assert iraqi.name_for("tr") == "Irak (Mezopotamya)"


def test_a_dialect_the_catalogue_does_not_know_keeps_its_english_name():
    iraqi = Dialect.objects.get(language__code="ara", code="iraqi")
    later = Dialect(language=iraqi.language, code="later", name_de="Später", name_en="Later one")

    assert later.name_for("ar") == "Later one"
