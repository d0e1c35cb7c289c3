"""REST API v1: a mediator adds an absence (``POST /api/v1/mediators/me/absences/``).

The list and the delete stay with the mediators app; adding one lives here because it
checks the appointments the mediator holds and may give them back in the same step."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.response import Response

from config.api.fields import DayField
from mediators.apis.own import AbsenceListCreateApi, AbsenceSerializer

from ..services.absences import mediator_absence_create


@extend_schema_field(
    {
        "oneOf": [
            {"type": "boolean"},
            {"type": "array", "items": {"type": "integer", "minimum": 1}, "maxItems": 200},
        ]
    }
)
class GiveBackField(serializers.Field):
    """``true`` (every appointment the absence covers) or a list of booking ids."""

    def to_internal_value(self, data):
        if data is True or data is False:
            return data
        if isinstance(data, list) and len(data) <= 200:
            child = serializers.IntegerField(min_value=1)
            return [child.run_validation(item) for item in data]
        raise serializers.ValidationError("Give true, false or a list of booking ids.")

    def to_representation(self, value):
        return value


class AbsenceInputSerializer(serializers.Serializer):
    starts_on = DayField()
    ends_on = DayField()
    note = serializers.CharField(max_length=200, required=False, allow_blank=True)
    give_back = GiveBackField(
        required=False,
        default=False,
        help_text="The confirmed appointments the absence covers, given back in the same "
        "step: true for all of them, or a list of their booking ids. Without it, an absence "
        "that covers a confirmed appointment answers 400 (code "
        "absence_covers_appointments) and lists them in appointments.",
    )


class AbsenceOutputSerializer(AbsenceSerializer):
    given_back = serializers.SerializerMethodField()

    class Meta(AbsenceSerializer.Meta):
        fields = [*AbsenceSerializer.Meta.fields, "given_back"]

    def get_given_back(self, absence) -> list[int]:
        return self.context.get("given_back", [])


class MediatorAbsenceListCreateApi(AbsenceListCreateApi):
    """GET, POST: the own absences, whole local days from ``starts_on`` to ``ends_on``
    (both inclusive). An absence may not cover a confirmed appointment: the answer 400
    names each (``appointments``); send ``give_back`` (true, or their booking ids) to give
    them back in the same step, as a give-back does (matching re-opens)."""

    @extend_schema(request=AbsenceInputSerializer, responses={201: AbsenceOutputSerializer})
    def post(self, request):
        serializer = AbsenceInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        absence, given_back = mediator_absence_create(
            mediator=request.user.mediator,
            actor=request.user,
            starts_on=data["starts_on"],
            ends_on=data["ends_on"],
            note=data.get("note", ""),
            give_back=data.get("give_back") or (),
        )
        output = AbsenceOutputSerializer(
            absence, context={"given_back": [b.pk for b in given_back]}
        )
        return Response(output.data, status=status.HTTP_201_CREATED)
