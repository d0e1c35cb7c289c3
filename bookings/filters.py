"""Query-parameter filters of the booking list: status, language, institution, time."""

import datetime

import django_filters
from django import forms
from django_filters.fields import IsoDateTimeField

from core.dates import OUT_OF_RANGE, RANGE_TEXT, bound_in_range

from .constants import Status
from .models import Booking

MAX_ID = 2**63 - 1


class InstantField(IsoDateTimeField):
    """An ISO 8601 instant with any offset Python reads (up to ±23:59; without one, Berlin
    time), refused outside the product's range and handed to the query in UTC: PostgreSQL
    takes offsets only up to ±15:59."""

    default_error_messages = {"out_of_range": OUT_OF_RANGE}

    def to_python(self, value):
        moment = super().to_python(value)
        if moment is None:
            return None
        if not bound_in_range(moment):
            raise forms.ValidationError(self.error_messages["out_of_range"], code="out_of_range")
        return moment.astimezone(datetime.UTC)


class InstantFilter(django_filters.IsoDateTimeFilter):
    field_class = InstantField


class BookingFilter(django_filters.FilterSet):
    # A booking has one status: the filter cannot repeat a row, so no DISTINCT (which
    # made PostgreSQL compare whole rows of every match before the page was cut).
    status = django_filters.MultipleChoiceFilter(
        choices=Status.choices,
        distinct=False,
        help_text="One or more statuses (repeat the parameter).",
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
    starts_after = InstantFilter(
        field_name="starts_at",
        lookup_expr="gte",
        help_text="Starts at or after (ISO 8601 date and time; any offset, without one "
        f"Europe/Berlin). {RANGE_TEXT}",
    )
    starts_before = InstantFilter(
        field_name="starts_at",
        lookup_expr="lt",
        help_text="Starts before (ISO 8601 date and time; any offset, without one "
        f"Europe/Berlin). {RANGE_TEXT}",
    )

    class Meta:
        model = Booking
        fields = ["status", "language", "institution", "mediator", "starts_after", "starts_before"]
