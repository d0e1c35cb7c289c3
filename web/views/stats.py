"""The coordinators' statistics dashboard: charts with the same numbers as tables."""

from __future__ import annotations

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from bookings.stats.selectors import stats_pools_visible_to, stats_scope, stats_summary
from bookings.stats.tables import summary_tables
from core.exceptions import DomainError
from core.i18n import reader_language
from core.read_log import read_logged
from core.time import local_date

from ..forms import DayField
from ..stats_page import stats_sections
from .access import role_required
from .stats_report import YearlyReportForm


class StatsFilterForm(forms.Form):
    to = DayField(label=gettext_lazy("To"), required=False)
    pool = forms.ModelChoiceField(label=gettext_lazy("Pool"), queryset=None, required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields = {
            "from": DayField(label=gettext_lazy("From"), required=False),
            **self.fields,
        }
        pools = stats_pools_visible_to(user)
        self.fields["pool"].queryset = pools
        self.fields["pool"].empty_label = _("All my pools")
        self.single_pool = pools.count() <= 1
        self.user = user

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        try:
            period, pools = stats_scope(
                user=self.user,
                start=data.get("from"),
                end=data.get("to"),
                pool_id=data["pool"].pk if data.get("pool") else None,
                today=local_date(timezone.now()),
            )
        except DomainError as error:
            self.add_error(error.field if error.field in self.fields else None, error.message)
            return data
        data["period"], data["pools"] = period, pools
        return data


@role_required("coordinator", allow_superuser=True)
def dashboard(request: HttpRequest) -> HttpResponse:
    form = StatsFilterForm(request.GET, user=request.user)
    summary = sections = period = None
    export_query = ""
    if form.is_valid():
        data = form.cleaned_data
        period = data["period"]
        summary = stats_summary(
            pools=data["pools"], period=data["period"], language_code=reader_language()
        )
        sections = stats_sections(summary, summary_tables(summary))
        mediators = summary["mediator_activity"]["mediators"]
        read_logged(
            user=request.user,
            what="page:stats-dashboard",
            mediator_ids=[row["id"] for row in mediators],
            count=len(mediators),
            query=request.GET.urlencode(),
        )
        query = {"from": summary["from"], "to": summary["to"]}
        if data.get("pool"):
            query["pool"] = data["pool"].pk
        export_query = urlencode(query)
        # Show the period actually used (the default when none was given).
        form.data = {**request.GET.dict(), "from": summary["from"], "to": summary["to"]}
    return render(
        request,
        "web/stats/dashboard.html",
        {
            "form": form,
            "summary": summary,
            "period": period,
            "sections": sections,
            "export_query": export_query,
            "report_form": YearlyReportForm(user=request.user, today=local_date(timezone.now())),
        },
    )
