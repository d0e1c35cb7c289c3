"""``LOAD_PROFILE=1`` (bench/load/profile.py): the load test says what the web and worker
processes spent their time on - waiting on a socket, or computing in which library - from
py-spy's samples of the real processes, their children included."""

from __future__ import annotations

import subprocess
import sys
import time
from collections import Counter

import pytest

from bench.load.profile import (
    Profiler,
    category,
    descendants,
    packages_of,
    summary,
    tally,
    task_tally,
)

OURS = frozenset({"bookings", "ops"})

HEAD = "<module> (gunicorn:10);SyncWorker.handle (gunicorn/workers/sync.py:141)"
ACCEPT = "offer_accept (bookings/services/offers.py:120)"
RAW = (
    "".join(
        f"{stack} {count}\n"
        for stack, count in (
            (f"{HEAD};SQLCompiler.as_sql (django/db/models/sql/compiler.py:755)", 30),
            (f"{HEAD};{ACCEPT};Connection.wait (psycopg/connection.py:495)", 20),
            (f"{HEAD};Serializer.to_representation (rest_framework/serializers.py:530)", 10),
            (f"{HEAD};{ACCEPT}", 5),
            (f"{HEAD};_transmit (notifications/x.py:3);SMTP.send (smtplib.py:902)", 10),
            (f"{HEAD};deepcopy (copy.py:128)", 5),
        )
    )
    + f'process 7:"python -c\nimport os";{ACCEPT} 3\n'
)


def test_each_sample_is_filed_by_its_innermost_frame():
    counts = tally(RAW.splitlines(keepends=True), ours=OURS)

    # A command line over two lines: its first part has no count and is left out, the rest
    # counts by its innermost frame.
    assert counts == Counter({"waiting": 30, "orm": 30, "drf": 10, "app": 8, "other": 5})


def test_a_socket_wait_is_waiting_and_the_same_library_computing_is_not():
    assert category("Connection.wait (psycopg/connection.py:495)", ours=OURS) == "waiting"
    assert category("PostgresClientQuery.dump (psycopg/_queries.py:299)", ours=OURS) == "psycopg"
    # Sending a statement (client-side or server-side binding, prepared or not) is waiting:
    # libpq writes to the socket, and the kernel hands the core to PostgreSQL.
    for send in (
        "ClientCursorMixin._execute_send (psycopg/client_cursor.py:84)",
        "BaseCursor._execute_send (psycopg/_cursor_base.py:449)",
        "BaseCursor._send_prepare (psycopg/_cursor_base.py:581)",
        "BaseCursor._send_query_prepared (psycopg/_cursor_base.py:602)",
    ):
        assert category(send, ours=OURS) == "waiting", send
    assert category("BaseCursor._maybe_prepare_gen (psycopg/_cursor_base.py:312)", ours=OURS) == (
        "psycopg"
    )
    assert category("SMTP.send (smtplib.py:902)", ours=OURS) == "waiting"
    assert category("SMTP.data (smtplib.py:870)", ours=OURS) == "mail"
    assert category("Query.clone (django/db/models/sql/query.py:1)", ours=OURS) == "orm"
    assert category("CursorWrapper.execute (django/db/backends/utils.py:79)", ours=OURS) == (
        "db_backend"
    )
    assert category("URLResolver.resolve (django/urls/resolvers.py:1)", ours=OURS) == "django"
    assert category("rank (bookings/matching/ranking.py:9)", ours=OURS) == "app"
    assert category("not a frame", ours=OURS) == "other"


def test_the_line_gives_waiting_of_all_samples_and_each_library_of_the_computing_ones():
    line = summary("web", Counter({"waiting": 30, "orm": 30, "drf": 10, "app": 5, "other": 5}))

    assert line["bench"] == "load_profile" and line["part"] == "web"
    assert line["samples"] == 80
    assert line["waiting_ratio"] == 0.375
    assert line["orm_ratio"] == 0.6 and line["drf_ratio"] == 0.2
    assert line["app_ratio"] == 0.1 and line["other_ratio"] == 0.1
    assert line["psycopg_ratio"] == 0.0
    computing = [value for key, value in line.items() if key.endswith("_ratio")]
    assert sum(computing) - line["waiting_ratio"] == pytest.approx(1.0)


CELERY = (
    "<module> (celery:10);Worker.workloop (billiard/pool.py:369);"
    "fast_trace_task (celery/app/trace.py:798);"
    "build_tracer.<locals>.trace_task (celery/app/trace.py:564);"
    "_install_stack_protection.<locals>.__protected_call__ (celery/app/trace.py:883)"
)
WORKER_RAW = "".join(
    f"{stack} {count}\n"
    for stack, count in (
        (f"{CELERY};booking_match_task (bookings/tasks.py:28);rank (bookings/x.py:1)", 12),
        (f"{CELERY};booking_match_task (bookings/tasks.py:28);Connection.wait (psycopg/c.py:1)", 8),
        (f"{CELERY};Task.__call__ (celery/app/task.py:411);deliver (ops/tasks.py:5)", 5),
        # The main process receiving a task, and a task without our code: in no task.
        ("<module> (celery:10);Consumer.start (celery/worker/consumer/consumer.py:1)", 25),
        (f"{CELERY};Task.__call__ (celery/app/task.py:411)", 1),
        (f"{CELERY};Signal.send (celery/utils/dispatch/signal.py:276);close (ops/db.py:3)", 2),
    )
)


def test_the_workers_samples_are_filed_by_the_task_they_ran_and_each_gets_its_share():
    stacks = WORKER_RAW.splitlines(keepends=True)
    tasks = task_tally(stacks, ours=OURS)

    # The task's own function, waiting or computing; Celery's frames in between are skipped,
    # and a handler of Celery's signals around a task is not a task.
    assert tasks == Counter({"booking_match_task": 20, "deliver": 5})
    line = summary("worker", tally(stacks, ours=OURS), tasks)
    assert line["samples"] == 53
    assert line["task_ratios"] == {"booking_match_task": 0.377, "deliver": 0.094}
    assert list(line["task_ratios"]) == ["booking_match_task", "deliver"]
    assert "task_ratios" not in summary("web", Counter({"orm": 1}))


def test_no_samples_give_no_ratios_rather_than_made_up_ones():
    line = summary("worker", Counter())

    assert line["samples"] == 0
    assert line["waiting_ratio"] is None and line["orm_ratio"] is None


def test_the_projects_packages_are_its_directories_with_an_init(tmp_path):
    (tmp_path / "busy").mkdir()
    (tmp_path / "busy" / "__init__.py").write_text("")
    (tmp_path / "docs").mkdir()

    assert packages_of(tmp_path) == frozenset({"busy"})


# A process that, once told, starts a child, and both compute in the project's package
# ``busy``: the child until it has used 3 s of CPU (read where the kernel counts it, not from
# a clock: the suite also runs under faketime), the parent until it is killed.
BUSY = """
import os

def used():
    fields = open("/proc/self/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

def spin(seconds=None):
    end = None if seconds is None else used() + seconds
    while end is None or used() < end:
        sum(i * i for i in range(2000))
"""
MAIN = """
import subprocess, sys
subprocess.Popen([sys.executable, "-c", "import busy; busy.spin(1.5)"])
import busy
print("started", flush=True)
busy.spin()
"""


def test_py_spy_samples_a_running_process_and_a_child_it_starts_and_files_our_code(tmp_path):
    project = tmp_path / "project"
    (project / "busy").mkdir(parents=True)
    (project / "busy" / "__init__.py").write_text(BUSY)
    workdir = tmp_path / "work"
    workdir.mkdir()
    process = subprocess.Popen(  # noqa: S603 - our own interpreter and code
        [sys.executable, "-c", MAIN],
        cwd=project,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout.readline() == "started\n"
        profiler = Profiler({"web": process.pid}, workdir=workdir, root=project)
        profiler.start()
        process.stdin.write("go\n")  # the child starts after the profiler did
        process.stdin.flush()
        time.sleep(2.5)
        profiler.stop()
    finally:
        process.kill()
        process.wait()

    assert profiler.problem is None
    (line,) = profiler.lines()
    assert line["part"] == "web"
    # 25 a second of two busy processes for about 1.5-2.5 s (fewer on a loaded machine).
    assert line["samples"] >= 25
    assert line["app_ratio"] >= 0.8
    assert line["orm_ratio"] == 0.0
    files = {path.name: path.read_text() for path in workdir.glob("profile-web-*.txt")}
    assert f"profile-web-{process.pid}.txt" in files
    assert "spin (busy/__init__.py" in files[f"profile-web-{process.pid}.txt"]
    # The child, started during the run, got a py-spy of its own.
    (child,) = [text for name, text in files.items() if name != f"profile-web-{process.pid}.txt"]
    assert "spin (busy/__init__.py" in child


def test_the_processes_of_a_part_are_its_root_and_every_descendant():
    process = subprocess.Popen(  # noqa: S603 - our own interpreter and code
        [sys.executable, "-c", "import subprocess, sys, time; "
         "subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(30)']); "
         "print('up', flush=True); time.sleep(30)"],
        stdout=subprocess.PIPE,
        text=True,
    )  # fmt: skip
    try:
        assert process.stdout.readline() == "up\n"
        found = descendants({process.pid: "worker"})
    finally:
        process.kill()
        process.wait()

    assert found[process.pid] == "worker"
    assert len(found) == 2 and set(found.values()) == {"worker"}
