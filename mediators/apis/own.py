"""REST API v1: a mediator's weekly availability and absences, and conflicts of interest
(declared by the mediator or recorded by a coordinator)."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.generics import ListAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api.fields import DayField, LocalTimeField
from config.api.permissions import IsCoordinator, IsMediator
from core.constants import CASE_REFERENCE_MAX_LENGTH

from ..models import Absence, AvailabilitySlot, ConflictOfInterest, Mediator
from ..selectors import absences_of, availability_of, conflicts_of
from ..services import (
    absence_create,
    absence_delete,
    availability_slot_create,
    availability_slot_delete,
    conflict_declare,
)
from .profiles import mediator_kept_by_caller

# --- availability and absences ----------------------------------------------------------------


class AvailabilitySlotSerializer(serializers.ModelSerializer):
    start_time = LocalTimeField()
    end_time = LocalTimeField()

    class Meta:
        model = AvailabilitySlot
        fields = ["id", "weekday", "start_time", "end_time"]


class AvailabilityListCreateApi(ListAPIView):
    """GET, POST: the own weekly slots in local wall time, Europe/Berlin, without an offset
    (weekday 0 = Monday; ``09:00`` means 09:00 in Berlin in summer and in winter; a time with
    an offset is refused). A slot may not overlap another of the same weekday."""

    permission_classes = [IsMediator]
    serializer_class = AvailabilitySlotSerializer
    queryset = AvailabilitySlot.objects.none()  # the schema's model; requests use get_queryset

    class InputSerializer(serializers.Serializer):
        weekday = serializers.IntegerField(min_value=0, max_value=6)
        start_time = LocalTimeField()
        end_time = LocalTimeField()

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


class AbsenceSerializer(serializers.ModelSerializer):
    class Meta:
        model = Absence
        fields = ["id", "starts_on", "ends_on", "note"]


class AbsenceListCreateApi(ListAPIView):
    """GET, POST: the own absences, whole local days from ``starts_on`` to ``ends_on``
    (both inclusive, each between 2000-01-01 and 2100-12-31)."""

    permission_classes = [IsMediator]
    serializer_class = AbsenceSerializer
    queryset = Absence.objects.none()  # the schema's model; requests use get_queryset

    class InputSerializer(serializers.Serializer):
        starts_on = DayField()
        ends_on = DayField()
        note = serializers.CharField(max_length=200, required=False, allow_blank=True)

    def get_queryset(self):
        return absences_of(self.request.user.mediator)

    @extend_schema(request=InputSerializer, responses={201: AbsenceSerializer})
    def post(self, request):
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        absence = absence_create(mediator=request.user.mediator, **serializer.validated_data)
        return Response(AbsenceSerializer(absence).data, status=status.HTTP_201_CREATED)


class AbsenceDeleteApi(APIView):
    permission_classes = [IsMediator]

    @extend_schema(responses={204: None})
    def delete(self, request, pk: int):
        absence = get_object_or_404(absences_of(request.user.mediator), pk=pk)
        absence_delete(absence=absence)
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- conflicts of interest ------------------------------------------------------------------


class ConflictSerializer(serializers.ModelSerializer):
    class Meta:
        model = ConflictOfInterest
        fields = ["id", "case_reference", "created_at"]


class ConflictInputSerializer(serializers.Serializer):
    case_reference = serializers.CharField(max_length=CASE_REFERENCE_MAX_LENGTH)


class _ConflictListCreate(ListAPIView):
    """GET: the mediator's declared conflicts. POST: declare one for a case reference; the
    mediator is never offered that case again (declaring it twice keeps the first)."""

    serializer_class = ConflictSerializer
    queryset = ConflictOfInterest.objects.none()  # the schema's model

    def mediator(self) -> Mediator:
        raise NotImplementedError

    def get_queryset(self):
        return conflicts_of(self.mediator())

    @extend_schema(request=ConflictInputSerializer, responses={201: ConflictSerializer})
    def post(self, request, **kwargs):
        serializer = ConflictInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        conflict = conflict_declare(
            mediator=self.mediator(),
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
