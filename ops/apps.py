from django.apps import AppConfig


class OpsConfig(AppConfig):
    """Operations: health checks, metrics, request ids in the logs, outage answers."""

    name = "ops"

    def ready(self) -> None:
        from . import signals  # noqa: F401 (connects the Celery signals)
