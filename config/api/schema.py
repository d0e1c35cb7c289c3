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
