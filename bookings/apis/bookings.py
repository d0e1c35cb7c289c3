"""REST API v1: request, list and read bookings; approve, refuse and cancel them.

Each view looks the booking up among those within the caller's reach (404 otherwise), calls
one service (which records the change in the access log) and answers with the booking as the
caller may see it; a read of the booking's details is access-logged here.
"""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.generics import ListAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api.fields import BerlinDateTimeField, ScopedPrimaryKeyRelatedField
from config.api.permissions import (
    IsCoordinator,
    IsInstitutionStaff,
    IsMediator,
    MethodPermissionsMixin,
)
from config.api.read_log import ReadLoggedListMixin
from core.constants import CASE_REFERENCE_MAX_LENGTH, ActorRole, Topic
from core.roles import actor_role_of
from institutions.models import FundingSource, Institution, Location
from institutions.selectors import (
    funding_sources_visible_to,
    institutions_visible_to,
    locations_visible_to,
)
from mediators.models import Language
from mediators.selectors import dialect_by_code

from ..constants import (
    MAX_DURATION_MINUTES,
    MIN_DURATION_MINUTES,
    NOTES_MAX_LENGTH,
    AppointmentKind,
    Field,
    GenderPreference,
    Mode,
)
from ..filters import BookingFilter
from ..models import Booking
from ..selectors import booking_detail_queryset, booking_list_rows, bookings_visible_to
from ..services import (
    access_log_record,
    booking_approve,
    booking_cancel,
    booking_create,
    booking_refuse,
)
from ..services.access_log import READ
from .output import BookingDetailOutputSerializer, BookingOutputSerializer, booking_response

REASON_MAX_LENGTH = 2000


def booking_in_reach(request, pk: int) -> Booking:
    """The booking if the caller may see it; 404 otherwise (never reveal that it exists)."""
    return get_object_or_404(bookings_visible_to(request.user), pk=pk)


def booking_change(request, pk: int, *, input_serializer, service) -> Response:
    """The shape of every booking action: find the booking within reach (404 otherwise),
    validate the body (400), call the service with the caller as actor (it writes the change
    and its access-log row in one transaction), answer with the booking as the caller now
    sees it."""
    booking = booking_in_reach(request, pk)
    serializer = input_serializer(data=request.data)
    serializer.is_valid(raise_exception=True)
    service(booking=booking, actor=request.user, **serializer.validated_data)
    return booking_response(request, booking.pk, changed=True)


class BookingListCreateApi(ReadLoggedListMixin, MethodPermissionsMixin, ListAPIView):
    """GET: bookings within reach (coordinators: the pool; staff: their institution;
    mediators: assigned or offered to them); each page read writes one access-log row
    naming the bookings on it. POST: institution staff request an appointment
    (coordinators choose the institution) → 201 with ``id`` and ``status``."""

    method_permissions = {
        "GET": [IsCoordinator | IsInstitutionStaff | IsMediator],
        "POST": [IsCoordinator | IsInstitutionStaff],
    }
    serializer_class = BookingOutputSerializer
    filterset_class = BookingFilter
    read_log_what = "api:booking-list"
    queryset = Booking.objects.none()  # the schema's model; requests use get_queryset

    class InputSerializer(serializers.Serializer):
        institution = ScopedPrimaryKeyRelatedField(
            scope=institutions_visible_to,
            queryset=Institution.objects.none(),
            required=False,
            help_text="Coordinators only: the institution the appointment is for.",
            error_messages={"does_not_exist": _("Unknown institution.")},
        )
        language = serializers.SlugRelatedField(
            slug_field="code",
            queryset=Language.objects.all(),
            help_text="ISO 639-3 code.",
            error_messages={
                "does_not_exist": _("Unknown language."),
                "invalid": _("Give the ISO 639-3 code of the language."),
            },
        )
        dialect = serializers.CharField(
            max_length=40, required=False, allow_blank=True, allow_null=True
        )
        starts_at = BerlinDateTimeField()
        duration_minutes = serializers.IntegerField(
            min_value=MIN_DURATION_MINUTES, max_value=MAX_DURATION_MINUTES
        )
        mode = serializers.ChoiceField(choices=Mode.choices)
        location = ScopedPrimaryKeyRelatedField(
            scope=locations_visible_to,
            queryset=Location.objects.none(),
            required=False,
            allow_null=True,
            help_text="On site only: a location of the institution.",
            error_messages={"does_not_exist": _("Unknown location.")},
        )
        field = serializers.ChoiceField(choices=Field.choices)
        topic = serializers.ChoiceField(choices=Topic.choices, required=False, allow_blank=True)
        kind = serializers.ChoiceField(
            choices=AppointmentKind.choices, required=False, default=AppointmentKind.CONVERSATION
        )
        with_children = serializers.BooleanField(required=False, default=False)
        sensitive = serializers.BooleanField(required=False, default=False)
        gender_preference = serializers.ChoiceField(
            choices=GenderPreference.choices, required=False, allow_blank=True
        )
        follow_up_of = ScopedPrimaryKeyRelatedField(
            scope=bookings_visible_to,
            queryset=Booking.objects.none(),
            required=False,
            allow_null=True,
            error_messages={"does_not_exist": _("Unknown earlier booking.")},
        )
        case_reference = serializers.CharField(
            max_length=CASE_REFERENCE_MAX_LENGTH, required=False, allow_blank=True
        )
        notes = serializers.CharField(max_length=NOTES_MAX_LENGTH, required=False, allow_blank=True)
        funding_source = ScopedPrimaryKeyRelatedField(
            scope=funding_sources_visible_to,
            queryset=FundingSource.objects.none(),
            required=False,
            allow_null=True,
            error_messages={"does_not_exist": _("Unknown funding source.")},
        )
        contact_name = serializers.CharField(max_length=200, required=False, allow_blank=True)
        contact_phone = serializers.CharField(max_length=40, required=False, allow_blank=True)
        meeting_url = serializers.CharField(
            required=False,
            allow_blank=True,
            help_text="Video only: an http(s) link to one of the pool's allowed meeting hosts.",
        )
        dial_in_number = serializers.CharField(
            required=False, allow_blank=True, help_text="Phone only: the number to dial."
        )
        dial_in_pin = serializers.CharField(
            required=False, allow_blank=True, help_text="Phone only: the PIN, if any."
        )
        notice_override_reason = serializers.CharField(
            max_length=500,
            required=False,
            allow_blank=True,
            help_text="Coordinators only: why the request may start at shorter notice than "
            "the pool's rule; recorded on the request's event.",
        )

        def validate(self, attrs):
            user = self.context["request"].user
            if actor_role_of(user) == ActorRole.COORDINATOR:
                if attrs.get("institution") is None:
                    raise serializers.ValidationError(
                        {"institution": [_("Choose the institution the appointment is for.")]}
                    )
            else:
                own = user.staff.institution
                if attrs.get("institution") not in (None, own):
                    raise serializers.ValidationError({"institution": [_("Unknown institution.")]})
                attrs["institution"] = own
            code = attrs.pop("dialect", None)
            attrs["dialect"] = None
            if code:
                attrs["dialect"] = dialect_by_code(language=attrs["language"], code=code)
                if attrs["dialect"] is None:
                    raise serializers.ValidationError(
                        {"dialect": [_("This dialect does not belong to the language.")]}
                    )
            return attrs

    def get_queryset(self):
        return booking_list_rows(self.request.user)

    @extend_schema(request=InputSerializer, responses={201: BookingDetailOutputSerializer})
    def post(self, request):
        serializer = self.InputSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        booking = booking_create(requester=request.user, **serializer.validated_data)
        return booking_response(request, booking.pk, status_code=status.HTTP_201_CREATED)


class BookingDetailApi(APIView):
    """The booking with ``status``, ``mediator`` (once confirmed) and ``events``. Every read
    is recorded in the access log."""

    permission_classes = [IsCoordinator | IsInstitutionStaff | IsMediator]

    @extend_schema(responses=BookingDetailOutputSerializer)
    def get(self, request, pk: int):
        booking = get_object_or_404(booking_detail_queryset(request.user), pk=pk)
        access_log_record(booking=booking, user=request.user, action=READ)
        return Response(BookingDetailOutputSerializer(booking, context={"request": request}).data)


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=REASON_MAX_LENGTH)


class OptionalReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(
        max_length=REASON_MAX_LENGTH, required=False, allow_blank=True, default=""
    )


class BookingApproveApi(APIView):
    """A coordinator approves a request in ``awaiting_approval`` → ``requested``
    (409 in any other status)."""

    permission_classes = [IsCoordinator]

    @extend_schema(request=OptionalReasonSerializer, responses=BookingDetailOutputSerializer)
    def post(self, request, pk: int):
        return booking_change(
            request, pk, input_serializer=OptionalReasonSerializer, service=booking_approve
        )


class BookingRefuseApi(APIView):
    """A coordinator refuses a request in ``awaiting_approval`` with a reason → ``cancelled``
    (409 in any other status)."""

    permission_classes = [IsCoordinator]

    @extend_schema(request=ReasonSerializer, responses=BookingDetailOutputSerializer)
    def post(self, request, pk: int):
        return booking_change(
            request, pk, input_serializer=ReasonSerializer, service=booking_refuse
        )


class BookingCancelApi(APIView):
    """Institution staff, the assigned mediator or a coordinator cancel with a ``reason``.
    A mediator gives a confirmed booking back (matching re-opens); a closed booking
    answers 409."""

    permission_classes = [IsCoordinator | IsInstitutionStaff | IsMediator]

    @extend_schema(request=ReasonSerializer, responses=BookingDetailOutputSerializer)
    def post(self, request, pk: int):
        return booking_change(
            request, pk, input_serializer=ReasonSerializer, service=booking_cancel
        )
