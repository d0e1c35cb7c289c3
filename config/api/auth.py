"""API tokens (django-rest-knox): ``POST /api/v1/auth/token/`` issues a new token each time
(``{"token", "expiry"}``), ``DELETE`` revokes the one the request is made with; the owner
lists the tokens (``GET /api/v1/auth/tokens/``) and revokes any of them
(``DELETE /api/v1/auth/tokens/{id}/``). Only a hash of a token is stored; a token expires
``API_TOKEN_TTL_DAYS`` after it was issued.

Guessing is stopped twice: the throttle counts requests per client address (the real one,
``REST_FRAMEWORK["NUM_PROXIES"]`` = ``TRUSTED_PROXY_COUNT``), and the serializer's
``authenticate(request=...)`` goes through django-axes' backend, so a locked-out account or
address answers 429 with ``Retry-After`` (accounts/lockout.py) even with the right password.
Whoever needs a second factor on the pages (coordinators, admin access, anyone who set one
up) also gives its code as ``otp``.
"""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from knox.models import AuthToken
from rest_framework import serializers, status
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.generics import ListAPIView
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from core.credentials import token_issue, token_revoke, tokens_of
from core.second_factor import token_second_factor_check

from .parsers import StrictJSONParser
from .throttles import TokenObtainThrottle


class TokenApi(APIView):
    """POST: sign in with username and password, get a new token (400 for wrong
    credentials, 429 for too many attempts). DELETE: revoke the token of this request."""

    parser_classes = (StrictJSONParser, FormParser, MultiPartParser)

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
        expiry = serializers.DateTimeField(allow_null=True)

    serializer_class = InputSerializer

    def _signing_in(self) -> bool:
        return getattr(self.request, "method", None) == "POST"

    def get_permissions(self):
        if self._signing_in():
            return [AllowAny()]
        return [IsAuthenticated()]

    def get_authenticators(self):
        # Signing in with a password needs no other credentials (and a stale token in the
        # client's header must not answer 401 before the password is read).
        if self._signing_in():
            return []
        return super().get_authenticators()

    def get_throttles(self):
        if self._signing_in():
            return [TokenObtainThrottle()]
        return super().get_throttles()

    @extend_schema(
        operation_id="auth_token_create",
        request=InputSerializer,
        responses={200: OutputSerializer},
        auth=[],
    )
    def post(self, request, *args, **kwargs):
        serializer = self.InputSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        user = serializer.validated_data["user"]
        instance, token = token_issue(user=user)
        return Response(
            self.OutputSerializer({"token": token, "expiry": instance.expiry}).data,
            status=status.HTTP_200_OK,
        )

    @extend_schema(
        operation_id="auth_token_revoke",
        request=None,
        responses={
            204: OpenApiResponse(description="The token of this request no longer works."),
            400: OpenApiResponse(description="The request was not made with a token."),
        },
    )
    def delete(self, request, *args, **kwargs):
        if not isinstance(request.auth, AuthToken):
            raise ValidationError(
                {"detail": _("This request was not made with an API token; nothing revoked.")}
            )
        request.auth.delete()
        return Response(status=status.HTTP_204_NO_CONTENT)


class TokenInfoSerializer(serializers.Serializer):
    id = serializers.CharField(source="token_key", help_text="The token's first characters.")
    created = serializers.DateTimeField()
    expiry = serializers.DateTimeField(allow_null=True)
    current = serializers.SerializerMethodField()

    def get_current(self, token: AuthToken) -> bool:
        auth = self.context["request"].auth
        return isinstance(auth, AuthToken) and auth.digest == token.digest


class TokenListApi(ListAPIView):
    """The caller's own API tokens that still work, newest first (never the tokens
    themselves: only their first characters, as ``id``)."""

    serializer_class = TokenInfoSerializer
    filter_backends: list = []

    def get_queryset(self):
        return tokens_of(self.request.user)

    @extend_schema(operation_id="auth_tokens_list")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class TokenRevokeApi(APIView):
    """Revoke one of the caller's own tokens (404 for anything else)."""

    @extend_schema(
        operation_id="auth_tokens_revoke",
        request=None,
        responses={204: OpenApiResponse(description="Revoked."), 404: None},
    )
    def delete(self, request, key: str, *args, **kwargs):
        if not token_revoke(user=request.user, token_key=key):
            raise NotFound
        return Response(status=status.HTTP_204_NO_CONTENT)
