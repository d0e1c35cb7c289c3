"""Query-count checks for list endpoints: the count must not grow with the rows."""

from __future__ import annotations

from collections.abc import Callable

from django.db import connection
from django.test.utils import CaptureQueriesContext


def queries_of(request: Callable[[], object]) -> int:
    with CaptureQueriesContext(connection) as context:
        response = request()
    assert response.status_code == 200, response.content  # type: ignore[attr-defined]
    return len(context.captured_queries)


def assert_queries_do_not_grow(
    *, request: Callable[[], object], add_rows: Callable[[int], None], count: Callable[[], int]
) -> int:
    """Given 2 rows, then 20 rows: the request takes the same number of queries.

    ``add_rows(n)`` adds n rows, ``count()`` answers how many rows the request now lists,
    so the test proves the rows really were listed.
    """
    add_rows(2)
    assert count() >= 2
    with_two = queries_of(request)
    add_rows(18)
    assert count() >= 20
    with_twenty = queries_of(request)
    assert with_twenty == with_two, f"{with_two} queries for 2 rows, {with_twenty} for 20"
    return with_two
