"""``make loadtest``: a Monday morning on the production stack (``__main__``)."""

from __future__ import annotations

import os
from collections.abc import Mapping

# A person's pauses between two tasks, in seconds, at ``LOAD_PAUSE=1`` (the locustfile).
PERSON_PAUSE = (0.5, 2.0)
CALENDAR_PAUSE = (2.0, 6.0)
PAUSE_LIMITS = (0.05, 10.0)


class LoadSettingError(ValueError):
    """A ``LOAD_*`` setting the runner cannot use; its message says which and why."""


def pause_scale(environ: Mapping[str, str] = os.environ) -> float:
    """``LOAD_PAUSE`` (default 1): every pause of every simulated person times this factor.

    1 is the Monday morning the runs A-R of docs/operations.md measured. A smaller factor
    makes the same people with the same mix ask more often, to find what a node serves at
    its limit (0.5 halves the pauses: 200 users then ask up to about 290 requests a second
    of a server that answered in no time, against about 149 at 1)."""
    raw = environ.get("LOAD_PAUSE", "").strip() or "1"
    try:
        value = float(raw)
    except ValueError:
        raise LoadSettingError(f"LOAD_PAUSE must be a number, e.g. 0.5; got {raw!r}.") from None
    low, high = PAUSE_LIMITS
    if not low <= value <= high:  # also refuses nan and inf
        raise LoadSettingError(f"LOAD_PAUSE must be between {low} and {high}; got {raw!r}.")
    return value


def scaled(pause: tuple[float, float], factor: float) -> tuple[float, float]:
    return (pause[0] * factor, pause[1] * factor)
