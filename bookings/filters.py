"""Query-parameter filters of the booking list: status, language, institution, time."""

import django_filters

from .constants import Status
from .models import Booking

MAX_ID = 2**63 - 1


class BookingFilter(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(
        choices=Status.choices, help_text="One or more statuses (repeat the parameter)."
    )
    language = django_filters.CharFilter(
        field_name="language__code", max_length=3, help_text="ISO 639-3 code."
    )
    institution = django_filters.NumberFilter(
        field_name="institution_id", min_value=1, max_value=MAX_ID, decimal_places=0
    )
    mediator = django_filters.NumberFilter(
        field_name="mediator_id", min_value=1, max_value=MAX_ID, decimal_places=0
    )
    starts_after = django_filters.IsoDateTimeFilter(
        field_name="starts_at", lookup_expr="gte", help_text="Starts at or after (ISO 8601)."
    )
    starts_before = django_filters.IsoDateTimeFilter(
        field_name="starts_at", lookup_expr="lt", help_text="Starts before (ISO 8601)."
    )

    class Meta:
        model = Booking
        fields = ["status", "language", "institution", "mediator", "starts_after", "starts_before"]
