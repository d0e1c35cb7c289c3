"""REST API v1: institutions and their locations.

Coordinators see and change the institutions of their pool; institution staff read their own
institution; institution admins (and coordinators) add locations.
"""

from __future__ import annotations

from django.core.validators import RegexValidator
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.generics import ListAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api.permissions import (
    IsCoordinator,
    IsInstitutionAdmin,
    IsInstitutionStaff,
    MethodPermissionsMixin,
)

from .constants import InstitutionKind
from .filters import InstitutionFilter
from .models import Institution, Location
from .selectors import institution_list, pool_of, town_by_name
from .services import institution_create, institution_update, location_create


@extend_schema_field(OpenApiTypes.STR)
class TownNameField(serializers.Field):
    """A town given by its name (``"Viersen"``)."""

    default_error_messages = {
        "invalid": _("Give the town's name."),
        "unknown": _("Unknown town."),
    }

    def to_internal_value(self, data):
        if not isinstance(data, str) or not data.strip() or len(data) > 120:
            self.fail("invalid")
        request = self.context.get("request")
        pool = pool_of(request.user) if request else None
        town = town_by_name(data, district=pool.district if pool else "")
        if town is None:
            self.fail("unknown")
        return town

    def to_representation(self, value):
        return value.name


class LocationOutputSerializer(serializers.ModelSerializer):
    town = serializers.CharField(source="town.name")

    class Meta:
        model = Location
        fields = ["id", "name", "address", "postal_code", "town", "latitude", "longitude"]


class InstitutionOutputSerializer(serializers.ModelSerializer):
    town = serializers.CharField(source="town.name")
    locations = LocationOutputSerializer(many=True)

    class Meta:
        model = Institution
        fields = ["id", "name", "kind", "town", "email", "phone", "active", "locations"]


class InstitutionInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    kind = serializers.ChoiceField(choices=InstitutionKind.choices)
    town = TownNameField()
    email = serializers.EmailField(max_length=254, required=False, allow_blank=True)
    phone = serializers.CharField(max_length=40, required=False, allow_blank=True)
    active = serializers.BooleanField(required=False, default=True)


def _institution_in_reach(request, pk: int) -> Institution:
    return get_object_or_404(institution_list(request.user), pk=pk)


class InstitutionListCreateApi(MethodPermissionsMixin, ListAPIView):
    """GET: institutions within reach (coordinators: the pool; staff: their own).
    POST: a coordinator adds an institution to the pool."""

    method_permissions = {
        "GET": [IsCoordinator | IsInstitutionStaff],
        "POST": [IsCoordinator],
    }
    serializer_class = InstitutionOutputSerializer
    filterset_class = InstitutionFilter

    def get_queryset(self):
        return institution_list(self.request.user)

    @extend_schema(request=InstitutionInputSerializer, responses={201: InstitutionOutputSerializer})
    def post(self, request):
        serializer = InstitutionInputSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        institution = institution_create(
            pool=request.user.coordinator.pool, **serializer.validated_data
        )
        institution = _institution_in_reach(request, institution.pk)
        return Response(
            InstitutionOutputSerializer(institution).data, status=status.HTTP_201_CREATED
        )


class InstitutionDetailApi(MethodPermissionsMixin, APIView):
    """GET: one institution within reach. PATCH: a coordinator changes it."""

    method_permissions = {
        "GET": [IsCoordinator | IsInstitutionStaff],
        "PATCH": [IsCoordinator],
    }

    @extend_schema(responses=InstitutionOutputSerializer)
    def get(self, request, pk: int):
        institution = _institution_in_reach(request, pk)
        return Response(InstitutionOutputSerializer(institution).data)

    @extend_schema(request=InstitutionInputSerializer, responses=InstitutionOutputSerializer)
    def patch(self, request, pk: int):
        institution = _institution_in_reach(request, pk)
        serializer = InstitutionInputSerializer(
            data=request.data, partial=True, context={"request": request}
        )
        serializer.is_valid(raise_exception=True)
        institution_update(institution=institution, data=serializer.validated_data)
        institution = _institution_in_reach(request, pk)
        return Response(InstitutionOutputSerializer(institution).data)


class InstitutionLocationListCreateApi(MethodPermissionsMixin, ListAPIView):
    """GET: the places of an institution. POST: a coordinator or the institution's admin adds
    one; town and coordinates follow from the postal code unless given."""

    method_permissions = {
        "GET": [IsCoordinator | IsInstitutionStaff],
        "POST": [IsCoordinator | IsInstitutionAdmin],
    }
    serializer_class = LocationOutputSerializer
    queryset = Location.objects.none()  # the schema's model; requests use get_queryset

    class InputSerializer(serializers.Serializer):
        name = serializers.CharField(max_length=200)
        address = serializers.CharField(max_length=200)
        postal_code = serializers.CharField(
            max_length=5,
            validators=[RegexValidator(r"^\d{5}$", _("A postal code has five digits."))],
        )
        town = TownNameField(required=False)
        latitude = serializers.FloatField(required=False, min_value=-90, max_value=90)
        longitude = serializers.FloatField(required=False, min_value=-180, max_value=180)

    def get_queryset(self):
        institution = _institution_in_reach(self.request, self.kwargs["pk"])
        return institution.locations.select_related("town").order_by("name", "pk")

    @extend_schema(request=InputSerializer, responses={201: LocationOutputSerializer})
    def post(self, request, pk: int):
        institution = _institution_in_reach(request, pk)
        serializer = self.InputSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        location = location_create(institution=institution, **serializer.validated_data)
        return Response(LocationOutputSerializer(location).data, status=status.HTTP_201_CREATED)
