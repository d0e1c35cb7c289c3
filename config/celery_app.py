"""The Celery application: broker and result backend from settings (REDIS_URL)."""

import os

from celery import Celery, signals

# Without a settings module named, a worker or beat runs with the production settings (as
# config/wsgi.py does), never with the development ones.
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")

app = Celery("sprachmittlerpool")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@signals.worker_process_init.connect
def tune_garbage_collector(**kwargs) -> None:
    """A worker process has loaded the app: set the garbage collector for a long-running
    process, as gunicorn's workers do (ops/garbage.py)."""
    from ops.garbage import gc_tune

    gc_tune()


@signals.task_prerun.connect
@signals.task_postrun.connect
def close_old_connections(sender=None, **kwargs) -> None:
    """Around each task what Django does around each request: drop a connection older than
    CONN_MAX_AGE or broken, and health-check a kept one before it is used again (tasks run
    eagerly inside a request or a test are left alone)."""
    if getattr(getattr(sender, "request", None), "is_eager", False):
        return
    from django.db import close_old_connections

    close_old_connections()
