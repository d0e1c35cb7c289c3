"""Benchmarks: ``make bench`` runs every ``bench/bench_*.py`` module's ``run()``.

Each ``run()`` yields dicts; each is printed as one JSON line with a ``bench`` key and
figures whose names carry their unit (``seconds``, ``median_ms``, ``per_s``, ``ratio``).
"""
