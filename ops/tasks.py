from celery import shared_task

from core.heartbeat import WORKER, beat


@shared_task(ignore_result=True, expires=55)
def heartbeat() -> None:
    """Sent by beat every minute (it stamps ``beat`` when it sends, see ``ops.signals``);
    the worker that runs it stamps ``worker``."""
    beat(WORKER)
