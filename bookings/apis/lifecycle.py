"""REST API v1: the lifecycle steps beyond request, cancel and report — moving a booking to
a new time or place, a coordinator settling a report, the travel made for a late
cancellation, and the no-show.

Like every booking endpoint: the booking is looked up within the caller's reach (404
otherwise), one service does the work (409 for a state that does not allow it, 400 for a
rule it breaks, nothing written either way), and the service records the change in the
access log.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api.fields import BerlinDateTimeField, ScopedPrimaryKeyRelatedField
from config.api.permissions import IsCoordinator, IsInstitutionStaff, IsMediator
from institutions.models import Location
from institutions.selectors import locations_visible_to

from ..constants import (
    MAX_ACTUAL_MINUTES,
    MAX_DURATION_MINUTES,
    MAX_TICKET_CENTS,
    MAX_TRAVEL_KM,
    MAX_TRAVEL_MINUTES,
    MIN_DURATION_MINUTES,
    AllowanceKind,
    Mode,
)
from ..services import (
    booking_mark_no_show,
    booking_reschedule,
    late_cancellation_travel_report,
    report_resolve,
)
from .bookings import REASON_MAX_LENGTH, OptionalReasonSerializer, booking_change, booking_in_reach
from .output import BookingDetailOutputSerializer, booking_response


def _travel_km(*, required: bool) -> serializers.DecimalField:
    return serializers.DecimalField(
        max_digits=8,
        decimal_places=3,
        min_value=0,
        max_value=MAX_TRAVEL_KM,
        required=required,
    )


def _travel_minutes() -> serializers.IntegerField:
    return serializers.IntegerField(min_value=0, max_value=MAX_TRAVEL_MINUTES, required=False)


def _ticket_cents() -> serializers.IntegerField:
    return serializers.IntegerField(min_value=0, max_value=MAX_TICKET_CENTS, required=False)


class BookingRescheduleApi(APIView):
    """Staff of the institution or a coordinator of the pool move a booking to a new
    ``starts_at``, ``duration_minutes``, ``mode`` or ``location`` (each optional, at least
    one) with a ``reason``. The request rules apply to the new values (400). A confirmed
    booking keeps its mediator only while they meet every hard rule of matching at the new
    time and place;
    otherwise they are released (and told), the booking is ``requested`` again and matching
    starts again, the standby first. A requested or unfilled booking is matched again. The
    answer's ``reschedule_outcome`` says which happened and why. 409 for a booking with
    offers out, or one that has started or ended. The updated invitations follow."""

    permission_classes = [IsCoordinator | IsInstitutionStaff]

    class InputSerializer(serializers.Serializer):
        starts_at = BerlinDateTimeField(required=False)
        duration_minutes = serializers.IntegerField(
            min_value=MIN_DURATION_MINUTES, max_value=MAX_DURATION_MINUTES, required=False
        )
        location = ScopedPrimaryKeyRelatedField(
            scope=locations_visible_to,
            queryset=Location.objects.none(),
            required=False,
            help_text="A location of the booking's institution (on site).",
            error_messages={"does_not_exist": _("Unknown location.")},
        )
        mode = serializers.ChoiceField(
            choices=Mode.choices,
            required=False,
            help_text="A new mode; by phone or video the place is dropped unless one is given.",
        )
        meeting_url = serializers.CharField(
            required=False,
            allow_blank=True,
            help_text="Video: a new link to one of the pool's meeting hosts (empty removes it). "
            "A new mode drops the old mode's details unless new ones are given.",
        )
        dial_in_number = serializers.CharField(
            required=False, allow_blank=True, help_text="Phone: a new dial-in number."
        )
        dial_in_pin = serializers.CharField(
            required=False, allow_blank=True, help_text="Phone: a new PIN."
        )
        reason = serializers.CharField(max_length=REASON_MAX_LENGTH)

    @extend_schema(request=InputSerializer, responses=BookingDetailOutputSerializer)
    def post(self, request, pk: int):
        booking = booking_in_reach(request, pk)
        serializer = self.InputSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        booking_reschedule(booking=booking, actor=request.user, **serializer.validated_data)
        return booking_response(request, booking.pk, changed=True)


class BookingResolveReportApi(APIView):
    """A coordinator settles a report that is disputed or was never confirmed, correcting
    ``actual_minutes``, ``travel_km``, ``travel_minutes`` or ``ticket_cents`` where needed
    (each optional): completed → closed, with the allowance. 409 without a report waiting."""

    permission_classes = [IsCoordinator]

    class InputSerializer(serializers.Serializer):
        actual_minutes = serializers.IntegerField(
            min_value=1, max_value=MAX_ACTUAL_MINUTES, required=False
        )
        travel_km = _travel_km(required=False)
        travel_minutes = _travel_minutes()
        ticket_cents = _ticket_cents()
        reason = serializers.CharField(
            max_length=REASON_MAX_LENGTH, required=False, allow_blank=True, default=""
        )

    @extend_schema(request=InputSerializer, responses=BookingDetailOutputSerializer)
    def post(self, request, pk: int):
        booking = booking_in_reach(request, pk)
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        report_resolve(booking=booking, actor=request.user, **serializer.validated_data)
        return booking_response(request, booking.pk, changed=True)


class AllowanceOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    booking = serializers.IntegerField(source="booking_id")
    kind = serializers.ChoiceField(choices=AllowanceKind.choices)
    day = serializers.DateField(help_text="The appointment's local day.")
    amount_cents = serializers.IntegerField()
    breakdown = serializers.JSONField(help_text="How the amount follows from the pool's rules.")


class BookingTravelReportApi(APIView):
    """The assigned mediator reports — once — the travel already made for an appointment the
    institution cancelled late: ``travel_km`` (and optionally ``travel_minutes``,
    ``ticket_cents``) are added to the late-cancellation allowance, which is the answer.
    409 for any other booking, or when the travel is already reported."""

    permission_classes = [IsMediator]

    class InputSerializer(serializers.Serializer):
        travel_km = _travel_km(required=True)
        travel_minutes = _travel_minutes()
        ticket_cents = _ticket_cents()

    @extend_schema(request=InputSerializer, responses=AllowanceOutputSerializer)
    def post(self, request, pk: int):
        booking = booking_in_reach(request, pk)
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        allowance = late_cancellation_travel_report(
            booking=booking, actor=request.user, **serializer.validated_data
        )
        return Response(AllowanceOutputSerializer(allowance).data)


class BookingNoShowApi(APIView):
    """A coordinator marks a confirmed booking whose start has passed as ``no_show``, with
    an optional ``reason`` (409 before the start or in any other status)."""

    permission_classes = [IsCoordinator]

    @extend_schema(request=OptionalReasonSerializer, responses=BookingDetailOutputSerializer)
    def post(self, request, pk: int):
        return booking_change(
            request, pk, input_serializer=OptionalReasonSerializer, service=booking_mark_no_show
        )
