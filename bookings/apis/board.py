"""REST API v1: the open requests board of a mediator, and taking a request from it."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api.fields import BerlinDateTimeField
from config.api.permissions import IsMediator

from ..constants import Mode, Status
from ..selectors.board import open_requests_for
from ..services.board import open_request_take


class OpenRequestOutputSerializer(serializers.Serializer):
    """What a mediator needs to decide (as on an offer): no names, no case reference."""

    id = serializers.IntegerField()
    status = serializers.ChoiceField(choices=Status.choices)
    starts_at = BerlinDateTimeField()
    ends_at = BerlinDateTimeField()
    duration_minutes = serializers.IntegerField()
    language = serializers.CharField(source="language.code")
    mode = serializers.ChoiceField(choices=Mode.choices)
    field = serializers.CharField()
    town = serializers.SerializerMethodField()

    def get_town(self, booking) -> str:
        if booking.location_id:
            return booking.location.town.name
        return booking.institution.town.name


class OpenRequestListApi(APIView):
    """The requests still looking for someone that the caller is eligible for now, soonest
    first (at most 50): unfilled, or with no open offer left, in pools whose board is on."""

    permission_classes = [IsMediator]

    @extend_schema(responses=OpenRequestOutputSerializer(many=True))
    def get(self, request):
        found = open_requests_for(request.user.mediator)
        return Response(OpenRequestOutputSerializer(found, many=True).data)


class OpenRequestTakeApi(APIView):
    """Take a request from the board: it is confirmed to the caller, exactly once. A request
    taken meanwhile (or no longer on the board) answers 409 ``taken``; one the caller may not
    serve, 409 ``not_eligible``; both change nothing."""

    permission_classes = [IsMediator]

    @extend_schema(request=None, responses=OpenRequestOutputSerializer)
    def post(self, request, pk: int):
        booking = open_request_take(booking=pk, mediator=request.user.mediator)
        return Response(OpenRequestOutputSerializer(booking).data)
