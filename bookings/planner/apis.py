"""REST API of the batch planner (coordinators of the pool only).

``POST /api/v1/plans/`` with ``from``/``to`` (local dates, inclusive) queues a plan and
answers **202** with the plan's URL (``Location``); a Celery worker computes it. ``GET
/api/v1/plans/{id}/`` shows its status (``queued``, ``solving``, ``draft`` = done, to
review, ``failed``) and, while solving, the solver's progress (the best fill so far and the
bound); ``POST .../apply/`` assigns through the matching services (each assignment checked
again); ``POST .../discard/`` drops it. Plans of another pool answer 404.
"""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.generics import ListAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api.fields import BerlinDateTimeField, DayField
from config.api.permissions import IsCoordinator
from core.dates import RANGE_TEXT

from .models import PlanItem, PlanRun
from .selectors import plans_visible_to
from .services import (
    DEFAULT_SECONDS,
    MAX_PERIOD_DAYS,
    MAX_SECONDS,
    plan_apply,
    plan_discard,
    plan_request,
)


class PlanItemOutputSerializer(serializers.ModelSerializer):
    starts_at = BerlinDateTimeField(source="booking.starts_at")
    language = serializers.CharField(source="booking.language.code")
    mediator_name = serializers.CharField(source="mediator.__str__")

    class Meta:
        model = PlanItem
        fields = [
            "booking",
            "starts_at",
            "language",
            "mediator",
            "mediator_name",
            "travel_km",
            "outcome",
            "detail",
        ]


class PlanProgressSerializer(serializers.Serializer):
    filled = serializers.IntegerField(
        source="progress_filled", allow_null=True, help_text="The best fill found so far."
    )
    bound = serializers.IntegerField(
        source="progress_bound",
        allow_null=True,
        help_text="The most that can be filled, as far as the solver has proved it.",
    )
    at = BerlinDateTimeField(source="progress_at", allow_null=True)


class PlanOutputSerializer(serializers.ModelSerializer):
    fill_rate = serializers.SerializerMethodField()
    progress = PlanProgressSerializer(source="*")

    class Meta:
        model = PlanRun
        fields = [
            "id",
            "status",
            "starts_on",
            "ends_on",
            "engine",
            "requests",
            "filled",
            "greedy_filled",
            "fill_rate",
            "travel_km",
            "hours_gini",
            "seconds",
            "seconds_limit",
            "progress",
            "error",
            "created_at",
            "started_at",
            "applied_at",
        ]

    def get_fill_rate(self, run: PlanRun) -> float:
        return round(run.filled / run.requests, 4) if run.requests else 0.0


class PlanDetailOutputSerializer(PlanOutputSerializer):
    items = PlanItemOutputSerializer(many=True)

    class Meta(PlanOutputSerializer.Meta):
        fields = [*PlanOutputSerializer.Meta.fields, "items"]


def _detail(run_id: int) -> dict:
    run = PlanRun.objects.prefetch_related("items__booking__language", "items__mediator__user").get(
        pk=run_id
    )
    return PlanDetailOutputSerializer(run).data


class PlanListCreateApi(ListAPIView):
    """Coordinators list their pool's plans, or compute a new one for a period."""

    permission_classes = [IsCoordinator]
    serializer_class = PlanOutputSerializer

    class InputSerializer(serializers.Serializer):
        def get_fields(self):
            # "from" is a Python keyword, so the fields are declared here.
            return {
                "from": DayField(source="starts_on", help_text=f"First local day. {RANGE_TEXT}"),
                "to": DayField(
                    source="ends_on",
                    help_text=f"Last local day (inclusive); at most {MAX_PERIOD_DAYS} days "
                    f"in all. {RANGE_TEXT}",
                ),
                "seconds": serializers.FloatField(
                    required=False, default=DEFAULT_SECONDS, min_value=0.5, max_value=MAX_SECONDS
                ),
            }

        def validate(self, attrs):
            if attrs["starts_on"] > attrs["ends_on"]:
                raise serializers.ValidationError({"to": [_("The period ends before it starts.")]})
            return attrs

    def get_queryset(self):
        return plans_visible_to(self.request.user)

    @extend_schema(request=InputSerializer, responses={202: PlanDetailOutputSerializer})
    def post(self, request):
        """Queue a plan: 202 with the plan (``queued``) and its URL in ``Location``; poll
        it until its status is ``draft`` (done, to review) or ``failed``."""
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        run = plan_request(
            pool=request.user.coordinator.pool, actor=request.user, **serializer.validated_data
        )
        location = request.build_absolute_uri(reverse("api:plan-detail", args=[run.pk]))
        return Response(
            _detail(run.pk), status=status.HTTP_202_ACCEPTED, headers={"Location": location}
        )


class PlanDetailApi(APIView):
    permission_classes = [IsCoordinator]

    @extend_schema(responses=PlanDetailOutputSerializer)
    def get(self, request, pk: int):
        run = get_object_or_404(plans_visible_to(request.user), pk=pk)
        return Response(_detail(run.pk))


class PlanApplyApi(APIView):
    """Assign every planned booking through the matching services (409 unless a draft)."""

    permission_classes = [IsCoordinator]

    @extend_schema(request=None, responses=PlanDetailOutputSerializer)
    def post(self, request, pk: int):
        run = get_object_or_404(plans_visible_to(request.user), pk=pk)
        plan_apply(run=run, actor=request.user)
        return Response(_detail(run.pk))


class PlanDiscardApi(APIView):
    permission_classes = [IsCoordinator]

    @extend_schema(request=None, responses=PlanDetailOutputSerializer)
    def post(self, request, pk: int):
        run = get_object_or_404(plans_visible_to(request.user), pk=pk)
        plan_discard(run=run, actor=request.user)
        return Response(_detail(run.pk))
