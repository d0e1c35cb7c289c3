"""REST API v1: the languages and dialects mediators speak."""

from __future__ import annotations

from rest_framework import serializers
from rest_framework.generics import ListAPIView

from core.i18n import reader_language

from ..selectors import language_list


def _name(obj) -> str:
    """The language's or dialect's name in the request's language."""
    return obj.name_for(reader_language())


class LanguageListApi(ListAPIView):
    """Languages by ISO 639-3 code with their dialects; names in the request's language."""

    class OutputSerializer(serializers.Serializer):
        class DialectSerializer(serializers.Serializer):
            code = serializers.CharField()
            name = serializers.SerializerMethodField()

            def get_name(self, obj) -> str:
                return _name(obj)

        code = serializers.CharField()
        name = serializers.SerializerMethodField()
        dialects = DialectSerializer(many=True)

        def get_name(self, obj) -> str:
            return _name(obj)

    serializer_class = OutputSerializer

    def get_queryset(self):
        return language_list()
