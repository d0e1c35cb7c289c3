"""List endpoints that show personal data write one access-log row per request, naming the
ids on the page, how many rows matched in all and the filter (``core.read_log``)."""

from __future__ import annotations

from typing import Any

from core.read_log import read_logged


class ReadLoggedListMixin:
    """For a ``ListAPIView``: after the page is rendered, one row with the ids of its
    results (taken from the rendered data: no query per row)."""

    read_log_what: str = ""
    read_log_ids: str = "booking_ids"  # or "user_ids", "mediator_ids", "object_ids"

    def list(self, request: Any, *args: Any, **kwargs: Any) -> Any:
        response = super().list(request, *args, **kwargs)  # type: ignore[misc]
        data = response.data
        paginated = isinstance(data, dict) and "results" in data
        results = data["results"] if paginated else data
        read_logged(
            user=request.user,
            what=self.read_log_what,
            count=data["count"] if paginated else len(results),
            query=request.GET.urlencode(),
            **{self.read_log_ids: [row["id"] for row in results]},
        )
        return response
