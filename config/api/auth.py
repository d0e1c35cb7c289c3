"""Token authentication: ``POST /api/v1/auth/token/`` answers ``{"token": "..."}``."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.authtoken.views import ObtainAuthToken

from .parsers import StrictJSONParser
from .throttles import TokenObtainThrottle


class TokenObtainApi(ObtainAuthToken):
    """DRF's token view with the strict JSON parser, a throttle, bounded input and an exact
    schema. Wrong credentials answer 400, too many attempts 429."""

    throttle_classes = (TokenObtainThrottle,)
    parser_classes = (StrictJSONParser, *ObtainAuthToken.parser_classes[:2])

    class InputSerializer(AuthTokenSerializer):
        username = serializers.CharField(max_length=150, write_only=True)
        password = serializers.CharField(
            max_length=1024,
            trim_whitespace=False,
            write_only=True,
            style={"input_type": "password"},
        )

    class OutputSerializer(serializers.Serializer):
        token = serializers.CharField()

    serializer_class = InputSerializer

    @extend_schema(
        operation_id="auth_token_create",
        request=InputSerializer,
        responses={200: OutputSerializer},
        auth=[],
    )
    def post(self, request, *args, **kwargs):
        return super().post(request, *args, **kwargs)
