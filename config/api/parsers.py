"""A JSON parser that turns every malformed body into a 400, never a 500."""

from __future__ import annotations

import json

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser


class StrictJSONParser(JSONParser):
    """DRF's JSON parser, plus: bodies nested too deeply and lone UTF-16 surrogates
    (``"\\ud800"``, which no database can store) are refused as malformed."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError as exc:
            raise ParseError(_("JSON parse error - nested too deeply.")) from exc
        try:
            json.dumps(data, ensure_ascii=False).encode(settings.DEFAULT_CHARSET)
        except (UnicodeEncodeError, RecursionError) as exc:
            raise ParseError(_("JSON parse error - the text is not valid Unicode.")) from exc
        return data
