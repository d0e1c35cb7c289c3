"""gunicorn's settings for the web processes (``scripts/serve web``), each one chosen here.

- ``workers`` = ``WEB_CONCURRENCY``, default 3: (2 x cores) - 1 on the 2-core machine we
  measure on; measured against 2 (docs/operations.md, "How many sync workers": 3 answered
  about 5 % more requests/s at 200 users; with 2 the machine was 89-92 % busy, not 95-97 %).
  Every sync worker (every thread, with gthread) holds one database connection
  (CONN_MAX_AGE keeps it), so PostgreSQL sees at most web workers x threads + Celery
  concurrency + beat connections per node (the load test's most: 10 with sync, 17 with
  gthread 3 x 4, its own runner's connection included).
- ``worker_class`` = ``WEB_WORKER_CLASS``, default ``sync`` (``threads`` = ``WEB_THREADS``,
  default 1, for gthread): chosen by the load test (``make loadtest``, bench/load;
  docs/operations.md "Capacity plan", runs A-F). State-sized data, 60 s runs on the shared
  2-core machine (load average 12-19 from other jobs), 3 sync workers against 3 gthread
  workers x 4 threads:

  | run | users | model | requests/s | errors | p50 | p95 | accept in server |
  | --- | --- | --- | --- | --- | --- | --- | --- |
  | A | 50 | sync | 4.0 | 0 | 11.5 s | 14.9 s | 8.6 s |
  | B | 50 | gthread 3x4 | 3.4 | 0 | 6.2 s | 33.0 s | 27.2 s |
  | C | 200 | sync | 4.1 | 0 | 31.0 s | 51.1 s | 10.7 s |
  | D | 200 | gthread 3x4 | 5.9 | 0 | 17.1 s | 35.0 s | 23.0 s |
  | E | 200 | gthread 3x4 | 5.2 | 4 | 21.0 s | 47.0 s | 22.0 s |
  | F | 200 | sync | 4.5 | 0 | 16.5 s | 55.2 s | 7.3 s |

  (E and F with the installed packages' bytecode compiled, as in the image.) Threads answered
  15-43 % more requests at 200 users with a lower p95: a sync worker idles while PostgreSQL
  and Redis answer, a thread hands the CPU on. But the threads of a process share one
  interpreter lock, so today's CPU-heavy accept stretches to 22-27 s inside the server (7-11
  s with sync), and in run E three accepts passed Locust's 60 s limit and one request lost
  its connection: errors, which the goal allows none of; sync had none in any run. Sync
  stays until accept is cheap; then measure again with ``WEB_WORKER_CLASS=gthread
  WEB_THREADS=4`` (each thread keeps its own database connection: workers x threads).
  Measured again on an idle machine once accept was cheap (docs/operations.md, runs M and
  N, 200 users, 180 s): sync 70.6 requests/s, p95 2.5 s, 8 connections; gthread 3 x 4 70.2
  requests/s, p95 2.9 s, 17 connections, each class three times as long inside the server.
  The CPU is the limit either way: sync stays. The third model, gevent (one thread per
  worker serving many requests at once, meant for the feed and offer reads; its connections
  from a pool of ``WEB_DATABASE_POOL_SIZE``, 4, per worker), measured the same way on one
  machine right after sync (runs BF and BG, 200 users): 62.9 requests/s against sync's 66.9,
  p95 3.7 s against 2.7 s, 28.5 ms of CPU per request against 27.1; at 50 users (runs BD,
  BE) the same 35.3 requests/s, accept's p95 563 ms against 268 ms. Only the trivial
  endpoint gains (p95 87 ms at 200 users): it no longer waits behind an accept. Sync stays;
  gevent comes with the development tools (Locust's), not in the image.
- ``timeout`` = 30 s: a worker silent longer than that is killed and restarted. Nothing a user
  starts runs that long: the batch planner runs in Celery (README "API"), the statistics and
  statements read indexed rows; the slowest page measured stays below one second. A request
  that did hang would otherwise hold one of only three workers.
- ``graceful_timeout`` = 30 s: on a deploy (SIGTERM/HUP) running requests may finish.
- ``keepalive`` = 5 s: behind a proxy that reuses connections (nginx' default is 60 s upstream,
  its requests come again within a few seconds).
- ``max_requests`` = 2000 with jitter 200: a worker is replaced now and then, so a slow leak
  never grows, and not all at once.
- ``post_worker_init``: once a worker has loaded the app, what it loaded is frozen out of
  the garbage collector's walks and the young generation's threshold is raised
  (``ops.garbage.gc_tune``): the collector took 15-16 % of a request's CPU before.
- No access log from gunicorn: Django writes one JSON line per request with its request id
  (``ops.access``, LOG_ACCESS); the error log goes to stderr.
"""

import os

bind = os.environ.get("WEB_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", "3"))
worker_class = os.environ.get("WEB_WORKER_CLASS", "sync")
threads = int(os.environ.get("WEB_THREADS", "1"))
# A worker that serves many requests at once in one thread takes its database connections
# from a pool of WEB_DATABASE_POOL_SIZE (default 4) per worker (config/settings/base.py,
# DATABASE_POOL_SIZE): without it each of its users would hold a connection of their own.
ONE_THREAD_MANY_REQUESTS = ("gevent", "eventlet")


def _pool_size(raw: str) -> int:
    if raw.strip().isdigit() and int(raw) >= 1:
        return int(raw)
    raise SystemExit(
        f"WEB_DATABASE_POOL_SIZE must be a whole number of 1 or more with the {worker_class}"
        f" worker (the database connections of each web worker); got {raw!r}"
    )


database_pool_size = (
    _pool_size(os.environ.get("WEB_DATABASE_POOL_SIZE", "4"))
    if worker_class in ONE_THREAD_MANY_REQUESTS
    else 0
)
if database_pool_size:
    raw_env = [f"DATABASE_POOL_SIZE={database_pool_size}"]
timeout = 30
graceful_timeout = 30
keepalive = 5
max_requests = 2000
max_requests_jitter = 200
accesslog = None
errorlog = "-"
# The proxy in front sets X-Forwarded-For/Proto; trust it only from loopback by default.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")


def post_worker_init(worker):
    """The app is loaded: set the garbage collector for serving (ops/garbage.py)."""
    from ops.garbage import gc_tune

    gc_tune()


def child_exit(server, worker):
    """Forget a dead worker's latency files (prometheus_client's multiprocess mode)."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
