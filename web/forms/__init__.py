"""Forms of the pages: they only check the shape of the input; the services check the rules
and their ``DomainError`` messages are shown next to the field they name."""

from __future__ import annotations

from django import forms

from core.exceptions import DomainError


def show_domain_error(
    form: forms.Form, error: DomainError, field_map: dict[str, str] | None = None
) -> None:
    """Put a service's message next to the field it is about (or above the form)."""
    field = (field_map or {}).get(error.field, error.field)
    form.add_error(field if field in form.fields else None, str(error.message))


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%H:%M")
