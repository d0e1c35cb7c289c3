"""Forms of the institution staff's pages."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from bookings.constants import (
    MAX_DURATION_MINUTES,
    MIN_DURATION_MINUTES,
    NOTES_MAX_LENGTH,
    AppointmentKind,
    Field,
    GenderPreference,
    Mode,
    Status,
)
from core.constants import Topic
from core.dates import local_wall_time
from core.exceptions import DomainError
from core.i18n import reader_language
from institutions.models import FundingSource, Institution, Location
from mediators.models import Dialect, Language

from . import DayField, TimeInput

DURATIONS = (30, 45, 60, 90, 120, 180, 240)


class LanguageChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Language) -> str:
        return f"{obj.name_for(reader_language())} ({obj.code})"


class DialectSelect(forms.Select):
    """Each option names its language (``data-language``) so the page can offer only the
    dialects of the chosen language."""

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        instance = getattr(value, "instance", None)
        if instance is not None:
            option["attrs"]["data-language"] = str(instance.language_id)
        return option


class DialectChoiceField(forms.ModelChoiceField):
    widget = DialectSelect

    def label_from_instance(self, obj: Dialect) -> str:
        language = reader_language()
        return f"{obj.language.name_for(language)}: {obj.name_for(language)}"


class BookingRequestForm(forms.Form):
    language = LanguageChoiceField(
        label=_("Language"), queryset=Language.objects.none(), empty_label=_("Choose a language")
    )
    dialect = DialectChoiceField(
        label=_("Dialect"),
        queryset=Dialect.objects.none(),
        required=False,
        empty_label=_("Any dialect"),
        help_text=_("Only if the family needs a particular dialect."),
    )
    date = DayField(label=_("Date"))
    time = forms.TimeField(
        label=_("Start (local time)"), widget=TimeInput(), help_text=_("German time (Berlin).")
    )
    duration_minutes = forms.TypedChoiceField(
        label=_("Duration"), choices=(), coerce=int, initial=60
    )
    mode = forms.ChoiceField(
        label=_("Mode"), choices=Mode.choices, initial=Mode.ON_SITE, widget=forms.RadioSelect
    )
    location = forms.ModelChoiceField(
        label=_("Place"),
        queryset=Location.objects.none(),
        required=False,
        empty_label=_("Choose a place"),
        help_text=_("Needed for appointments on site."),
    )
    field = forms.ChoiceField(label=_("Field of action"), choices=Field.choices)
    kind = forms.ChoiceField(
        label=_("Kind of appointment"),
        choices=AppointmentKind.choices,
        initial=AppointmentKind.CONVERSATION,
    )
    topic = forms.ChoiceField(
        label=_("Topic"), choices=[("", _("No particular topic")), *Topic.choices], required=False
    )
    with_children = forms.BooleanField(
        label=_("Children take part"),
        required=False,
        help_text=_("Only mediators with a valid extended police certificate are asked."),
    )
    sensitive = forms.BooleanField(label=_("Sensitive topic"), required=False)
    gender_preference = forms.ChoiceField(
        label=_("Gender of the mediator"),
        choices=[("", _("No preference")), *GenderPreference.choices],
        required=False,
    )
    case_reference = forms.CharField(
        label=_("Case reference"),
        max_length=64,
        required=False,
        help_text=_("A pseudonymous reference, never the client's name."),
    )
    funding_source = forms.ModelChoiceField(
        label=_("Funding source"),
        queryset=FundingSource.objects.none(),
        required=False,
        empty_label=_("None"),
    )
    notes = forms.CharField(
        label=_("Notes for the mediator"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=NOTES_MAX_LENGTH,
        required=False,
    )

    def __init__(self, *args, institution: Institution, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["language"].queryset = Language.objects.order_by("name_de")
        self.fields["dialect"].queryset = Dialect.objects.select_related("language").order_by(
            "language__name_de", "name_de"
        )
        self.fields["location"].queryset = institution.locations.select_related("town")
        self.fields["funding_source"].queryset = FundingSource.objects.filter(
            pool_id=institution.pool_id
        )
        if not self.fields["funding_source"].queryset.exists():
            del self.fields["funding_source"]
        self.fields["duration_minutes"].choices = [
            (minutes, _("%(minutes)s minutes") % {"minutes": minutes}) for minutes in DURATIONS
        ]
        self.fields["duration_minutes"].help_text = _("Between %(min)s and %(max)s minutes.") % {
            "min": MIN_DURATION_MINUTES,
            "max": MAX_DURATION_MINUTES,
        }

    def clean(self):
        """The start as an aware Berlin time: a wall time the clocks skip (spring) or pass
        twice (autumn) is refused next to the time, with the API's words."""
        data = super().clean()
        if data.get("date") and data.get("time"):
            try:
                data["starts_at"] = local_wall_time(data["date"], data["time"], field="time")
            except DomainError as error:
                self.add_error(error.field, str(error.message))
        return data


class CancelForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for the cancellation"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        required=False,  # the service says why an empty reason is refused
    )


class ReportReviewForm(forms.Form):
    CONFIRM, DISPUTE = "confirm", "dispute"
    decision = forms.ChoiceField(
        label=_("The report"),
        choices=[(CONFIRM, _("is correct")), (DISPUTE, _("is not correct"))],
        widget=forms.RadioSelect,
        initial=CONFIRM,
    )
    rating = forms.TypedChoiceField(
        label=_("How did the appointment go? (1 = poorly, 5 = very well)"),
        choices=[("", _("No rating")), *[(n, str(n)) for n in range(1, 6)]],
        coerce=int,
        empty_value=None,
        required=False,
    )
    comment = forms.CharField(
        label=_("Feedback (seen only by the coordinators)"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        required=False,
    )
    reason = forms.CharField(
        label=_("What is not correct?"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        required=False,
    )


class BookingFilterForm(forms.Form):
    """The list's filters; the query itself is ``bookings.filters.BookingFilter``."""

    status = forms.ChoiceField(
        label=_("Status"), choices=[("", _("All")), *Status.choices], required=False
    )
    language = forms.ChoiceField(label=_("Language"), required=False)
    starts_after = DayField(label=_("From"), required=False)
    starts_before = DayField(label=_("Until"), required=False)
    order = forms.ChoiceField(
        label=_("Order"),
        choices=[
            ("upcoming", _("Upcoming first")),
            ("earliest", _("Earliest first")),
            ("latest", _("Latest first")),
        ],
        required=False,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        language = reader_language()
        self.fields["language"].choices = [("", _("All"))] + [
            (lang.code, lang.name_for(language)) for lang in Language.objects.order_by("name_de")
        ]
