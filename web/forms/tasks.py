"""Forms of the daily tasks on the booking pages: a request filed for an institution, a new
time or place, a disputed report settled, a no-show, the travel of a late cancellation and a
conflict of interest. They check the shape of the input; the services check the rules."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from bookings.constants import (
    MAX_ACTUAL_MINUTES,
    MAX_DURATION_MINUTES,
    MAX_TICKET_CENTS,
    MAX_TRAVEL_KM,
    MAX_TRAVEL_MINUTES,
    MIN_DURATION_MINUTES,
    Mode,
)
from bookings.models import Booking
from core.dates import local_wall_time
from core.exceptions import DomainError
from core.time import BERLIN
from institutions.models import Institution, Location, Staff
from mediators.models import Mediator

from . import DayField, TimeInput
from .institution import BookingRequestForm, meeting_form_fields

REASON_MAX_LENGTH = 2000


class InstitutionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Institution) -> str:
        return f"{obj.name} ({obj.town})" if obj.town_id else obj.name


class StaffChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Staff) -> str:
        name = obj.user.get_full_name() or obj.user.get_username()
        return f"{name} · {obj.phone}" if obj.phone else name


class InstitutionPickForm(forms.Form):
    """The first step of a request filed for an institution: which one."""

    institution = InstitutionChoiceField(
        label=_("Institution"),
        queryset=Institution.objects.none(),
        empty_label=_("Choose an institution"),
    )

    def __init__(self, *args, institutions, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["institution"].queryset = institutions


class CoordinatorRequestForm(BookingRequestForm):
    """The institution's request form, filed by a coordinator: who asks, the contact for
    this appointment and, where the notice is too short, the reason for the exception."""

    institution = forms.ModelChoiceField(
        queryset=Institution.objects.none(), widget=forms.HiddenInput
    )
    on_behalf_of = StaffChoiceField(
        label=_("Who asks"),
        queryset=Staff.objects.none(),
        required=False,
        empty_label=_("Nobody in particular"),
        help_text=_("The staff member receives the messages about this appointment."),
    )
    contact_name = forms.CharField(
        label=_("Contact person for this appointment"),
        max_length=200,
        required=False,
        help_text=_("Leave empty to name the staff member who asks."),
    )
    contact_phone = forms.CharField(label=_("Contact phone"), max_length=40, required=False)
    notice_override_reason = forms.CharField(
        label=_("Reason for shorter notice"),
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=500,
        required=False,
    )

    field_order = ["institution", "on_behalf_of", "contact_name", "contact_phone"]
    # Who asks comes first (``fieldsets``: the fields this form adds); the reason for an
    # exception to the notice at the end.
    GROUPS = (
        *BookingRequestForm.GROUPS,
        ("notice", _("Shorter notice"), ("notice_override_reason",)),
    )

    def __init__(self, *args, institution: Institution, institutions, **kwargs):
        super().__init__(*args, institution=institution, **kwargs)
        self.fields["institution"].queryset = institutions
        self.fields["institution"].initial = institution.pk
        self.fields["on_behalf_of"].queryset = (
            Staff.objects.filter(
                institution=institution, erased_at__isnull=True, user__is_active=True
            )
            .select_related("user")
            .order_by("user__last_name", "user__first_name")
        )

    def clean_institution(self):
        institution = self.cleaned_data["institution"]
        if institution.pk != self.fields["institution"].initial:
            raise forms.ValidationError(_("Choose the institution again."))
        return institution


class RescheduleForm(forms.Form):
    """A new day, time, duration or place; empty keeps what the booking has."""

    date = DayField(label=_("Date"))
    time = forms.TimeField(
        label=_("Start (local time)"), widget=TimeInput(), help_text=_("German time (Berlin).")
    )
    duration_minutes = forms.IntegerField(
        label=_("Duration in minutes"),
        min_value=MIN_DURATION_MINUTES,
        max_value=MAX_DURATION_MINUTES,
    )
    mode = forms.ChoiceField(label=_("Mode"), choices=Mode.choices, widget=forms.RadioSelect)
    location = forms.ModelChoiceField(
        label=_("Place"),
        queryset=Location.objects.none(),
        required=False,
        empty_label=_("No place (phone or video)"),
        help_text=_("Needed for appointments on site."),
    )
    meeting_url = meeting_form_fields()["meeting_url"]
    dial_in_number = meeting_form_fields()["dial_in_number"]
    dial_in_pin = meeting_form_fields()["dial_in_pin"]
    reason = forms.CharField(
        label=_("Why does the appointment change?"),
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=REASON_MAX_LENGTH,
        required=False,  # the service says why an empty reason is refused
    )

    def __init__(self, *args, booking: Booking, **kwargs):
        local = booking.starts_at.astimezone(BERLIN)
        kwargs.setdefault(
            "initial",
            {
                "date": local.date(),
                "time": local.time().replace(second=0, microsecond=0),
                "duration_minutes": booking.duration_minutes,
                "location": booking.location_id,
                "mode": booking.mode,
                "meeting_url": booking.meeting_url,
                "dial_in_number": booking.dial_in_number,
                "dial_in_pin": booking.dial_in_pin,
            },
        )
        super().__init__(*args, **kwargs)
        self.fields["location"].queryset = Location.objects.filter(
            institution_id=booking.institution_id
        ).select_related("town")

    def clean(self):
        data = super().clean()
        if data.get("date") and data.get("time"):
            try:
                data["starts_at"] = local_wall_time(data["date"], data["time"], field="time")
            except DomainError as error:
                self.add_error(error.field, str(error.message))
        return data


class ResolveReportForm(forms.Form):
    """A coordinator settles a report: accepted as reported, or with other figures."""

    ACCEPT, CORRECT = "accept", "correct"
    decision = forms.ChoiceField(
        choices=[(ACCEPT, _("Accept the report")), (CORRECT, _("Decide otherwise"))],
        widget=forms.HiddenInput,
    )
    actual_minutes = forms.IntegerField(
        label=_("Actual duration in minutes"), min_value=1, max_value=MAX_ACTUAL_MINUTES
    )
    travel_km = forms.DecimalField(
        label=_("Travel in km"),
        min_value=0,
        max_value=MAX_TRAVEL_KM,
        max_digits=8,
        decimal_places=1,
    )
    travel_minutes = forms.IntegerField(
        label=_("Travel time in minutes"), min_value=0, max_value=MAX_TRAVEL_MINUTES
    )
    ticket_cents = forms.IntegerField(
        label=_("Public transport ticket in cents"), min_value=0, max_value=MAX_TICKET_CENTS
    )
    reason = forms.CharField(
        label=_("Decision and reason"),
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=REASON_MAX_LENGTH,
        required=False,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Accepting takes the report as it is: the figures are read only when deciding.
        if self.data.get("decision") == self.ACCEPT:
            for name in ("actual_minutes", "travel_km", "travel_minutes", "ticket_cents"):
                self.fields[name].required = False


class TravelReportForm(forms.Form):
    """The travel a mediator made before a late cancellation, filed on their behalf."""

    travel_km = forms.DecimalField(
        label=_("Travel in km"),
        min_value=0,
        max_value=MAX_TRAVEL_KM,
        max_digits=8,
        decimal_places=1,
    )
    travel_minutes = forms.IntegerField(
        label=_("Travel time in minutes"), min_value=0, max_value=MAX_TRAVEL_MINUTES, initial=0
    )
    ticket_cents = forms.IntegerField(
        label=_("Public transport ticket in cents"),
        min_value=0,
        max_value=MAX_TICKET_CENTS,
        initial=0,
    )


class ConflictForm(forms.Form):
    """A mediator who knows the family of this booking's case."""

    mediator = forms.ModelChoiceField(
        label=_("Mediator who knows the family"),
        queryset=Mediator.objects.none(),
        empty_label=_("Choose a mediator"),
    )
    reason = forms.CharField(label=_("Reason (optional)"), max_length=500, required=False)

    def __init__(self, *args, mediators, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["mediator"].queryset = mediators
