"""REST API v1: a coordinator's view of matching — ranked candidates and direct assignment."""

from __future__ import annotations

from typing import Any

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.views import APIView

from config.api.pagination import Pagination
from config.api.permissions import IsCoordinator
from core.read_log import read_logged

from ..matching.selectors import candidates_for, mediators_assignable_by
from ..selectors import bookings_visible_to
from ..services.offers import booking_assign
from .output import BookingDetailOutputSerializer, booking_response


class CandidateOutputSerializer(serializers.Serializer):
    mediator = serializers.IntegerField(source="mediator_id")
    mediator_name = serializers.CharField(source="name")
    score = serializers.FloatField()
    reasons = serializers.ListField(child=serializers.CharField(), source="reason_texts")
    travel_km = serializers.FloatField(allow_null=True)
    travel_minutes = serializers.IntegerField()


class BookingCandidatesApi(APIView):
    """Every eligible mediator for the booking, best first, each with a score (0–100) and
    the reasons for it in the request's language."""

    permission_classes = [IsCoordinator]
    pagination_class = Pagination

    @extend_schema(responses=CandidateOutputSerializer(many=True))
    def get(self, request, pk: int):
        booking = get_object_or_404(
            bookings_visible_to(request.user).select_related("pool", "location", "institution"),
            pk=pk,
        )
        paginator = self.pagination_class()
        candidates = candidates_for(booking)
        page: list[Any] | None = paginator.paginate_queryset(candidates, request, view=self)  # type: ignore[arg-type]
        rows = page or []
        read_logged(
            user=request.user,
            what="api:booking-candidates",
            pool_id=booking.pool_id,
            booking_ids=[booking.pk],
            mediator_ids=[candidate.mediator_id for candidate in rows],
            count=len(candidates),
            query=request.GET.urlencode(),
        )
        return paginator.get_paginated_response(CandidateOutputSerializer(rows, many=True).data)


class BookingAssignApi(APIView):
    """A coordinator assigns a mediator directly: the booking is confirmed, or 409 when the
    mediator is not eligible (any more) or the booking is not open."""

    permission_classes = [IsCoordinator]

    class InputSerializer(serializers.Serializer):
        mediator = serializers.IntegerField(min_value=1, max_value=2**63 - 1)

    @extend_schema(request=InputSerializer, responses=BookingDetailOutputSerializer)
    def post(self, request, pk: int):
        booking = get_object_or_404(bookings_visible_to(request.user), pk=pk)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        mediator = (
            mediators_assignable_by(request.user, booking)
            .filter(pk=data.validated_data["mediator"])
            .select_related("user")
            .first()
        )
        if mediator is None:
            raise serializers.ValidationError({"mediator": [_("Unknown mediator.")]})
        confirmed = booking_assign(booking=booking, mediator=mediator, actor=request.user)
        return booking_response(request, confirmed.pk)
