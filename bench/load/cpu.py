"""Where the machine's CPU went during the load test, by part of the stack (Linux ``/proc``).

The load test runs everything on one machine - gunicorn, the Celery worker and beat,
PostgreSQL, Locust itself - so requests per second alone do not say what to make cheaper.
``CpuMeter`` reads every process's CPU time (user + system, ``/proc/<pid>/stat``) twice a
second while the run lasts, files each process under the part it belongs to, and at the end
gives the CPU seconds each part used during the run:

- ``web``, ``worker``, ``beat``: the process the stack started for it and all its children
  (gunicorn's workers, Celery's pool);
- ``postgres``: every PostgreSQL server process (the load test's database and the server's
  own background processes: on a shared server, others' queries count too);
- ``locust``: the load generator;
- ``other``: everything else that ran meanwhile (the runner, other people's processes).

A process that ends during the run counts with the CPU time it had at its last reading (at
most half a second is lost). ``busy_ratio`` is the share of all cores that was busy
(``/proc/stat``), whatever used it.
"""

from __future__ import annotations

import os
import threading
import time
from collections import defaultdict
from pathlib import Path

PROC = Path("/proc")
TICK = os.sysconf("SC_CLK_TCK")
PARTS = ("web", "worker", "beat", "postgres", "locust", "other")


def _stat(pid: str) -> list[str]:
    """The fields of ``/proc/<pid>/stat`` after the name: state, ppid, ..., utime (the 14th
    of the line), stime (15th). OSError when the process is gone."""
    stat = (PROC / pid / "stat").read_text()
    return stat[stat.rindex(")") + 2 :].split()


def _read(pid: str) -> tuple[int, str, float] | None:
    """(parent pid, command line, CPU seconds) of a process; None when it is gone."""
    try:
        fields = _stat(pid)
        raw = (PROC / pid / "cmdline").read_bytes()
        command = raw.replace(b"\0", b" ").decode("utf-8", "replace")
    except OSError:
        return None
    return int(fields[1]), command, (int(fields[11]) + int(fields[12])) / TICK


def root_part(pid: int, parents: dict[int, int], roots: dict[int, str]) -> str | None:
    """The part of the root ``pid`` is or descends from (``parents``: each process's parent
    pid), or None."""
    seen = pid
    for _ in range(32):  # up the tree to a root of the stack
        if seen in roots:
            return roots[seen]
        seen = parents.get(seen, 0)
        if seen <= 1:
            return None
    return None


def parent_pids() -> dict[int, int]:
    """Every process's parent pid (``/proc``)."""
    parents: dict[int, int] = {}
    for entry in PROC.iterdir():
        if entry.name.isdigit():
            try:
                parents[int(entry.name)] = int(_stat(entry.name)[1])
            except OSError:
                continue
    return parents


def busy_seconds() -> float:
    """CPU seconds the machine spent busy since boot, over all cores (``/proc/stat``)."""
    values = [int(v) for v in (PROC / "stat").read_text().split("\n", 1)[0].split()[1:]]
    idle, iowait = values[3], values[4]
    return (sum(values[:8]) - idle - iowait) / TICK


class CpuMeter:
    """``start()`` before the run, ``stop()`` after it, then ``seconds()`` per part.

    ``roots``: the stack's processes by part (``{"web": pid, ...}``); their children belong
    to the same part."""

    def __init__(self, roots: dict[str, int], *, interval: float = 0.5) -> None:
        self.roots = {pid: part for part, pid in roots.items()}
        self.interval = interval
        self.first: dict[int, float] = {}
        self.last: dict[int, float] = {}
        self.part: dict[int, str] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self.busy = 0.0
        self.elapsed = 0.0

    def _classify(self, pid: int, table: dict[int, tuple[int, str, float]]) -> str:
        part = root_part(pid, {other: row[0] for other, row in table.items()}, self.roots)
        if part is not None:
            return part
        command = table[pid][1]
        if command.startswith("postgres") or "/postgres " in command:
            return "postgres"
        if "locust" in command:
            return "locust"
        return "other"

    def _look(self, *, first: bool = False) -> None:
        table = {}
        for entry in PROC.iterdir():
            if entry.name.isdigit():
                read = _read(entry.name)
                if read is not None:
                    table[int(entry.name)] = read
        for pid, (_parent, _command, cpu) in table.items():
            if pid not in self.part:
                self.part[pid] = self._classify(pid, table)
                # A process that started during the run counts from zero.
                self.first[pid] = cpu if first else 0.0
            self.last[pid] = cpu

    def _run(self) -> None:
        # A plain sleep, not Event.wait: a timed wait reads the clock, which the test suite's
        # faketime moves (the wait then never ends on its own).
        while not self._stop.is_set():
            time.sleep(self.interval)
            self._look()

    def start(self) -> None:
        self._busy_start, self._began = busy_seconds(), time.monotonic()
        self._look(first=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()
        self._look()
        self.busy = busy_seconds() - self._busy_start
        self.elapsed = time.monotonic() - self._began

    def seconds(self) -> dict[str, float]:
        used: dict[str, float] = defaultdict(float)
        for pid, part in self.part.items():
            used[part] += self.last[pid] - self.first[pid]
        return {part: round(used[part], 1) for part in PARTS}

    def report(self, *, requests: int) -> dict[str, float | None]:
        """The figures for the report's ``all`` line."""
        used = self.seconds()
        cores = os.cpu_count() or 1
        server = used["web"] + used["worker"] + used["beat"] + used["postgres"]
        busy = round(self.busy / (cores * self.elapsed), 2) if self.elapsed else None
        return {
            **{f"cpu_{part}_seconds": used[part] for part in PARTS},
            "cpu_busy_ratio": busy,
            # The stack's CPU (web, worker, beat, PostgreSQL) per answered request.
            "cpu_per_request_ms": round(server * 1000 / requests, 1) if requests else None,
        }
