"""REST API v1: a mediator's own offers, and accepting or declining one."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.generics import ListAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api.fields import BerlinDateTimeField
from config.api.pagination import Pagination
from config.api.permissions import IsMediator

from ..constants import OfferStatus
from ..matching.selectors import offers_of
from ..selectors.offers import offer_list
from ..services.offers import offer_accept, offer_decline


class OfferOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    booking = serializers.IntegerField(source="booking_id")
    status = serializers.ChoiceField(choices=OfferStatus.choices)
    expires_at = BerlinDateTimeField()
    # What the mediator needs to decide (details are visible once offered).
    starts_at = BerlinDateTimeField(source="booking.starts_at")
    duration_minutes = serializers.IntegerField(source="booking.duration_minutes")
    language = serializers.CharField(source="booking.language.code")
    mode = serializers.CharField(source="booking.mode")
    town = serializers.SerializerMethodField()
    booking_status = serializers.CharField(source="booking.status")

    def get_town(self, offer) -> str:
        # The list reads it with the row (``offer_list``); an answered offer joins.
        town = getattr(offer, "town_name", None)
        if town is not None:
            return town
        booking = offer.booking
        if booking.location_id:
            return booking.location.town.name
        return booking.institution.town.name


class OfferFilterSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=OfferStatus.choices, required=False)


class OfferListApi(ListAPIView):
    """The caller's own offers, newest first; ``?status=pending`` narrows them."""

    permission_classes = [IsMediator]
    serializer_class = OfferOutputSerializer
    pagination_class = Pagination
    filter_backends: list = []

    def get_queryset(self):
        filters = OfferFilterSerializer(data=self.request.query_params)
        filters.is_valid(raise_exception=True)
        qs = offer_list(self.request.user.mediator)  # type: ignore[union-attr]
        if "status" in filters.validated_data:
            qs = qs.filter(status=filters.validated_data["status"])
        return qs


class _OfferAnswerApi(APIView):
    permission_classes = [IsMediator]
    answer: Callable[..., Any]

    def _offer(self, request, pk: int):
        return get_object_or_404(offers_of(request.user.mediator), pk=pk)

    def _answer(self, request, pk: int):
        offer = self._offer(request, pk)
        # The service keeps ``offer`` in step (its status, its booking as read under the
        # lock): the answer needs no second read.
        self.answer(offer=offer, mediator=request.user.mediator)
        return Response(OfferOutputSerializer(offer).data)


class OfferAcceptApi(_OfferAnswerApi):
    """Accept: the booking is confirmed for the caller, exactly once; an accept for a booking
    that is taken, or an offer no longer open, answers 409 and changes nothing. An accept by
    a mediator who is no longer eligible (e.g. confirmed meanwhile for an overlapping
    appointment) answers 409 ``not_eligible``; the offer is then withdrawn and the booking
    offered to the next candidate. Confirming withdraws the caller's other pending offers
    that now clash with this appointment, right after the answer (with the standby's
    choice; the answer does not wait for them)."""

    answer = staticmethod(offer_accept)

    @extend_schema(request=None, responses=OfferOutputSerializer)
    def post(self, request, pk: int):
        return self._answer(request, pk)


class OfferDeclineApi(_OfferAnswerApi):
    """Decline: the next candidates are asked right after the answer (the answer does not
    wait for them)."""

    answer = staticmethod(offer_decline)

    @extend_schema(request=None, responses=OfferOutputSerializer)
    def post(self, request, pk: int):
        return self._answer(request, pk)
