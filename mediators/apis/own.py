"""REST API v1: a mediator's weekly availability, one-off dates and absences, and conflicts
of interest (declared by the mediator or recorded by a coordinator)."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.generics import ListAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api.fields import LocalTimeField
from config.api.permissions import IsCoordinator, IsMediator
from core.constants import CASE_REFERENCE_MAX_LENGTH
from core.exceptions import DomainError
from core.time import MIDNIGHT, local_date
from institutions.models import Institution

from ..models import Absence, AvailabilityDate, AvailabilitySlot, ConflictOfInterest, Mediator
from ..selectors import absences_of, availability_dates_of, availability_of, conflicts_of
from ..services import (
    absence_delete,
    availability_date_create,
    availability_date_delete,
    availability_slot_create,
    availability_slot_delete,
    conflict_declare,
)
from .profiles import mediator_kept_by_caller

# --- availability and absences ----------------------------------------------------------------


class EndTimeField(LocalTimeField):
    """A slot's end in local time: "24:00" (or "00:00") is the end of the day, kept as 00:00."""

    def to_internal_value(self, value):
        if isinstance(value, str) and value.strip() in ("24:00", "24:00:00"):
            return MIDNIGHT
        return super().to_internal_value(value)


class AvailabilitySlotSerializer(serializers.ModelSerializer):
    start_time = LocalTimeField(read_only=True)
    end_time = LocalTimeField(
        read_only=True,
        help_text="Local wall time in Europe/Berlin, no offset; 00:00:00 is 24:00, the end of "
        "the day.",
    )
    ends_at_midnight = serializers.BooleanField(
        read_only=True, help_text="The slot runs to 24:00 (its end_time reads 00:00:00)."
    )

    class Meta:
        model = AvailabilitySlot
        fields = ["id", "weekday", "start_time", "end_time", "ends_at_midnight"]


class AvailabilityListCreateApi(ListAPIView):
    """GET, POST: the own weekly slots in local wall time, Europe/Berlin, without an offset
    (weekday 0 = Monday; ``09:00`` means 09:00 in Berlin in summer and in winter; a time with
    an offset is refused). A slot may not overlap another of the same weekday; slots that
    touch join (08:00-12:00 and 12:00-16:00 cover an appointment 11:30-12:30). ``end_time``
    "24:00" or "00:00" ends the slot at midnight (the end of the day); it reads back as
    00:00:00 with ``ends_at_midnight``."""

    permission_classes = [IsMediator]
    serializer_class = AvailabilitySlotSerializer
    queryset = AvailabilitySlot.objects.none()  # the schema's model; requests use get_queryset

    class InputSerializer(serializers.Serializer):
        weekday = serializers.IntegerField(min_value=0, max_value=6)
        start_time = LocalTimeField()
        end_time = EndTimeField(
            help_text='Local wall time in Europe/Berlin, no offset; "24:00" or "00:00": '
            "the end of the day."
        )

    def get_queryset(self):
        return availability_of(self.request.user.mediator)

    @extend_schema(request=InputSerializer, responses={201: AvailabilitySlotSerializer})
    def post(self, request):
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        slot = availability_slot_create(mediator=request.user.mediator, **serializer.validated_data)
        return Response(AvailabilitySlotSerializer(slot).data, status=status.HTTP_201_CREATED)


class AvailabilityDeleteApi(APIView):
    permission_classes = [IsMediator]

    @extend_schema(responses={204: None})
    def delete(self, request, pk: int):
        slot = get_object_or_404(availability_of(request.user.mediator), pk=pk)
        availability_slot_delete(slot=slot)
        return Response(status=status.HTTP_204_NO_CONTENT)


class AvailabilityDateSerializer(serializers.ModelSerializer):
    start_time = LocalTimeField(read_only=True)
    end_time = LocalTimeField(
        read_only=True,
        help_text="Local wall time in Europe/Berlin, no offset; 00:00:00 is 24:00, the end of "
        "the day.",
    )
    ends_at_midnight = serializers.SerializerMethodField(
        help_text="The time runs to 24:00 (its end_time reads 00:00:00)."
    )

    class Meta:
        model = AvailabilityDate
        fields = ["id", "day", "start_time", "end_time", "ends_at_midnight"]

    def get_ends_at_midnight(self, obj: AvailabilityDate) -> bool:
        return obj.end_time == MIDNIGHT


class AvailabilityDateListCreateApi(ListAPIView):
    """GET: the own one-off times (single dates) from today on (local), soonest first. POST:
    one more: ``day`` (a local date, not before today) from ``start_time`` to ``end_time``
    in local wall time, Europe/Berlin, without an offset, in addition to the weekly slots.
    The same checks as on the availability page, 400 with the field at fault and nothing
    saved: a date in the past, an end not after the start, an overlap with another time of
    the same date (times that touch join). ``end_time`` "24:00" or "00:00" ends the time at
    midnight; it reads back as 00:00:00 with ``ends_at_midnight``."""

    permission_classes = [IsMediator]
    serializer_class = AvailabilityDateSerializer
    queryset = AvailabilityDate.objects.none()  # the schema's model; requests use get_queryset

    class InputSerializer(serializers.Serializer):
        day = serializers.DateField(help_text="A local date (Europe/Berlin), today or later.")
        start_time = LocalTimeField()
        end_time = EndTimeField(
            help_text='Local wall time in Europe/Berlin, no offset; "24:00" or "00:00": '
            "the end of the day."
        )

    def get_queryset(self):
        return availability_dates_of(
            self.request.user.mediator, from_day=local_date(timezone.now())
        )

    @extend_schema(request=InputSerializer, responses={201: AvailabilityDateSerializer})
    def post(self, request):
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        dated = availability_date_create(
            mediator=request.user.mediator, **serializer.validated_data
        )
        return Response(AvailabilityDateSerializer(dated).data, status=status.HTTP_201_CREATED)


class AvailabilityDateDeleteApi(APIView):
    """DELETE: remove one of the own one-off times (offers it was needed for are withdrawn);
    404 for another mediator's."""

    permission_classes = [IsMediator]

    @extend_schema(responses={204: None})
    def delete(self, request, pk: int):
        dated = get_object_or_404(availability_dates_of(request.user.mediator), pk=pk)
        availability_date_delete(dated=dated)
        return Response(status=status.HTTP_204_NO_CONTENT)


class AbsenceSerializer(serializers.ModelSerializer):
    class Meta:
        model = Absence
        fields = ["id", "starts_on", "ends_on", "note"]


class AbsenceListCreateApi(ListAPIView):
    """GET: the own absences, whole local days from ``starts_on`` to ``ends_on`` (both
    inclusive). POST is ``bookings.apis.absences.MediatorAbsenceListCreateApi``: a new
    absence is checked against the appointments the mediator holds, which this app cannot
    read."""

    permission_classes = [IsMediator]
    serializer_class = AbsenceSerializer
    queryset = Absence.objects.none()  # the schema's model; requests use get_queryset

    def get_queryset(self):
        return absences_of(self.request.user.mediator)


class AbsenceDeleteApi(APIView):
    permission_classes = [IsMediator]

    @extend_schema(responses={204: None})
    def delete(self, request, pk: int):
        absence = get_object_or_404(absences_of(request.user.mediator), pk=pk)
        absence_delete(absence=absence)
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- conflicts of interest ------------------------------------------------------------------


class ConflictSerializer(serializers.ModelSerializer):
    institution = serializers.PrimaryKeyRelatedField(
        read_only=True,
        allow_null=True,
        help_text="The institution whose case it is; null only on records from before "
        "institutions were kept, which match the reference at every institution.",
    )

    class Meta:
        model = ConflictOfInterest
        fields = ["id", "institution", "case_reference", "created_at"]


class ConflictInputSerializer(serializers.Serializer):
    institution = serializers.IntegerField(
        min_value=1,
        help_text="The id of the institution whose case it is (as in the booking or offer).",
    )
    case_reference = serializers.CharField(max_length=CASE_REFERENCE_MAX_LENGTH)


class _ConflictListCreate(ListAPIView):
    """GET: the mediator's declared conflicts. POST: declare one for a case: the institution
    and its case reference (the same reference at another institution is another case). The
    mediator is never offered that case again. References are compared case-insensitively
    (Unicode case folding, NFKC, white space collapsed); declaring a case twice keeps the
    first record."""

    serializer_class = ConflictSerializer
    queryset = ConflictOfInterest.objects.none()  # the schema's model

    def mediator(self) -> Mediator:
        raise NotImplementedError

    def get_queryset(self):
        return conflicts_of(self.mediator())

    @extend_schema(request=ConflictInputSerializer, responses={201: ConflictSerializer})
    def post(self, request, **kwargs):
        mediator = self.mediator()  # out of reach or lent by another pool: before the input
        serializer = ConflictInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        institution = Institution.objects.filter(
            pk=serializer.validated_data["institution"]
        ).first()
        if institution is None:
            raise DomainError(_("Unknown institution."), field="institution")
        conflict = conflict_declare(
            mediator=mediator,
            institution=institution,
            case_reference=serializer.validated_data["case_reference"],
            recorded_by=request.user,
        )
        return Response(ConflictSerializer(conflict).data, status=status.HTTP_201_CREATED)


class MediatorMeConflictListCreateApi(_ConflictListCreate):
    permission_classes = [IsMediator]

    def mediator(self) -> Mediator:
        return self.request.user.mediator


class MediatorConflictListCreateApi(_ConflictListCreate):
    """A coordinator records (or reads) a mediator's conflicts of interest."""

    permission_classes = [IsCoordinator]

    def mediator(self) -> Mediator:
        return mediator_kept_by_caller(self.request, self.kwargs["pk"])
