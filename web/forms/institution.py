"""Forms of the institution staff's pages."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from bookings.constants import (
    MEETING_URL_MAX_LENGTH,
    NOTES_MAX_LENGTH,
    AppointmentKind,
    Field,
    GenderPreference,
    Mode,
    Status,
)
from bookings.selectors.funding import last_funding_source_id
from core.constants import Topic
from core.dates import local_wall_time
from core.exceptions import DomainError
from core.i18n import reader_language
from institutions.models import FundingSource, Institution, Location
from mediators.models import Dialect, Language

from . import DayField, TimeInput

DURATIONS = (30, 45, 60, 90, 120, 180, 240)


def duration_help_text() -> str:
    """Says what the menu offers (derived from ``DURATIONS``: no drift)."""
    return _("From %(min)s to %(max)s minutes; choose the longest you may need.") % {
        "min": min(DURATIONS),
        "max": max(DURATIONS),
    }


MEETING_FIELDS = {
    Mode.VIDEO: ("meeting_url",),
    Mode.PHONE: ("dial_in_number", "dial_in_pin"),
}


def meeting_values(data: dict[str, Any]) -> dict[str, str]:
    """The meeting details of the chosen mode as the services take them; the other modes'
    fields go empty (a link typed before switching to phone is not sent)."""
    own = MEETING_FIELDS.get(data.get("mode", ""), ())
    return {
        name: (data.get(name) or "") if name in own else ""
        for name in ("meeting_url", "dial_in_number", "dial_in_pin")
    }


def meeting_form_fields() -> dict[str, forms.Field]:
    """The three fields of a video or phone appointment's details (request and change)."""
    return {
        "meeting_url": forms.CharField(
            label=_("Meeting link"),
            max_length=MEETING_URL_MAX_LENGTH,
            required=False,
            widget=forms.URLInput(attrs={"inputmode": "url", "autocomplete": "off"}),
            help_text=_(
                "For video appointments: the link to your video service, e.g. "
                "https://meet.kreis-viersen.de/…; only the booked mediator sees it. You may "
                "add it later."
            ),
        ),
        "dial_in_number": forms.CharField(
            label=_("Dial-in number"),
            max_length=40,
            required=False,
            widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
            help_text=_("For phone appointments; only the booked mediator sees it."),
        ),
        "dial_in_pin": forms.CharField(
            label=_("PIN"),
            max_length=20,
            required=False,
            widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
        ),
    }


class LanguageSelect(forms.Select):
    """Each option carries the language's code (``data-code``) for the search, which finds
    a language by its name or its code; the label is the plain name."""

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        instance = getattr(value, "instance", None)
        if instance is not None:
            option["attrs"]["data-code"] = instance.code
        return option


class LanguageChoiceField(forms.ModelChoiceField):
    """Languages by their name and code ("Dari (prs)"): mediators tell close languages apart
    by the code on their profile."""

    def label_from_instance(self, obj: Language) -> str:
        return f"{obj.name_for(reader_language())} ({obj.code})"


class PlainLanguageChoiceField(forms.ModelChoiceField):
    """Languages by their name in the reader's language ("Arabisch", not "Arabisch (ara)"),
    as institutions ask for them; the code stays searchable (``LanguageSelect``)."""

    widget = LanguageSelect

    def label_from_instance(self, obj: Language) -> str:
        return obj.name_for(reader_language())


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
    language = PlainLanguageChoiceField(
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
    meeting_url = meeting_form_fields()["meeting_url"]
    dial_in_number = meeting_form_fields()["dial_in_number"]
    dial_in_pin = meeting_form_fields()["dial_in_pin"]
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

    # The form in groups (``fieldsets``), the language first as before (the question every
    # request starts with); the fields of the last one are rarely needed and wait under
    # "More". A series of dates (``series_fields.html``) has its slot after "When".
    GROUPS: tuple[tuple[str, Any, tuple[str, ...]], ...] = (
        ("language", _("Language"), ("language", "dialect")),
        ("when", _("When"), ("date", "time", "duration_minutes")),
        ("where", _("Where"), ("mode", "location", "meeting_url", "dial_in_number", "dial_in_pin")),
        ("who", _("Who needs it"), ("field", "kind", "with_children", "funding_source", "notes")),
        ("more", _("More"), ("topic", "sensitive", "gender_preference", "case_reference")),
    )

    def __init__(self, *args, institution: Institution, **kwargs):
        super().__init__(*args, **kwargs)
        self.institution = institution
        self.fields["language"].queryset = Language.objects.order_by("name_de")
        self.fields["dialect"].queryset = Dialect.objects.select_related("language").order_by(
            "language__name_de", "name_de"
        )
        locations = list(institution.locations.select_related("town"))
        self.fields["location"].queryset = institution.locations.select_related("town")
        if len(locations) == 1:
            self.fields["location"].initial = locations[0].pk  # the only place
        self.fields["funding_source"].queryset = FundingSource.objects.filter(
            pool_id=institution.pool_id
        )
        if not self.fields["funding_source"].queryset.exists():
            del self.fields["funding_source"]
        else:
            self.fields["funding_source"].initial = last_funding_source_id(institution)
        self.fields["duration_minutes"].choices = [
            (minutes, _("%(minutes)s minutes") % {"minutes": minutes}) for minutes in DURATIONS
        ]
        self.fields["duration_minutes"].help_text = duration_help_text()

    def fieldsets(self) -> list[dict[str, Any]]:
        """The groups with their bound fields (fields a subclass adds come first, in a group
        of their own); "more" opens when one of its fields has an error."""
        grouped = {name for _key, _legend, names in self.GROUPS for name in names}
        extra = [
            self[name]
            for name in self.fields
            if name not in grouped and not self.fields[name].widget.is_hidden
        ]
        groups = []
        if extra:
            groups.append({"key": "asks", "legend": self.extra_legend, "fields": extra})
        for key, legend, names in self.GROUPS:
            fields = [self[name] for name in names if name in self.fields]
            if fields:
                groups.append({"key": key, "legend": legend, "fields": fields})
        for group in groups:
            group["errors"] = any(field.errors for field in group["fields"])
        return groups

    extra_legend: Any = _("Who asks")

    def request_values(self) -> dict[str, Any]:
        """The cleaned values as ``booking_create`` takes them; only the chosen mode's place or
        meeting details go (a link typed before switching to phone is not sent)."""
        data = self.cleaned_data
        values = {
            name: data[name]
            for name in (
                "language", "dialect", "starts_at", "duration_minutes", "mode", "location",
                "field", "kind", "topic", "with_children", "sensitive", "gender_preference",
                "case_reference", "notes",
            )
        }  # fmt: skip
        values["funding_source"] = data.get("funding_source")
        if data["mode"] != Mode.ON_SITE:
            # The place is asked for on site only (the page hides it otherwise): the only
            # location, preselected, does not travel with a phone or video request.
            values["location"] = None
        return {**values, **meeting_values(data)}

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
