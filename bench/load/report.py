"""The load test's report: one JSON line per endpoint class, and one ``"class": "all"``.

``summarize(samples, ...)`` takes Locust's samples as the locustfile writes them,
``[class, client_ms, server_ms or None, status, failed, ended]`` (``ended``: the request's end
in Unix seconds; the report does not need it, a reader of ``var/loadtest/samples.json`` who
asks how the times moved during the run does), and returns the lines::

    {"bench": "load", "users": 200, "class": "accept", "seconds": 180, "requests": 412,
     "rps": 2.29, "errors": 0, "conflicts": 31, "status_5xx": 0, "p50_ms": 41.0,
     "p95_ms": 120.3, "server_p50_ms": 28.1, "trivial_p95_ms": 35.2, "p95_ratio": 3.42}

- ``p50_ms``/``p95_ms``: the client's time (Locust), nearest rank;
- ``server_p50_ms``: the median of the ``Server-Timing`` the server answered (the time
  inside Django, ``ops.requestid``);
- ``trivial_p95_ms``: the p95 of the trivial endpoint measured in the same run, and
  ``p95_ratio`` = ``p95_ms`` / ``trivial_p95_ms``;
- ``errors``: answers outside the class's expected statuses (and connection failures);
  ``conflicts``: the expected 409s (an offer another mediator took first).

``extra`` is merged into the ``all`` line (the run's checks, the worker model, the load
average).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

TRIVIAL = "trivial"


def percentile(values: Sequence[float], share: float) -> float | None:
    """The nearest-rank percentile (``share`` 0.5, 0.95) of ``values``; None if empty."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(share * len(ordered)))
    return round(ordered[rank - 1], 1)


def _line(name: str, rows: list[Sequence[Any]], *, users: int, seconds: float) -> dict[str, Any]:
    client = [row[1] for row in rows]
    server = [row[2] for row in rows if row[2] is not None]
    return {
        "bench": "load",
        "users": users,
        "class": name,
        "seconds": round(seconds),
        "requests": len(rows),
        "rps": round(len(rows) / seconds, 2) if seconds else None,
        "errors": sum(1 for row in rows if row[4]),
        "conflicts": sum(1 for row in rows if row[3] == 409),
        "status_5xx": sum(1 for row in rows if row[3] >= 500),
        "p50_ms": percentile(client, 0.5),
        "p95_ms": percentile(client, 0.95),
        "server_p50_ms": percentile(server, 0.5),
    }


def summarize(
    samples: Iterable[Sequence[Any]],
    *,
    users: int,
    seconds: float,
    extra: dict[str, Any] | None = None,
) -> list[dict[str, Any]]:
    by_class: dict[str, list[Sequence[Any]]] = defaultdict(list)
    every = []
    for row in samples:
        by_class[row[0]].append(row)
        every.append(row)
    trivial = percentile([row[1] for row in by_class.get(TRIVIAL, [])], 0.95)
    lines = []
    for name in [*sorted(by_class), "all"]:
        line = _line(name, every if name == "all" else by_class[name], users=users, seconds=seconds)
        line["trivial_p95_ms"] = trivial
        line["p95_ratio"] = (
            round(line["p95_ms"] / trivial, 2) if trivial and line["p95_ms"] is not None else None
        )
        if name == "all":
            line.update(extra or {})
        lines.append(line)
    return lines
