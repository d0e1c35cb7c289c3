"""gunicorn's settings for the web processes (``scripts/serve web``), each one chosen here.

- ``workers`` = ``WEB_CONCURRENCY``, default 3: (2 x cores) - 1 on the 2-core machine we
  measure on. Every thread of a worker holds one database connection (CONN_MAX_AGE keeps it),
  so PostgreSQL sees at most web workers x threads + Celery concurrency + beat connections per
  node (3 x 4 + 2 + 1 = 15; the load test's most was 17 with its own sampler and runner).
- ``worker_class`` = ``WEB_WORKER_CLASS``, default ``gthread`` with ``threads`` =
  ``WEB_THREADS``, default 4: chosen by the load test (``make loadtest``, bench/load;
  docs/operations.md "Capacity plan"). State-sized data, 60 s runs on the shared 2-core
  machine (load average 12-18 from other jobs), 3 sync workers against 3 gthread workers x 4
  threads, both without an error:

  | users | model | requests/s | p50 | p95 | load average |
  | --- | --- | --- | --- | --- | --- |
  | 50 | sync | 4.0 | 11.5 s | 14.9 s | 14.1 |
  | 50 | gthread 3x4 | 3.4 | 6.2 s | 33.0 s | 12.9 (before 15.6) |
  | 200 | sync | 4.1 | 31.0 s | 51.1 s | 16.0 |
  | 200 | gthread 3x4 | 5.9 | 17.1 s | 35.0 s | 12.7-18.2 |

  At 200 users, the goal's load, gthread answered 43 % more requests with a p95 a third
  lower: a sync worker waits idle for PostgreSQL, Redis and the network, a thread hands the
  CPU on meanwhile. It costs what a CPU-bound request takes: the threads of a process share
  one interpreter lock, so a slow accept (8.6 s inside the server with sync, 23 s with
  threads, at these loads) stretches further; at 50 users sync's p95 was better. Each
  thread keeps its own database connection: workers x threads (12) per web node, counted in
  docs/operations.md "Scale". These figures rank the two models on a starved machine; the
  integrator's run on an idle one is to confirm them (``WEB_WORKER_CLASS=sync`` goes back).
- ``timeout`` = 30 s: a worker silent longer than that is killed and restarted. Nothing a user
  starts runs that long: the batch planner runs in Celery (README "API"), the statistics and
  statements read indexed rows; the slowest page measured stays below one second. A request
  that did hang would otherwise hold one of only twelve threads.
- ``graceful_timeout`` = 30 s: on a deploy (SIGTERM/HUP) running requests may finish.
- ``keepalive`` = 5 s: behind a proxy that reuses connections (nginx' default is 60 s upstream,
  its requests come again within a few seconds).
- ``max_requests`` = 2000 with jitter 200: a worker is replaced now and then, so a slow leak
  never grows, and not all at once.
- No access log from gunicorn: Django writes one JSON line per request with its request id
  (``ops.access``, LOG_ACCESS); the error log goes to stderr.
"""

import os

bind = os.environ.get("WEB_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", "3"))
worker_class = os.environ.get("WEB_WORKER_CLASS", "gthread")
threads = int(os.environ.get("WEB_THREADS", "4"))
timeout = 30
graceful_timeout = 30
keepalive = 5
max_requests = 2000
max_requests_jitter = 200
accesslog = None
errorlog = "-"
# The proxy in front sets X-Forwarded-For/Proto; trust it only from loopback by default.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")


def child_exit(server, worker):
    """Forget a dead worker's latency files (prometheus_client's multiprocess mode)."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
