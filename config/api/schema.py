"""OpenAPI schema generation (drf-spectacular) for views with nested serializers.

Views declare ``InputSerializer``/``OutputSerializer`` inside the view class, so the plain
class names repeat. Components are named after the qualified name instead:
``BookingDetailApi.OutputSerializer`` becomes ``BookingDetailOutput``.
"""

from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema


def component_name_for(serializer_class: type) -> str:
    parts = serializer_class.__qualname__.split(".")
    if len(parts) == 1:
        return parts[0]
    return "".join(part.removesuffix("Serializer").removesuffix("Api") for part in parts)


class AutoSchema(SpectacularAutoSchema):
    def get_serializer_name(self, serializer, direction):
        return component_name_for(type(serializer))


# Every answer an operation can give is in the schema, errors included: one JSON object with
# ``detail`` (and ``code`` for conflicts), or field errors ({"field": ["message", ...]}).
ERROR_SCHEMA = {
    "type": "object",
    "description": "An error: `detail` (and `code` for a conflict), or the field errors, "
    "each field with a list of messages.",
    "properties": {"detail": {"type": "string"}, "code": {"type": "string"}},
    "additionalProperties": True,
}
ERRORS = {
    "400": "Bad input: the field errors, or `detail`. Nothing was changed.",
    "401": "Not signed in, or the token is invalid or expired.",
    "403": "Signed in, but this role may not do this.",
    "404": "Not found, or outside the caller's reach.",
    "405": "This method is not allowed here.",
    "409": "The state does not allow it now (`code` says why). Nothing was changed.",
    "415": "The body is not JSON.",
    "429": "Too many requests: try again after the `Retry-After` seconds.",
    "503": "The database or the message broker cannot be reached for a moment (an outage, a "
    "restart): try again after the `Retry-After` seconds. A write that answers 503 was not "
    "made (`code` is `unavailable`).",
}
WRITES = {"post", "put", "patch", "delete"}
# The answers that say when to come back (``ops.outages`` for 503, DRF's throttle for 429).
RETRY_AFTER = {
    "Retry-After": {
        "description": "Seconds to wait before trying again.",
        "schema": {"type": "integer", "minimum": 1},
    }
}


def document_errors(result: dict, generator, request, public) -> dict:  # type: ignore[no-untyped-def]
    """drf-spectacular post-processing hook: add the error answers every operation may give
    (the schema's ``Error`` component) where the view did not declare its own."""
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
    error = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    for path in result.get("paths", {}).values():
        for method, operation in path.items():
            if method not in {"get", "head", *WRITES}:
                continue
            responses = operation.setdefault("responses", {})
            for code, description in ERRORS.items():
                if code in {"409", "415"} and method not in WRITES:
                    continue
                answer = {"description": description, "content": error}
                if code in {"429", "503"}:
                    answer["headers"] = RETRY_AFTER
                responses.setdefault(code, answer)
    return result
