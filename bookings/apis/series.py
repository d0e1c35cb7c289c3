"""REST API v1: series of appointments. A series is requested like one booking plus its
rule (``interval_weeks``, ``until`` or ``count``, the ``skip``ped days); the preview lists
the dates without writing; each date is a booking of its own (``/bookings/{id}/``, with
``series`` and ``series_position``). Cancelling from a day onwards cancels each remaining
date through the normal cancellation rules, all or none."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api.fields import BerlinDateTimeField
from config.api.permissions import IsCoordinator, IsInstitutionStaff

from ..constants import SERIES_MAX_DATES, SERIES_MAX_INTERVAL_WEEKS, Status
from ..models import BookingSeries
from ..selectors.series import series_bookings, series_visible_to
from ..services.series import (
    SeriesRule,
    booking_series_cancel_from,
    booking_series_create,
    series_dates,
)
from .bookings import REASON_MAX_LENGTH, BookingListCreateApi


class SeriesRuleSerializer(serializers.Serializer):
    interval_weeks = serializers.IntegerField(
        min_value=1, max_value=SERIES_MAX_INTERVAL_WEEKS, default=1,
        help_text="Every n weeks, on the weekday and local time of starts_at.",
    )  # fmt: skip
    until = serializers.DateField(
        required=False, allow_null=True, default=None, help_text="The last day (local)."
    )
    count = serializers.IntegerField(
        min_value=2, max_value=SERIES_MAX_DATES, required=False, allow_null=True, default=None,
        help_text="The number of dates; give either until or count.",
    )  # fmt: skip


class SeriesInputSerializer(SeriesRuleSerializer, BookingListCreateApi.InputSerializer):
    skip = serializers.ListField(
        child=serializers.DateField(), required=False, default=list, max_length=SERIES_MAX_DATES,
        help_text="Local days of the rule to leave out (e.g. school holidays).",
    )  # fmt: skip


class SeriesPreviewInputSerializer(SeriesRuleSerializer):
    starts_at = BerlinDateTimeField()


class SeriesPreviewOutputSerializer(serializers.Serializer):
    dates = serializers.ListField(child=BerlinDateTimeField())


class SeriesDateSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    position = serializers.IntegerField(source="series_position")
    starts_at = BerlinDateTimeField()
    ends_at = BerlinDateTimeField()
    status = serializers.ChoiceField(choices=Status.choices)
    has_mediator = serializers.SerializerMethodField()

    def get_has_mediator(self, booking) -> bool:
        return booking.mediator_id is not None


class SeriesOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    institution = serializers.IntegerField(source="institution_id")
    interval_weeks = serializers.IntegerField()
    until = serializers.DateField(allow_null=True)
    count = serializers.IntegerField(allow_null=True)
    created_at = BerlinDateTimeField()
    bookings = serializers.SerializerMethodField()

    @extend_schema_field(SeriesDateSerializer(many=True))
    def get_bookings(self, series) -> list[dict]:
        return list(SeriesDateSerializer(series_bookings(series), many=True).data)


def _series_response(series: BookingSeries, *, status_code: int = status.HTTP_200_OK):
    return Response(SeriesOutputSerializer(series).data, status=status_code)


def _rule_of(data) -> dict:
    return {key: data.pop(key) for key in ("interval_weeks", "until", "count")}


class SeriesCreateApi(APIView):
    """POST: institution staff (coordinators: for an institution of their pool) request a
    series → 201 with the series and its dates. All dates or none: a refused date is named
    under ``series`` (one message per date); a start before the notice under ``starts_at``."""

    permission_classes = [IsCoordinator | IsInstitutionStaff]

    @extend_schema(request=SeriesInputSerializer, responses={201: SeriesOutputSerializer})
    def post(self, request):
        serializer = SeriesInputSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        rule = _rule_of(data)
        skip = set(data.pop("skip", []))
        series = booking_series_create(requester=request.user, skip=skip, **rule, **data)
        return _series_response(series, status_code=status.HTTP_201_CREATED)


class SeriesPreviewApi(APIView):
    """POST: the dates a rule gives (nothing is written), to choose the days to skip."""

    permission_classes = [IsCoordinator | IsInstitutionStaff]

    @extend_schema(request=SeriesPreviewInputSerializer, responses=SeriesPreviewOutputSerializer)
    def post(self, request):
        serializer = SeriesPreviewInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        rule = SeriesRule(first=data.pop("starts_at"), **_rule_of(data))
        dates = series_dates(rule, now=timezone.now())
        return Response(SeriesPreviewOutputSerializer({"dates": dates}).data)


class SeriesDetailApi(APIView):
    """GET: the series with its dates (id, position, time, status, whether a mediator holds
    it); each date in full at ``/bookings/{id}/``."""

    permission_classes = [IsCoordinator | IsInstitutionStaff]

    @extend_schema(responses=SeriesOutputSerializer)
    def get(self, request, pk: int):
        return _series_response(get_object_or_404(series_visible_to(request.user), pk=pk))


class SeriesCancelInputSerializer(serializers.Serializer):
    day = serializers.DateField(help_text="Cancel the dates from this local day on.")
    reason = serializers.CharField(max_length=REASON_MAX_LENGTH)


class SeriesCancelApi(APIView):
    """POST ``day`` and ``reason``: cancel every date of the series from that day on that has
    not begun (each as ``/bookings/{id}/cancel/`` would: late cancellations paid, mediators
    told), all or none → the series."""

    permission_classes = [IsCoordinator | IsInstitutionStaff]

    @extend_schema(request=SeriesCancelInputSerializer, responses=SeriesOutputSerializer)
    def post(self, request, pk: int):
        series = get_object_or_404(series_visible_to(request.user), pk=pk)
        serializer = SeriesCancelInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        booking_series_cancel_from(series=series, actor=request.user, **serializer.validated_data)
        return _series_response(series)
