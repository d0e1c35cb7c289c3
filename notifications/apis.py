"""REST API: the caller's secret calendar feed (mediators and institution staff)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import permissions, serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.constants import ActorRole
from core.roles import actor_role_of

from .feeds import calendar_feed_get, calendar_feed_rotate, feed_url


class HasCalendarFeed(permissions.BasePermission):
    """Mediators and institution staff have a feed; coordinators and others do not (403)."""

    def has_permission(self, request: Request, view: Any) -> bool:
        return actor_role_of(request.user) in (ActorRole.MEDIATOR, ActorRole.INSTITUTION)


def _owner(user: Any) -> dict[str, Any]:
    if actor_role_of(user) == ActorRole.MEDIATOR:
        return {"mediator": user.mediator}
    return {"institution": user.staff.institution}


class CalendarFeedApi(APIView):
    """``GET`` the URL of the caller's secret feed; ``POST`` rotates it (the old URL then
    answers 404). Institution staff share their institution's feed."""

    permission_classes = [permissions.IsAuthenticated, HasCalendarFeed]

    class OutputSerializer(serializers.Serializer):
        url = serializers.URLField(read_only=True)

    @extend_schema(request=None, responses=OutputSerializer)
    def get(self, request: Request) -> Response:
        feed_row = calendar_feed_get(**_owner(request.user))
        return Response(self.OutputSerializer({"url": feed_url(feed_row)}).data)

    @extend_schema(request=None, responses=OutputSerializer)
    def post(self, request: Request) -> Response:
        feed_row = calendar_feed_rotate(**_owner(request.user))
        return Response(self.OutputSerializer({"url": feed_url(feed_row)}).data)
