"""Stats API: ``GET /api/v1/stats/summary/`` and ``GET /api/v1/stats/export/``."""

from __future__ import annotations

from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import permissions, serializers
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api.fields import DayField
from core.dates import RANGE_TEXT
from core.i18n import reader_language
from core.read_log import EXPORT, LIST, read_logged
from core.time import local_date

from .selectors import StatsPeriod, stats_pools_visible_to, stats_scope, stats_summary
from .tables import summary_csv, summary_xlsx


class IsCoordinator(permissions.BasePermission):
    message = _("Only coordinators see the statistics.")

    def has_permission(self, request, view) -> bool:
        return stats_pools_visible_to(request.user).exists()


class IgnoreFormatParameter(DefaultContentNegotiation):
    """``?format=`` chooses the export's file type here, not a DRF renderer."""

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


class StatsQuerySerializer(serializers.Serializer):
    """Only validates the query's shape; ``stats_scope`` checks the period and the reach."""

    to = DayField(required=False)
    pool = serializers.IntegerField(required=False, min_value=1)

    def get_fields(self):
        fields = super().get_fields()
        fields["from"] = DayField(required=False)
        return fields


class ExportQuerySerializer(StatsQuerySerializer):
    format = serializers.ChoiceField(choices=["csv", "xlsx"], default="csv")


PERIOD_PARAMETERS = [
    OpenApiParameter(
        "from",
        OpenApiTypes.DATE,
        description="First local day (inclusive; default: the first of the month eleven "
        f"months ago). {RANGE_TEXT}",
    ),
    OpenApiParameter(
        "to",
        OpenApiTypes.DATE,
        description="Last local day (inclusive; default: today). At most ten years after "
        f"`from`. {RANGE_TEXT}",
    ),
    OpenApiParameter("pool", OpenApiTypes.INT, description="One pool (superusers)"),
]


def _summary(serializer_class, request: Request) -> tuple[dict, StatsPeriod, dict]:
    serializer = serializer_class(data=request.query_params)
    serializer.is_valid(raise_exception=True)
    query = serializer.validated_data
    period, pools = stats_scope(
        user=request.user,
        start=query.get("from"),
        end=query.get("to"),
        pool_id=query.get("pool"),
        today=local_date(timezone.now()),
    )
    summary = stats_summary(pools=pools, period=period, language_code=reader_language())
    return summary, period, query


class StatsSummaryApi(APIView):
    permission_classes = [permissions.IsAuthenticated, IsCoordinator]
    renderer_classes = [JSONRenderer]

    @extend_schema(parameters=PERIOD_PARAMETERS, responses={200: OpenApiTypes.OBJECT})
    def get(self, request: Request) -> Response:
        summary, _period, _query = _summary(StatsQuerySerializer, request)
        stats_read_logged(request, summary, what="api:stats-summary", action=LIST)
        return Response(summary)


def stats_read_logged(request, summary: dict, *, what: str, action: str) -> None:
    """The figures name the mediators with assignments: one access-log row per request."""
    mediators = summary.get("mediator_activity", {}).get("mediators", [])
    read_logged(
        user=request.user,
        what=what,
        action=action,
        mediator_ids=[row["id"] for row in mediators if row.get("id")],
        count=len(mediators),
        query=request.GET.urlencode(),
    )


def export_response(summary: dict, *, period: StatsPeriod, file_format: str) -> HttpResponse:
    """The figures as a CSV or XLSX download (shared by the API and the dashboard)."""
    if file_format == "xlsx":
        response = HttpResponse(
            summary_xlsx(summary),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    else:
        response = HttpResponse(summary_csv(summary), content_type="text/csv; charset=utf-8")
    filename = f"statistics_{period.start:%Y-%m-%d}_{period.end:%Y-%m-%d}.{file_format}"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


class StatsExportApi(APIView):
    permission_classes = [permissions.IsAuthenticated, IsCoordinator]
    renderer_classes = [JSONRenderer]
    content_negotiation_class = IgnoreFormatParameter

    @extend_schema(
        parameters=[
            *PERIOD_PARAMETERS,
            OpenApiParameter("format", OpenApiTypes.STR, enum=["csv", "xlsx"]),
        ],
        responses={(200, "text/csv"): OpenApiTypes.BINARY},
    )
    def get(self, request: Request) -> HttpResponse:
        summary, period, query = _summary(ExportQuerySerializer, request)
        stats_read_logged(request, summary, what="api:stats-export", action=EXPORT)
        return export_response(summary, period=period, file_format=query["format"])
