"""Benchmarks: ``make bench`` runs every ``bench/bench_*.py`` module's ``run()``.

All of them on PostgreSQL, each in a pool of its own (``bench.database``). Each ``run()``
yields dicts; each is printed as one JSON line with a ``bench`` key, figures whose names
carry their unit (``seconds``, ``median_ms``, ``per_s``, ``ratio``) and the one-minute load
average (``load_avg_1min``).
"""
