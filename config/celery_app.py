"""The Celery application: broker and result backend from settings (REDIS_URL)."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

app = Celery("sprachmittlerpool")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
