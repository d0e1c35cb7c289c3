"""Language names in the reader's language.

German and English names are ours: the ``name_de`` / ``name_en`` of each Language row, chosen
by the pools. For the other languages of the mediator pages and e-mails (Arabic, Persian,
Ukrainian, Turkish) the names come from CLDR through Babel; where CLDR has no name for a
language in that locale, the reader sees the English name.

CLDR keys languages mostly by ISO 639-1 code, some by ISO 639-3, and maps others through its
own aliases (macrolanguage members such as Iranian Persian ``pes`` -> ``fa`` or Dari ``prs``
-> ``fa_AF``). We look a code up in that order: as it is, as ISO 639-1 (pycountry), as CLDR's
alias. Names are computed once per process and code.
"""

from __future__ import annotations

from functools import cache

import pycountry
from babel import Locale
from babel.core import get_global

# The reader languages (settings.LANGUAGES) whose language names come from CLDR.
CLDR_LOCALES = frozenset({"ar", "fa", "uk", "tr"})


def language_name(*, code: str, name_de: str, name_en: str, language_code: str) -> str:
    """The name of the language ``code`` (ISO 639-3) for a reader of ``language_code``."""
    reader = (language_code or "de").replace("_", "-").split("-")[0].lower()
    if reader == "de":
        return name_de
    return cldr_language_name(code, reader) or name_en


@cache
def cldr_language_name(code: str, locale: str) -> str | None:
    """CLDR's name of the language ``code`` (ISO 639-3) in ``locale``, if it has one."""
    if locale not in CLDR_LOCALES:
        return None
    names = Locale.parse(locale).languages
    for key in _cldr_keys(code):
        if names.get(key):
            return names[key]
    return None


@cache
def _cldr_keys(code: str) -> tuple[str, ...]:
    keys = [code]
    iso = pycountry.languages.get(alpha_3=code)
    alpha_2 = getattr(iso, "alpha_2", None) if iso is not None else None
    if alpha_2:
        keys.append(alpha_2)
    alias = get_global("language_aliases").get(code)
    if alias:
        keys.append(alias)
    return tuple(keys)
