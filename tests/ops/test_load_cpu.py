"""The load test says where the CPU went (bench/load/cpu.py): each process is counted under
the part of the stack it descends from, including children that start and end during the
run, and nothing that ran before the start is counted."""

from __future__ import annotations

import subprocess
import sys
import time

from bench.load.cpu import CpuMeter

# Burns about ``seconds`` of CPU in a child of its own (a "pool process"), then in itself.
# The CPU time is read where the meter reads it (/proc), not from a clock: the suite also
# runs under faketime, which moves the clocks.
BURN = """
import subprocess, sys, time
LOOP = '''
import os
def used():
    fields = open("/proc/self/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
end = used() + %(s)s
while used() < end:
    sum(range(1000))
'''
subprocess.run([sys.executable, "-c", LOOP])
exec(LOOP)
print("done", flush=True)
time.sleep(30)
"""


def burner() -> subprocess.Popen[str]:
    return subprocess.Popen(  # noqa: S603 - our own interpreter and code
        [sys.executable, "-c", BURN % {"s": 0.4}], stdout=subprocess.PIPE, text=True
    )


def test_a_roots_children_count_under_its_part_and_what_ran_before_the_start_does_not():
    before = burner()
    web = None
    try:
        assert before.stdout.readline() == "done\n"  # it sleeps when the meter starts
        web = burner()
        meter = CpuMeter({"web": web.pid, "worker": before.pid}, interval=0.1)
        meter.start()
        assert web.stdout.readline() == "done\n"
        time.sleep(0.3)
        meter.stop()
    finally:
        for process in (before, web):
            if process is not None:
                process.kill()
                process.wait()

    used = meter.seconds()
    # The child (started and ended during the run) and the process itself: about 0.8 s.
    assert 0.6 <= used["web"] <= 1.2
    assert used["worker"] < 0.2  # all its work came before the start
    report = meter.report(requests=10)
    assert report["cpu_web_seconds"] == used["web"]
    assert 0 < report["cpu_busy_ratio"] <= 1.05
    assert report["cpu_per_request_ms"] >= used["web"] * 1000 / 10
