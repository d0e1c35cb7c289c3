import logging

from celery import shared_task

from core.heartbeat import WORKER, beat

log = logging.getLogger(__name__)


@shared_task(ignore_result=True, expires=55)
def heartbeat() -> None:
    """Sent by beat every minute (it stamps ``beat`` when it sends, see ``ops.signals``);
    the worker that runs it stamps ``worker``."""
    beat(WORKER)
    log.info("worker heartbeat stamped")
