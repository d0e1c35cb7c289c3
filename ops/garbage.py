"""Python's cyclic garbage collector, set for a long-running web or Celery process.

A request through Django's ORM and DRF allocates tens of thousands of short-lived container
objects (querysets cloned per filter, expressions resolved and compiled, serializer fields).
With CPython's default thresholds (700, 10, 10) the collector ran about three times per
request, and every hundred requests or so a full collection walked the whole heap of the
process (Django, the installed apps, their caches): about 200 ms each. Measured in one
process on the load test's data, over 200 requests of the load test's classes: 15-16 % of
the CPU went to the collector.

``gc_tune`` is called once a process has loaded the app, before it serves
(``config/gunicorn.py`` ``post_worker_init``, ``config/celery_app.py``
``worker_process_init``):

- ``gc.freeze()``: what the process has loaded by then (modules, models, URL patterns,
  settings) lives as long as the process; the collector no longer walks it.
- ``gc.set_threshold(GEN0, 10, 10)``: a young-generation collection every ``GEN0``
  allocations instead of every 700. Most of a request's objects are freed by reference
  counting before the collector would look at them, so it finds the same garbage with a
  tenth of the work, and the full collections become rare. Cycles still go: what a request
  leaves in a cycle is freed within a few requests.

With both, the collector took 4-5 % of that CPU, and the process used 8-13 % less CPU in all
in two alternating pairs (docs/operations.md, "What a request costs"; the load test answered
15 % more requests). 20,000 was no better than 7,000.
"""

from __future__ import annotations

import gc

GEN0 = 7000
GEN1 = 10
GEN2 = 10


def gc_tune() -> tuple[int, int, int]:
    """Collect once, freeze what is loaded, raise the young generation's threshold; returns
    the thresholds set."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(GEN0, GEN1, GEN2)
    return gc.get_threshold()
