"""Query-parameter filters of the mediator list (coordinators)."""

import django_filters
from django.db.models import Exists, OuterRef

from .constants import Gender
from .models import Mediator, MediatorLanguage


class MediatorFilter(django_filters.FilterSet):
    active = django_filters.BooleanFilter()
    gender = django_filters.ChoiceFilter(choices=Gender.choices)
    language = django_filters.CharFilter(method="filter_language", max_length=3)
    home_postal_code = django_filters.CharFilter(max_length=5)

    class Meta:
        model = Mediator
        fields = ["active", "gender", "language", "home_postal_code"]

    def filter_language(self, queryset, name, value):
        """Mediators who speak the language (ISO 639-3 code), without duplicating rows."""
        speaks = MediatorLanguage.objects.filter(mediator=OuterRef("pk"), language__code=value)
        return queryset.filter(Exists(speaks))
