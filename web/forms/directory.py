"""Forms of the coordinators' mediator import and payout pages."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from mediators.importing import MAX_UPLOAD_BYTES


class ImportUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Volunteer list (CSV or XLSX)"),
        help_text=_(
            "First row: the column names. CSV in UTF-8, separated by semicolons or commas."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx,text/csv"}),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(
                _("The file is larger than %(size)s MB.") % {"size": MAX_UPLOAD_BYTES // 2**20}
            )
        return upload


class ImportConfirmForm(forms.Form):
    """The previewed rows, signed by the server (``web.views.directory``)."""

    rows = forms.CharField(widget=forms.HiddenInput)
