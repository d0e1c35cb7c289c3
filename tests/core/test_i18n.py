"""The reader's language: the active one without its region, German when none is active."""

from django.utils import translation

from core.i18n import reader_language


def test_the_reader_reads_the_active_language_without_its_region():
    with translation.override("fa"):
        assert reader_language() == "fa"
    with translation.override("en-gb"):
        assert reader_language() == "en"


def test_without_an_active_language_the_reader_reads_german():
    with translation.override(None):
        assert reader_language() == "de"
