"""Forms of what a coordinator does when nobody is found (coordinator booking page)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from bookings.constants import NobodyFoundReason


class AskAnywayForm(forms.Form):
    mediator = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    reason = forms.CharField(label=_("Why ask anyway"), max_length=500)


class MoveForm(forms.Form):
    starts_at = forms.DateTimeField(widget=forms.HiddenInput)
    reason = forms.CharField(label=_("Why the time changes"), max_length=500)


class TellInstitutionForm(forms.Form):
    reason = forms.ChoiceField(label=_("Reason"), choices=NobodyFoundReason.choices)
    with_times = forms.BooleanField(
        label=_("Name the other times at which someone is available"), required=False
    )


class WidenForm(forms.Form):
    pool = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    reason = forms.CharField(label=_("Why widen (optional)"), max_length=500, required=False)
