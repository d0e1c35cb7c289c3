"""REST API v1 of the GDPR duties: one's own data, a coordinator's export and erasure of a
person of the pool, and the pool's access log."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.generics import ListAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api.fields import BerlinDateTimeField
from config.api.permissions import IsCoordinator, IsInstitutionStaff, IsMediator
from core.read_log import EXPORT

from ..models import AccessLog
from ..services.access_log import access_log_list, id_list_parse
from .erasure import person_erase
from .selectors import access_log_visible_to, person_in_reach, personal_data_export

EXPORT_WHAT = "export:personal-data"


def export_response(request, person) -> Response:
    """The export as JSON, offered as a download, and its access-log row."""
    data = personal_data_export(person)
    access_log_list(
        user=request.user, what=EXPORT_WHAT, action=EXPORT, user_ids=[person.pk], count=1
    )
    response = Response(data)
    response["Content-Disposition"] = f'attachment; filename="personal-data-{person.pk}.json"'
    return response


class MeExportApi(APIView):
    """All data the product holds about the caller (Art. 15 GDPR) as one JSON document; the
    format is described in docs/privacy.md."""

    permission_classes = [IsCoordinator | IsInstitutionStaff | IsMediator]

    @extend_schema(responses=OpenApiTypes.OBJECT)
    def get(self, request):
        return export_response(request, request.user)


class PersonExportApi(APIView):
    """A coordinator produces the export for a mediator or staff member of the pool (by
    the person's user id; 404 outside the pool)."""

    permission_classes = [IsCoordinator]

    @extend_schema(responses=OpenApiTypes.OBJECT)
    def get(self, request, user_id: int):
        return export_response(request, person_in_reach(request.user, user_id))


class ErasureOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="user_id")
    pseudonym = serializers.CharField()
    credentials_revoked = serializers.IntegerField()


class PersonEraseApi(APIView):
    """A coordinator erases a mediator or staff member of the pool (Art. 17 GDPR): personal
    data removed, bookings keep a pseudonym, account deactivated, tokens and sessions
    revoked. 409 while the person holds a confirmed booking in the future."""

    permission_classes = [IsCoordinator]

    @extend_schema(request=None, responses=ErasureOutputSerializer)
    def post(self, request, user_id: int):
        person = person_in_reach(request.user, user_id)
        result = person_erase(actor=request.user, user=person)
        return Response(ErasureOutputSerializer(result).data)


class AccessLogOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    at = BerlinDateTimeField()
    user = serializers.IntegerField(source="user_id", allow_null=True)
    action = serializers.CharField()
    booking = serializers.IntegerField(source="booking_id", allow_null=True)
    what = serializers.CharField()
    booking_ids = serializers.SerializerMethodField()
    user_ids = serializers.SerializerMethodField()
    object_ids = serializers.SerializerMethodField()
    count = serializers.IntegerField(allow_null=True)
    query = serializers.CharField()

    def get_booking_ids(self, row: AccessLog) -> list[int]:
        return id_list_parse(row.booking_ids)

    def get_user_ids(self, row: AccessLog) -> list[int]:
        return id_list_parse(row.user_ids)

    def get_object_ids(self, row: AccessLog) -> list[int]:
        return id_list_parse(row.object_ids)


class AccessLogFilterSerializer(serializers.Serializer):
    person = serializers.IntegerField(required=False, min_value=1)
    reader = serializers.IntegerField(required=False, min_value=1)
    booking = serializers.IntegerField(required=False, min_value=1)
    since = BerlinDateTimeField(required=False)
    until = BerlinDateTimeField(required=False)


class AccessLogListApi(ListAPIView):
    """The pool's access log, newest first: who read or changed which booking or whose
    data. Filters: ``person`` (a user id: rows by them or naming them), ``reader`` (rows by
    that user), ``booking`` (its reads and changes and the lists that showed it), ``since``
    and ``until`` (ISO 8601, local time if no offset is given)."""

    permission_classes = [IsCoordinator]
    serializer_class = AccessLogOutputSerializer
    queryset = AccessLog.objects.none()  # the schema's model; requests use get_queryset

    @extend_schema(
        parameters=[
            OpenApiParameter("person", int),
            OpenApiParameter("reader", int),
            OpenApiParameter("booking", int),
            OpenApiParameter("since", OpenApiTypes.DATETIME),
            OpenApiParameter("until", OpenApiTypes.DATETIME),
        ]
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        filters = AccessLogFilterSerializer(data=self.request.query_params)
        filters.is_valid(raise_exception=True)
        return access_log_visible_to(self.request.user, **filters.validated_data)
