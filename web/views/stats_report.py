"""The yearly report (integration monitoring) of one pool, as PDF or XLSX, in German."""

from __future__ import annotations

from django import forms
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from bookings.stats.selectors import stats_pools_visible_to
from bookings.stats.yearly import report_years, yearly_report
from bookings.stats.yearly_files import yearly_report_pdf, yearly_report_xlsx
from core.exceptions import DomainError
from core.time import local_date

from .access import role_required

FILE_TYPES = {
    "pdf": ("application/pdf", yearly_report_pdf),
    "xlsx": (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        yearly_report_xlsx,
    ),
}


class YearlyReportForm(forms.Form):
    """Year and pool; a pool outside the reader's reach is not a choice (the view answers
    404 for it, as for any object outside one's reach)."""

    year = forms.TypedChoiceField(label=gettext_lazy("Year"), coerce=int)
    pool = forms.ModelChoiceField(label=gettext_lazy("Pool"), queryset=None, required=False)
    format = forms.ChoiceField(
        label=gettext_lazy("File type"),
        choices=[("pdf", "PDF"), ("xlsx", "Excel (XLSX)")],
        initial="pdf",
    )

    def __init__(self, *args, user, today, **kwargs):
        super().__init__(*args, **kwargs)
        years = report_years(today=today)
        self.fields["year"].choices = [(year, str(year)) for year in years]
        # Last year is the one usually published; this year's report is an interim one.
        self.fields["year"].initial = years[1]
        pools = stats_pools_visible_to(user)
        self.fields["pool"].queryset = pools
        self.fields["pool"].empty_label = None
        self.single_pool = pools.count() <= 1
        if self.single_pool and (only := pools.first()) is not None:
            self.fields["pool"].initial = only.pk
        self.today = today

    def clean(self):
        data = super().clean()
        if not self.errors and data.get("pool") is None:
            self.add_error("pool", _("Choose a pool."))
        return data


def pool_outside_reach(request: HttpRequest) -> bool:
    """Another pool's id (or one that does not exist): 404, never revealing which."""
    wanted = request.GET.get("pool", "")
    return (
        wanted.isdigit()
        and not stats_pools_visible_to(request.user).filter(pk=int(wanted)).exists()
    )


@role_required("coordinator", allow_superuser=True)
def yearly_report_download(request: HttpRequest) -> HttpResponse:
    """Without a file type the page with the choice; with one, the file (400 and the page
    with the errors for a year or file type not offered)."""
    today = local_date(timezone.now())
    if "format" not in request.GET:
        form = YearlyReportForm(user=request.user, today=today)
        return render(request, "web/stats/yearly_report.html", {"report_form": form})
    if pool_outside_reach(request):
        raise Http404
    query = request.GET.copy()
    if not query.get("pool"):
        visible = stats_pools_visible_to(request.user)
        if visible.count() == 1:
            query["pool"] = str(visible.get().pk)
    form = YearlyReportForm(query, user=request.user, today=today)
    if form.is_valid():
        data = form.cleaned_data
        try:
            report = yearly_report(pool=data["pool"], year=data["year"], today=today)
        except DomainError as error:
            form.add_error("year", error.message)
        else:
            content_type, write = FILE_TYPES[data["format"]]
            response = HttpResponse(write(report), content_type=content_type)
            filename = f"integrationsmonitoring_{report.pool.slug}_{report.year}.{data['format']}"
            response["Content-Disposition"] = f'attachment; filename="{filename}"'
            return response
    return render(request, "web/stats/yearly_report.html", {"report_form": form}, status=400)
