"""Celery tasks of the mediators app."""

from __future__ import annotations

from celery import shared_task

from .applications.services import applications_purge


@shared_task(name="mediators.tasks.purge_applications")
def purge_applications() -> int:
    """Every night: delete the applications past their keeping time (idempotent)."""
    return applications_purge()
