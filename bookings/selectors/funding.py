"""The funding source an institution's next request most likely uses."""

from __future__ import annotations

from institutions.models import Institution

from ..models import Booking


def last_funding_source_id(institution: Institution) -> int | None:
    """The funding source of the institution's most recently made request that named one
    (the request form preselects it), or ``None``."""
    return (
        Booking.objects.filter(institution=institution, funding_source__isnull=False)
        .order_by("-created_at", "-pk")
        .values_list("funding_source_id", flat=True)
        .first()
    )
