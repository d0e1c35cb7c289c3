"""The garbage collector of a serving process (ops/garbage.py): what the process loaded is
frozen, the young generation collected every 7,000 allocations, and cycles still freed
without anyone calling ``gc.collect()``. Its effect on CPU is measured by ``make loadtest``
(docs/operations.md), not here."""

from __future__ import annotations

import gc
import importlib.util
import weakref
from pathlib import Path

import pytest
from celery import signals

from ops.garbage import GEN0, gc_tune

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def collector():
    """Whatever a test does to this (pytest's) process's collector is undone after it."""
    before = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*before)


def test_tuning_freezes_what_is_loaded_and_raises_the_young_generations_threshold(collector):
    assert gc_tune() == (GEN0, 10, 10) == gc.get_threshold()
    assert GEN0 == 7000
    assert gc.get_freeze_count() > 10_000  # Django, the apps, pytest: all loaded by now


class Node:
    def __init__(self) -> None:
        self.other: Node | None = None


def test_a_cycle_made_after_tuning_is_still_freed_by_the_collector_alone(collector):
    gc_tune()
    a, b = Node(), Node()
    a.other, b.other = b, a  # a cycle: reference counting alone never frees it
    gone = weakref.ref(a)
    del a, b
    assert gone() is not None
    kept = []
    for _ in range(3 * GEN0):  # enough allocations for young-generation collections
        kept.append([])
        if gone() is None:
            break
    assert gone() is None


def test_gunicorn_workers_tune_the_collector_once_the_app_is_loaded(collector):
    spec = importlib.util.spec_from_file_location("gunicorn_conf", ROOT / "config/gunicorn.py")
    conf = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(conf)
    gc.set_threshold(700, 10, 10)

    conf.post_worker_init(worker=None)

    assert gc.get_threshold() == (GEN0, 10, 10)
    assert gc.get_freeze_count() > 0


def test_celery_worker_processes_tune_the_collector_when_they_start(collector):
    from config.celery_app import tune_garbage_collector

    receivers = [
        ref() if isinstance(ref, weakref.ref) else ref
        for _key, ref in signals.worker_process_init.receivers
    ]
    assert tune_garbage_collector in receivers
    gc.set_threshold(700, 10, 10)

    tune_garbage_collector(sender=None)

    assert gc.get_threshold() == (GEN0, 10, 10)
