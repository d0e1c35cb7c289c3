"""Run the benchmarks: ``python -m bench [name ...]`` prints one JSON object per line.

Names are those of ``bench/bench_*.py`` without the prefix (``matching``, ``outbox feed``;
several in one argument, separated by spaces or commas, as ``make bench BENCH="outbox
feed"`` passes them); none means every bench. Before anything runs, the run checks what the
chosen benches need (PostgreSQL always, Redis for the outbox and the answers) and stops
with a message on stderr if something is missing. Each line gets the one-minute load average
(``load_avg_1min``): timings on a shared machine grow with it. How long each bench took goes
to stderr, so stdout stays JSON.
"""

from __future__ import annotations

import importlib
import json
import os
import pkgutil
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from bench.database import expect


def available() -> list[str]:
    return sorted(
        m.name.removeprefix("bench_")
        for m in pkgutil.iter_modules([str(Path(__file__).parent)])
        if m.name.startswith("bench_")
    )


def select(argv: list[str]) -> list[str]:
    """The benches to run, in their usual order; every one when none is named."""
    known = available()
    wanted = {name.removeprefix("bench_") for arg in argv for name in arg.replace(",", " ").split()}
    unknown = wanted - set(known)
    if unknown:
        raise ValueError(
            f"no bench named {', '.join(sorted(unknown))}: choose from {', '.join(known)}"
        )
    return [name for name in known if not wanted or name in wanted]


def lines_of(module: Any) -> Iterator[dict[str, Any]]:
    """A bench's lines, each with the load average.

    The run starts with an empty query log: with ``DEBUG`` on (local settings) Django keeps
    the last 9,000 queries of the process, and once that log is full ``CaptureQueriesContext``
    counts none (the stats bench printed ``"queries": 0`` after the outbox bench).
    """
    from django.db import reset_queries

    reset_queries()
    for line in module.run():
        expect("bench" in line, line)
        line["load_avg_1min"] = round(os.getloadavg()[0], 2)
        yield line


def main(argv: list[str]) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    try:
        names = select(argv)
    except ValueError as exc:
        print(f"make bench: {exc}", file=sys.stderr)
        return 2
    import django

    django.setup()
    from bench.database import (
        BenchUnavailable,
        ensure_migrated,
        require_postgres,
        require_redis,
    )

    modules = [importlib.import_module(f"bench.bench_{name}") for name in names]
    try:
        require_postgres()
        if any(getattr(module, "NEEDS_REDIS", False) for module in modules):
            require_redis()
        ensure_migrated()
    except BenchUnavailable as exc:
        print(exc, file=sys.stderr)
        return 2
    began = time.perf_counter()
    for name, module in zip(names, modules, strict=True):
        started = time.perf_counter()
        for line in lines_of(module):
            print(json.dumps(line), flush=True)
        seconds = time.perf_counter() - started
        print(f"# {name}: {seconds:.0f} s", file=sys.stderr, flush=True)
    print(
        f"# make bench: {', '.join(names)} in {time.perf_counter() - began:.0f} s, "
        f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}",
        file=sys.stderr,
        flush=True,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
