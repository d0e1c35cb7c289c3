"""The commit of a real request, in a test whose transaction never commits.

A test marked ``django_db`` runs inside one transaction that is rolled back at the end, so
what a service leaves for after its commit (``transaction.on_commit``: the tasks queued
through ``config.queue``, e.g. the settlement of an answer to an offer) never runs. Inside
``after_commit()`` the callbacks registered by the block run when it ends - as they would
at the commit, in order, and those they register in turn too (eagerly, with the test
settings' ``CELERY_TASK_ALWAYS_EAGER``) - also when the block raises.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import Any

from django.test import TestCase


def after_commit() -> AbstractContextManager[Any]:
    return TestCase.captureOnCommitCallbacks(execute=True)
