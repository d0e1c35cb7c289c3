"""``LOAD_PROFILE=1 make loadtest``: what the stack's Python processes spend their time on.

The ``all`` line's ``cpu_*`` figures say which part of the stack used the CPU (web, worker,
PostgreSQL); this says what inside the web and worker processes. py-spy, a sampling
profiler that reads a running process's stack from outside (``--nonblocking``: without
pausing it), samples the gunicorn master and the Celery worker and all their children (the
workers gunicorn replaces during the run too) 25 times a second while Locust runs. Each
sample's innermost frame files it:

- **waiting**: on a socket (PostgreSQL's answer, Redis, the client, SMTP) - on a saturated
  machine, with the time until a core is free again after the answer came;
- **computing**, by the library of that frame: the ORM (``django/db/models``: building and
  compiling statements, making model instances), Django's database layer, psycopg (the
  driver, binding the parameters), DRF, the rest of Django, mail (``email``, ``smtplib``,
  icalendar), Celery (with kombu and billiard), Redis' client, gunicorn, our own code, and
  the rest (the standard library, other packages).

The report gets one line per part: ``{"bench": "load_profile", "part": "web", "samples":
..., "waiting_ratio": ..., "orm_ratio": ..., ...}``; ``waiting_ratio`` is of all samples,
each library's ratio of the computing ones. The worker's line adds ``task_ratios``: each
Celery task's share of its samples (``task_tally``). py-spy needs to trace other processes
(root, or ``CAP_SYS_PTRACE``); without it the run says so on stderr, and its lines count no
samples.
"""

from __future__ import annotations

import re
import shutil
import signal
import subprocess  # runs py-spy with a fixed argument list  # nosec B404
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import IO

from bench.load.cpu import parent_pids, root_part

RATE = 25
WATCH_SECONDS = 1.0
# Innermost frames of a process waiting for a socket (a function name and its file).
WAITING = (
    ("ClientCursorMixin._execute_send", "psycopg/client_cursor.py"),
    # The same send with server-side binding: a statement, its preparation, a prepared one.
    ("BaseCursor._execute_send", "psycopg/_cursor_base.py"),
    ("BaseCursor._send_prepare", "psycopg/_cursor_base.py"),
    ("BaseCursor._send_query_prepared", "psycopg/_cursor_base.py"),
    ("Connection.wait", "psycopg/connection.py"),
    ("write", "gunicorn/util.py"),
    ("close_graceful", "gunicorn/util.py"),
    ("SocketBuffer._read_from_socket", "redis/_parsers/socket.py"),
    ("AbstractConnection.send_packed_command", "redis/connection.py"),
    ("SocketIO.readinto", "socket.py"),
    ("SMTP.send", "smtplib.py"),
    ("Connection._send", "billiard/connection.py"),
    ("Connection._recv", "billiard/connection.py"),
)
# The library of a computing frame, by its file as py-spy names it (relative to the entry of
# ``sys.path`` it was imported from): the first whose prefix matches wins.
LIBRARIES = (
    ("orm", ("django/db/models/",)),
    ("db_backend", ("django/db/",)),
    ("psycopg", ("psycopg/", "psycopg_binary/")),
    ("drf", ("rest_framework/", "django_filters/", "knox/")),
    ("django", ("django/",)),
    ("mail", ("email/", "smtplib.py", "icalendar/")),
    ("celery", ("celery/", "kombu/", "billiard/")),
    ("redis", ("redis/",)),
    ("gunicorn", ("gunicorn/",)),
)
# Celery's signals: a handler of ours they call (around every task) is not the task.
SIGNALS = ("celery/utils/dispatch/",)
CATEGORIES = ("waiting", *(name for name, _ in LIBRARIES), "app", "other")
FRAME = re.compile(r"^(?P<function>.*) \((?P<file>[^()]*?)(?::\d+)?\)$")


def library(file: str, *, ours: frozenset[str]) -> str:
    """The category of a computing frame's file (see the module); ``ours``: the project's
    top-level packages."""
    for name, prefixes in LIBRARIES:
        if file.startswith(prefixes):
            return name
    if file.split("/", 1)[0] in ours:
        return "app"
    return "other"


def packages_of(root: Path) -> frozenset[str]:
    """The project's top-level packages: the directories of ``root`` with an ``__init__.py``."""
    return frozenset(path.parent.name for path in root.glob("*/__init__.py"))


def category(frame: str, *, ours: frozenset[str]) -> str:
    match = FRAME.match(frame)
    if match is None:
        return "other"
    function, file = match["function"], match["file"]
    if any(function == name and file.endswith(suffix) for name, suffix in WAITING):
        return "waiting"
    return library(file, ours=ours)


def tally(lines: Iterable[str], *, ours: frozenset[str]) -> Counter[str]:
    """Samples per category from py-spy's raw output (``frame;frame;... count`` per line).
    A process's command line heads its stacks; one that spans lines leaves a first line
    without a count (left out) and a last one with the stack (counted)."""
    counts: Counter[str] = Counter()
    for line in lines:
        stack, _, count = line.rstrip("\n").rpartition(" ")
        if not stack or not count.isdigit():
            continue
        counts[category(stack.rsplit(";", 1)[-1], ours=ours)] += int(count)
    return counts


def task_tally(lines: Iterable[str], *, ours: frozenset[str]) -> Counter[str]:
    """Samples per Celery task (the task's function: the first frame of the project's code
    that Celery's ``trace_task`` called), waiting ones included; samples outside a task
    (the worker's main process receiving and handing out tasks, Celery's own work around a
    task, our handlers of its signals) are not counted."""
    counts: Counter[str] = Counter()
    for line in lines:
        stack, _, count = line.rstrip("\n").rpartition(" ")
        if not stack or not count.isdigit() or "trace_task (celery/" not in stack:
            continue
        for frame in stack.split("trace_task (celery/", 1)[1].split(";")[1:]:
            match = FRAME.match(frame)
            if match is None or match["file"].startswith(SIGNALS):
                break
            if library(match["file"], ours=ours) == "app":
                counts[match["function"]] += int(count)
                break
    return counts


def summary(
    part: str, counts: Counter[str], tasks: Counter[str] | None = None
) -> dict[str, object]:
    """The report's line for one part; with ``tasks`` (the worker's), each task's share of
    the part's samples, largest first."""
    samples = sum(counts.values())
    computing = samples - counts["waiting"]
    line: dict[str, object] = {"bench": "load_profile", "part": part, "samples": samples}
    line["waiting_ratio"] = round(counts["waiting"] / samples, 3) if samples else None
    for name in CATEGORIES[1:]:
        line[f"{name}_ratio"] = round(counts[name] / computing, 3) if computing else None
    if tasks is not None:
        line["task_ratios"] = {
            name: round(count / samples, 3) for name, count in tasks.most_common() if samples
        }
    return line


class Profiler:
    """``start()`` when the run starts, ``stop()`` when it ends, then ``lines()``.

    ``roots``: the processes to sample by part (``{"web": pid, ...}``). Each of them and each
    of their descendants gets a py-spy of its own (its stacks in a file of its own), the
    ones that start during the run (a worker gunicorn replaces) within a second."""

    def __init__(self, roots: dict[str, int], *, workdir: Path, root: Path) -> None:
        self.roots = {pid: part for part, pid in roots.items()}
        self.workdir = workdir
        self.ours = packages_of(root)
        self.spy: str | None = None
        self.running: dict[int, tuple[subprocess.Popen[bytes], IO[bytes]]] = {}
        self.problem: str | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)

    def output(self, part: str, pid: int) -> Path:
        return self.workdir / f"profile-{part}-{pid}.txt"

    def start(self) -> None:
        self.spy = shutil.which("py-spy", path=str(Path(sys.executable).parent)) or shutil.which(
            "py-spy"
        )
        if self.spy is None:
            self.problem = "py-spy is not installed (make install)"
            return
        for old in self.workdir.glob("profile-*"):
            old.unlink()
        self._attach()
        self._thread.start()

    def _watch(self) -> None:
        # A plain sleep, not Event.wait: a timed wait reads the clock, which the test suite's
        # faketime moves (the wait then never ends on its own).
        while not self._stop.is_set():
            time.sleep(WATCH_SECONDS)
            self._attach()

    def _attach(self) -> None:
        """A py-spy for every process of a part that has none yet."""
        for pid, part in descendants(self.roots).items():
            if pid in self.running:
                continue
            log = (self.workdir / f"profile-{part}-{pid}.log").open("wb")
            command = [
                self.spy, "record", "--pid", str(pid), "--nonblocking", "--rate", str(RATE),
                "--format", "raw", "--output", str(self.output(part, pid)),
            ]  # fmt: skip
            process = subprocess.Popen(  # noqa: S603  # nosec B603
                command, stdout=subprocess.DEVNULL, stderr=log
            )
            self.running[pid] = (process, log)

    def stop(self) -> None:
        """Stop sampling: py-spy writes its file on SIGINT, as on Ctrl-C (and on its own
        when its process ends)."""
        if self.spy is None:
            return
        self._stop.set()
        self._thread.join()
        for process, _log in self.running.values():
            if process.poll() is None:
                process.send_signal(signal.SIGINT)
        for process, log in self.running.values():
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            log.close()
        for part in set(self.roots.values()):
            if not any(self.workdir.glob(f"profile-{part}-*.txt")):
                said = " ".join(
                    path.read_text(errors="replace").strip()[-300:]
                    for path in self.workdir.glob(f"profile-{part}-*.log")
                )
                self.problem = f"py-spy wrote no profile of {part}: {said}"

    def lines(self) -> list[dict[str, object]]:
        found = []
        for part in dict.fromkeys(self.roots.values()):
            counts: Counter[str] = Counter()
            tasks: Counter[str] = Counter()
            for path in sorted(self.workdir.glob(f"profile-{part}-*.txt")):
                with path.open(encoding="utf-8", errors="replace") as raw:
                    stacks = raw.readlines()
                counts += tally(stacks, ours=self.ours)
                tasks += task_tally(stacks, ours=self.ours)
            found.append(summary(part, counts, tasks if part == "worker" else None))
        return found


def descendants(roots: dict[int, str]) -> dict[int, str]:
    """The roots and every process descending from one, each with its root's part."""
    parents = parent_pids()
    found = {pid: root_part(pid, parents, roots) for pid in parents}
    return {pid: part for pid, part in found.items() if part is not None}
