"""Forms of the coordinators' pages."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from institutions.constants import MessageLanguage
from mediators.constants import Gender, LanguageLevel
from mediators.models import Language

from . import DayField


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000, required=False
    )


class AssignForm(forms.Form):
    mediator = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class PlanForm(forms.Form):
    starts_on = DayField(label=_("From"))
    ends_on = DayField(label=_("Until (inclusive)"))


class VettingForm(forms.Form):
    training_completed_on = DayField(label=_("Training completed on"), required=False)
    pledge_signed_on = DayField(label=_("Confidentiality pledge signed on"), required=False)
    police_certificate_inspected_on = DayField(
        label=_("Extended police certificate inspected on"), required=False
    )
    police_certificate_valid_until = DayField(
        label=_("Extended police certificate valid until"), required=False
    )
    active = forms.BooleanField(
        label=_("Active"),
        required=False,
        help_text=_("Untick to pause the mediator; only coordinators pause and resume."),
    )
    paused_reason = forms.CharField(label=_("Reason for the pause"), max_length=200, required=False)
    iban = forms.CharField(
        label=_("IBAN for the payouts"),
        max_length=42,
        required=False,
        help_text=_("Optional; the accounting office transfers the allowances to it."),
    )


class OnboardingForm(VettingForm):
    first_name = forms.CharField(label=_("First name"), max_length=150)
    last_name = forms.CharField(label=_("Last name"), max_length=150)
    email = forms.EmailField(label=_("E-mail"))
    gender = forms.ChoiceField(label=_("Gender"), choices=Gender.choices)
    home_postal_code = forms.RegexField(label=_("Postal code of the home"), regex=r"^\d{5}$")
    language = forms.ChoiceField(
        label=_("Language of the messages"), choices=MessageLanguage.choices
    )
    speaks = forms.ModelChoiceField(
        label=_("Speaks"),
        queryset=Language.objects.order_by("name_de"),
        error_messages={"required": _("A mediator speaks at least one language: give one.")},
    )
    level = forms.TypedChoiceField(
        label=_("Level"), choices=LanguageLevel.choices, coerce=int, initial=LanguageLevel.FLUENT
    )

    field_order = [
        "first_name",
        "last_name",
        "email",
        "gender",
        "home_postal_code",
        "language",
        "speaks",
        "level",
    ]
