"""A JSON parser that turns every malformed body into a 400, never a 500."""

from __future__ import annotations

import json

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import ParseError, ValidationError
from rest_framework.parsers import JSONParser
from rest_framework.settings import api_settings


def _holds_nul(data: object) -> bool:
    if isinstance(data, str):
        return "\x00" in data
    if isinstance(data, dict):
        return any(_holds_nul(k) or _holds_nul(v) for k, v in data.items())
    if isinstance(data, list):
        return any(_holds_nul(v) for v in data)
    return False


def _field_with_nul(data: object) -> str:
    """The top-level field whose value holds a NUL character (for the field error)."""
    if isinstance(data, dict):
        for key, value in data.items():
            if _holds_nul(key) or _holds_nul(value):
                return str(key).replace("\x00", "")
    return api_settings.NON_FIELD_ERRORS_KEY


class StrictJSONParser(JSONParser):
    """DRF's JSON parser, plus: bodies nested too deeply, lone UTF-16 surrogates
    (``"\\ud800"``, which no database can store) and NUL characters (``"\\u0000"``, which
    PostgreSQL can neither store nor compare, even where only a lookup uses the text) are
    refused as malformed."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError as exc:
            raise ParseError(_("JSON parse error - nested too deeply.")) from exc
        try:
            json.dumps(data, ensure_ascii=False).encode(settings.DEFAULT_CHARSET)
        except (UnicodeEncodeError, RecursionError) as exc:
            raise ParseError(_("JSON parse error - the text is not valid Unicode.")) from exc
        if _holds_nul(data):
            # A field error, as DRF's own fields give it (ProhibitNullCharactersValidator).
            raise ValidationError({_field_with_nul(data): [_("Null characters are not allowed.")]})
        return data
