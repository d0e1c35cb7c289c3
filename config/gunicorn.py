"""gunicorn's settings for the web processes (``scripts/serve web``), each one chosen here.

- ``workers`` = ``WEB_CONCURRENCY``, default 3: (2 x cores) - 1 on the 2-core machine we
  measure on. Every sync worker holds one database connection (CONN_MAX_AGE keeps it), so
  PostgreSQL sees at most web workers + Celery concurrency + beat connections per node.
- ``worker_class`` = ``WEB_WORKER_CLASS``, default ``sync``: the baseline the load test
  measured; the load test (issue 14, pending) decides whether gthread does better.
- ``timeout`` = 30 s: a worker silent longer than that is killed and restarted. Nothing a user
  starts runs that long: the batch planner runs in Celery (README "API"), the statistics and
  statements read indexed rows; the slowest page measured stays below one second. A request
  that did hang would otherwise hold one of only three workers.
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
worker_class = os.environ.get("WEB_WORKER_CLASS", "sync")
threads = int(os.environ.get("WEB_THREADS", "1"))
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
