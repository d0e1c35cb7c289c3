"""Query-parameter filters of the institution list."""

import django_filters

from .constants import InstitutionKind
from .models import Institution


class InstitutionFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(choices=InstitutionKind.choices)
    town = django_filters.CharFilter(field_name="town__name", lookup_expr="iexact", max_length=120)
    name = django_filters.CharFilter(lookup_expr="icontains", max_length=200)
    active = django_filters.BooleanFilter()

    class Meta:
        model = Institution
        fields = ["kind", "town", "name", "active"]
