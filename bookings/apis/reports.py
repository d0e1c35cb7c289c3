"""REST API v1: after the appointment the assigned mediator reports actual time and travel;
the institution confirms (with optional feedback, seen only by coordinators) or disputes."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.views import APIView

from config.api.permissions import IsInstitutionStaff, IsMediator

from ..constants import (
    MAX_ACTUAL_MINUTES,
    MAX_DEBRIEF_CHARS,
    MAX_TICKET_CENTS,
    MAX_TRAVEL_KM,
    MAX_TRAVEL_MINUTES,
)
from ..services import report_confirm, report_dispute, report_submit
from .bookings import REASON_MAX_LENGTH, ReasonSerializer, booking_change, booking_in_reach
from .output import BookingDetailOutputSerializer, booking_response


class BookingReportApi(APIView):
    """The assigned mediator reports ``actual_minutes`` and ``travel_km`` (optionally
    ``travel_minutes``, ``ticket_cents``) after the appointment: confirmed → completed.
    Optionally ``debrief_note`` (for the pool's coordinators only, never in any answer to an
    institution) and ``call_back`` (asks a coordinator to call)."""

    permission_classes = [IsMediator]

    class InputSerializer(serializers.Serializer):
        actual_minutes = serializers.IntegerField(min_value=1, max_value=MAX_ACTUAL_MINUTES)
        travel_km = serializers.DecimalField(
            max_digits=8, decimal_places=3, min_value=0, max_value=MAX_TRAVEL_KM
        )
        travel_minutes = serializers.IntegerField(
            min_value=0, max_value=MAX_TRAVEL_MINUTES, required=False, default=0
        )
        ticket_cents = serializers.IntegerField(
            min_value=0, max_value=MAX_TICKET_CENTS, required=False, default=0
        )
        debrief_note = serializers.CharField(
            max_length=MAX_DEBRIEF_CHARS, required=False, default="", allow_blank=True
        )
        call_back = serializers.BooleanField(required=False, default=False)

    @extend_schema(request=InputSerializer, responses=BookingDetailOutputSerializer)
    def post(self, request, pk: int):
        booking = booking_in_reach(request, pk)
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        report_submit(booking=booking, actor=request.user, **serializer.validated_data)
        return booking_response(request, booking.pk, changed=True)


class BookingConfirmReportApi(APIView):
    """Staff of the institution confirm the report (completed → closed) and may leave
    ``feedback`` (``rating`` 1–5, ``comment``), which only coordinators see."""

    permission_classes = [IsInstitutionStaff]

    class InputSerializer(serializers.Serializer):
        class FeedbackSerializer(serializers.Serializer):
            rating = serializers.IntegerField(min_value=1, max_value=5)
            comment = serializers.CharField(
                max_length=REASON_MAX_LENGTH, required=False, allow_blank=True, default=""
            )

        feedback = FeedbackSerializer(required=False, allow_null=True)

    @extend_schema(request=InputSerializer, responses=BookingDetailOutputSerializer)
    def post(self, request, pk: int):
        booking = booking_in_reach(request, pk)
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        feedback = serializer.validated_data.get("feedback") or {}
        report_confirm(
            booking=booking,
            actor=request.user,
            rating=feedback.get("rating"),
            comment=feedback.get("comment", ""),
        )
        return booking_response(request, booking.pk, changed=True)


class BookingDisputeReportApi(APIView):
    """Staff of the institution dispute the report with a ``reason``; a coordinator
    resolves it. The booking stays completed."""

    permission_classes = [IsInstitutionStaff]

    @extend_schema(request=ReasonSerializer, responses=BookingDetailOutputSerializer)
    def post(self, request, pk: int):
        return booking_change(
            request, pk, input_serializer=ReasonSerializer, service=report_dispute
        )
