"""Forms of the mediators' pages."""

from __future__ import annotations

import datetime

from django import forms
from django.utils.translation import gettext_lazy as _

from bookings.constants import MAX_DEBRIEF_CHARS
from core.dates import OUT_OF_RANGE, year_in_range
from core.time import MIDNIGHT
from institutions.constants import MessageLanguage
from mediators.constants import LanguageLevel
from mediators.models import AvailabilitySlot, Dialect, Language

from . import DayField, TimeInput
from .institution import DialectChoiceField, LanguageChoiceField


class ReportForm(forms.Form):
    actual_minutes = forms.IntegerField(
        label=_("Actual duration (minutes)"), min_value=1, max_value=720
    )
    travel_km = forms.DecimalField(
        label=_("Travel distance, there and back (km)"),
        min_value=0,
        max_value=1000,
        decimal_places=1,
        initial=0,
    )
    travel_minutes = forms.IntegerField(
        label=_("Travel time, there and back (minutes)"), min_value=0, max_value=600, initial=0
    )
    ticket_euros = forms.DecimalField(
        label=_("Public transport ticket (euros)"),
        min_value=0,
        max_value=500,
        decimal_places=2,
        required=False,
        help_text=_("Instead of the kilometres, if you went by bus or train."),
    )
    debrief_note = forms.CharField(
        label=_("Note for the coordinators (optional)"),
        max_length=MAX_DEBRIEF_CHARS,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "Was the conversation hard? Tell the coordinators. Only they read this, "
            "not the institution."
        ),
    )
    call_back = forms.BooleanField(
        label=_("Please call me"),
        required=False,
        help_text=_("A coordinator will call you back."),
    )


class EndTimeField(forms.TimeField):
    """The end of a weekly slot: "24:00" is the end of the day, kept as 00:00."""

    def to_python(self, value):  # type: ignore[no-untyped-def]
        if isinstance(value, str) and value.strip() in ("24:00", "24:00:00"):
            return MIDNIGHT
        return super().to_python(value)


class SlotForm(forms.Form):
    weekday = forms.TypedChoiceField(
        label=_("Weekday"), choices=AvailabilitySlot._meta.get_field("weekday").choices, coerce=int
    )
    start_time = forms.TimeField(label=_("From"), widget=TimeInput())
    end_time = EndTimeField(
        label=_("Until"),
        widget=TimeInput(),
        help_text=_("00:00 (or 24:00) means until midnight, the end of the day."),
    )


class DateSlotForm(forms.Form):
    """One-off availability: a date with hours, in addition to the weekly times."""

    day = DayField(label=_("Date"))
    start_time = forms.TimeField(label=_("From"), widget=TimeInput())
    end_time = EndTimeField(
        label=_("Until"),
        widget=TimeInput(),
        help_text=_("00:00 (or 24:00) means until midnight, the end of the day."),
    )


class AbsenceForm(forms.Form):
    starts_on = DayField(label=_("First day"))
    ends_on = DayField(label=_("Last day"))
    note = forms.CharField(label=_("Note"), max_length=200, required=False)

    def offer_give_back(self, appointments: list[tuple[int, str]]) -> None:
        """The confirmed appointments the absence covers: a checkbox each, to give them back
        in the same step."""
        self.fields["give_back"] = forms.TypedMultipleChoiceField(
            label=_("Give these appointments back"),
            choices=appointments,
            coerce=int,
            required=False,
            widget=forms.CheckboxSelectMultiple,
            help_text=_(
                "Ticked appointments are given back when the absence is added, and the "
                "coordinators look for someone else."
            ),
        )


class ProfileForm(forms.Form):
    phone = forms.CharField(
        label=_("Phone"),
        max_length=40,
        required=False,
        # Digits run left to right in an Arabic or Farsi page too.
        widget=forms.TextInput(attrs={"type": "tel", "dir": "ltr", "autocomplete": "tel"}),
    )
    iban = forms.CharField(
        label=_("IBAN for your allowances (optional)"),
        max_length=42,
        required=False,
        widget=forms.TextInput(attrs={"dir": "ltr"}),
    )
    home_postal_code = forms.RegexField(
        label=_("Postal code of your home"), regex=r"^\d{5}$", max_length=5
    )
    max_travel_km = forms.IntegerField(
        label=_("How far will you travel? (km)"), min_value=0, max_value=300
    )
    max_hours_per_week = forms.IntegerField(
        label=_("At most hours per week"), min_value=1, max_value=60
    )
    max_hours_per_month = forms.IntegerField(
        label=_("At most hours per month"), min_value=1, max_value=240
    )
    language = forms.ChoiceField(
        label=_("Language of your messages and pages"), choices=MessageLanguage.choices
    )
    self_unavailable = forms.BooleanField(
        label=_("I am unavailable for now"),
        required=False,
        help_text=_(
            "Tick to be offered nothing for a while; the coordinators see it. "
            "For whole days away, add an absence instead."
        ),
    )
    self_unavailable_until = DayField(
        label=_("Unavailable until (inclusive, optional)"), required=False
    )


class LanguageSkillForm(forms.Form):
    language = LanguageChoiceField(
        label=_("Language"), queryset=Language.objects.order_by("name_de"), required=False
    )
    dialect = DialectChoiceField(
        label=_("Dialect"),
        queryset=Dialect.objects.select_related("language").order_by(
            "language__name_de", "name_de"
        ),
        required=False,
        empty_label=_("No particular dialect"),
    )
    level = forms.TypedChoiceField(
        label=_("Level"), choices=LanguageLevel.choices, coerce=int, initial=LanguageLevel.FLUENT
    )


LanguageSkillFormSet = forms.formset_factory(LanguageSkillForm, extra=1, max_num=12)


class StatementMonthForm(forms.Form):
    month = forms.RegexField(
        label=_("Month"),
        regex=r"^\d{4}-(0[1-9]|1[0-2])$",
        widget=forms.TextInput(attrs={"type": "month"}),
        required=False,
    )

    def clean_month(self) -> str:
        value = self.cleaned_data["month"]
        if value and not year_in_range(int(value[:4])):
            raise forms.ValidationError(OUT_OF_RANGE, code="out_of_range")
        return value

    def chosen(self, *, today: datetime.date) -> tuple[int, int]:
        value = self.cleaned_data.get("month") if self.is_valid() else None
        if value:
            year, month = value.split("-")
            return int(year), int(month)
        return today.year, today.month
