"""One place that maps domain exceptions to HTTP answers."""

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler

from core.exceptions import Conflict, DomainError


def api_exception_handler(exc, context):
    if isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages}
        exc = exceptions.ValidationError(detail=detail)
    if isinstance(exc, Conflict):
        return Response({"detail": str(exc), "code": exc.code}, status=status.HTTP_409_CONFLICT)
    if isinstance(exc, DomainError):
        payload = exc.as_dict()
        return Response(payload, status=status.HTTP_400_BAD_REQUEST)
    return exception_handler(exc, context)
