"""Money as the reader's locale writes it (CLDR through Babel): the ``euro`` filter of the
pages and the statement's PDF share ``core.locale_format.format_money``."""

import pytest
from django.template import Context, Template
from django.utils import translation

from core.locale_format import format_money

RLM, LRM, NBSP = "\u200f", "\u200e", "\xa0"


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("de", f"1.234,50{NBSP}€"),
        ("en", "€1,234.50"),
        ("ar", f"{RLM}1,234.50{NBSP}€"),
        ("fa", f"{LRM}€{NBSP}1,234.50"),
    ],
)
def test_an_amount_is_written_as_the_locale_writes_money(language, expected):
    assert format_money(123450, language) == expected


def test_small_and_negative_amounts_keep_two_places():
    assert format_money(5, "de") == f"0,05{NBSP}€"
    assert format_money(-1250, "de") == f"-12,50{NBSP}€"
    assert format_money(1250, "en") == "€12.50"


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("de", f"12,50{NBSP}€"),
        ("en", "€12.50"),
        ("ar", f"{RLM}12.50{NBSP}€"),
        ("fa", f"{LRM}€{NBSP}12.50"),
    ],
)
def test_the_euro_filter_follows_the_active_language(language, expected):
    template = Template("{% load web_tags %}{{ cents|euro }}|{{ nothing|euro }}")
    with translation.override(language):
        rendered = template.render(Context({"cents": 1250, "nothing": None}))
    assert rendered == f"{expected}|–"


def test_an_unknown_language_falls_back_to_german():
    assert format_money(1250, "xx") == f"12,50{NBSP}€"
