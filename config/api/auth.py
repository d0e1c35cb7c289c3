"""Token authentication: ``POST /api/v1/auth/token/`` answers ``{"token": "..."}``.

Guessing is stopped twice: the throttle counts requests per client address (the real one,
``REST_FRAMEWORK["NUM_PROXIES"]`` = ``TRUSTED_PROXY_COUNT``), and the serializer's
``authenticate(request=...)`` goes through django-axes' backend, so a locked-out account or
address answers 429 with ``Retry-After`` (accounts/lockout.py) even with the right password.
Whoever needs a second factor on the pages (coordinators, admin access, anyone who set one
up) also gives its code as ``otp``.
"""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.authtoken.views import ObtainAuthToken

from core.second_factor import token_second_factor_check

from .parsers import StrictJSONParser
from .throttles import TokenObtainThrottle


class TokenObtainApi(ObtainAuthToken):
    """DRF's token view with the strict JSON parser, a throttle, bounded input, the second
    factor and an exact schema. Wrong credentials answer 400, too many attempts 429."""

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
        otp = serializers.CharField(
            max_length=32,
            required=False,
            write_only=True,
            help_text="The code of the second factor (authenticator app, or a recovery "
            "code): required for coordinators, admin access and anyone who set one up.",
        )

        def validate(self, attrs):
            attrs = super().validate(attrs)
            refused = token_second_factor_check(
                self.context.get("request"), attrs["user"], attrs.get("otp")
            )
            if refused:
                raise serializers.ValidationError({"otp": [refused]})
            return attrs

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
