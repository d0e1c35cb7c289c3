"""The request form's "repeat" part (a form of its own, prefix ``series``, shown by
``web/includes/series_fields.html``): every n weeks until a day or for a number of dates. The
dates are shown before the request is sent (``web.views.series``), to leave some out."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from bookings.constants import SERIES_MAX_DATES, SERIES_MAX_INTERVAL_WEEKS

from . import DayField


class SeriesFieldsForm(forms.Form):
    repeat = forms.BooleanField(label=_("Repeat this appointment (a series)"), required=False)
    interval_weeks = forms.TypedChoiceField(
        label=_("Repeat"),
        coerce=int,
        initial=1,
        choices=(),
        help_text=_("On the same weekday at the same time."),
    )
    until = DayField(label=_("Until (last day)"), required=False)
    count = forms.IntegerField(
        label=_("Or: number of dates"),
        min_value=2,
        max_value=SERIES_MAX_DATES,
        required=False,
        help_text=_("At most %(max)d dates, at most 12 months ahead.") % {"max": SERIES_MAX_DATES},
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("prefix", "series")
        super().__init__(*args, **kwargs)
        self.fields["interval_weeks"].choices = [
            (n, ngettext("every week", "every %(n)d weeks", n) % {"n": n})
            for n in range(1, SERIES_MAX_INTERVAL_WEEKS + 1)
        ]

    def clean(self):
        data = super().clean()
        if data.get("repeat") and not data.get("until") and not data.get("count"):
            self.add_error("until", _("Give the last day or the number of dates."))
        if data.get("until") and data.get("count"):
            self.add_error("count", _("Give either the last day or the number of dates."))
        return data


class SeriesCancelForm(forms.Form):
    day = DayField(widget=forms.HiddenInput)
    reason = forms.CharField(
        label=_("Reason for the cancellation"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        required=False,  # the service says why an empty reason is refused
    )
