"""``/metrics`` for Prometheus, behind a bearer token (``METRICS_TOKEN``).

Request latencies are a histogram the middleware fills in each web process (with several
gunicorn workers set ``PROMETHEUS_MULTIPROC_DIR``; ``scripts/serve web`` does, and
``config/gunicorn.py`` forgets a dead worker's files). The rest is read from the database at
each scrape, so every web process answers the same figures:

- ``spm_outbox_depth{status}``: messages pending / sending;
- ``spm_outbox_oldest_pending_age_seconds``: how long the oldest pending message has been due;
- ``spm_outbox_failed``: messages that failed for good (the coordinators' work list shows them);
- ``spm_offers_pending`` and ``spm_offers_expiring`` (pending, expiring within the hour);
- ``spm_requests_unfilled``: bookings nobody was found for, the appointment still ahead;
- ``spm_heartbeat_timestamp_seconds{process}``: the last beat and worker heartbeat.
"""

from __future__ import annotations

import datetime
import hmac
import os
import time

from django.conf import settings
from django.db.models import Min
from django.http import Http404, HttpResponse, HttpResponseForbidden
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily

OFFERS_EXPIRING_WITHIN = datetime.timedelta(hours=1)

REQUEST_LATENCY = Histogram(
    "spm_http_request_duration_seconds",
    "Time from the request entering Django to the response leaving it.",
    ["method", "route", "status"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0),
)


class MetricsMiddleware:
    """Times every request by its route pattern (``api/v1/bookings/<int:pk>/``), never by
    its path: a path holds ids, and ids would make a label per booking."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        route = getattr(match, "route", None) or "unmatched"
        REQUEST_LATENCY.labels(request.method, route, f"{response.status_code // 100}xx").observe(
            time.perf_counter() - started
        )
        return response


class DatabaseCollector:
    """The outbox, offers, requests and heartbeats, read at scrape time."""

    def __init__(self, now: datetime.datetime | None = None) -> None:
        self.now = now

    def collect(self):
        from bookings.constants import OfferStatus, Status
        from bookings.models import Booking, Offer
        from core.heartbeat import Heartbeat
        from notifications.constants import MessageStatus
        from notifications.models import Message

        now = self.now or timezone.now()
        depth = GaugeMetricFamily(
            "spm_outbox_depth", "Outbox messages waiting to go out.", labels=["status"]
        )
        for status in (MessageStatus.PENDING, MessageStatus.SENDING):
            depth.add_metric([str(status)], Message.objects.filter(status=status).count())
        yield depth
        oldest = Message.objects.filter(status=MessageStatus.PENDING).aggregate(
            at=Min("next_attempt_at")
        )["at"]
        yield GaugeMetricFamily(
            "spm_outbox_oldest_pending_age_seconds",
            "Seconds the oldest pending message has been due (0 when none is).",
            value=max(0.0, (now - oldest).total_seconds()) if oldest else 0.0,
        )
        yield GaugeMetricFamily(
            "spm_outbox_failed",
            "Messages that failed for good.",
            value=Message.objects.filter(status=MessageStatus.FAILED).count(),
        )
        pending = Offer.objects.filter(status=OfferStatus.PENDING)
        yield GaugeMetricFamily("spm_offers_pending", "Offers awaiting an answer.", pending.count())
        yield GaugeMetricFamily(
            "spm_offers_expiring",
            "Pending offers that expire within the hour.",
            pending.filter(expires_at__lt=now + OFFERS_EXPIRING_WITHIN).count(),
        )
        yield GaugeMetricFamily(
            "spm_requests_unfilled",
            "Bookings nobody was found for, the appointment still ahead.",
            Booking.objects.filter(status=Status.UNFILLED, starts_at__gte=now).count(),
        )
        beats = GaugeMetricFamily(
            "spm_heartbeat_timestamp_seconds",
            "Unix time of the last heartbeat of Celery beat and of a worker.",
            labels=["process"],
        )
        for name, at in Heartbeat.objects.values_list("name", "at"):
            beats.add_metric([name], at.timestamp())
        yield beats


def registry(now: datetime.datetime | None = None) -> CollectorRegistry:
    """A fresh registry per scrape: this process's (or every worker's) latencies, and the
    database figures."""
    from prometheus_client import REGISTRY

    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        reg = CollectorRegistry()
        multiprocess.MultiProcessCollector(reg)
    else:
        reg = CollectorRegistry()
        reg.register(_Forward(REGISTRY))
    reg.register(DatabaseCollector(now))
    return reg


class _Forward:
    def __init__(self, source: CollectorRegistry) -> None:
        self.source = source

    def collect(self):
        return self.source.collect()


def _authorised(request) -> bool:
    token = settings.METRICS_TOKEN
    given = request.headers.get("Authorization", "")
    return given.startswith("Bearer ") and hmac.compare_digest(
        given.removeprefix("Bearer ").encode(), token.encode()
    )


@never_cache
@require_GET
def metrics(request):
    if not settings.METRICS_TOKEN:
        raise Http404  # not configured: the endpoint does not exist
    if not _authorised(request):
        return HttpResponseForbidden("metrics need the bearer token\n", content_type="text/plain")
    return HttpResponse(generate_latest(registry()), content_type=CONTENT_TYPE_LATEST)
