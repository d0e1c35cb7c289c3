"""/metrics: Prometheus text behind a bearer token; its figures are the database's."""

import datetime

import pytest
from prometheus_client.parser import text_string_to_metric_families

from bookings.constants import OfferStatus, Status
from core.heartbeat import BEAT, WORKER, beat
from notifications.constants import MessageKind, MessageStatus
from notifications.models import Message
from tests.bookings.factories import BookingFactory, OfferFactory
from tests.bookings.lifecycle import berlin
from tests.clock import frozen
from tests.institutions.factories import PoolFactory

pytestmark = pytest.mark.django_db

NOW = berlin(2027, 3, 15, 9, 0)
TOKEN = "s3cret-metrics-token"
MINUTE = datetime.timedelta(minutes=1)


@pytest.fixture
def token(settings):
    settings.METRICS_TOKEN = TOKEN
    return TOKEN


def scrape(client) -> dict[tuple[str, tuple], float]:
    response = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    samples = {}
    for family in text_string_to_metric_families(response.content.decode()):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def message(pool, n: int, status: str, due: datetime.datetime) -> Message:
    return Message.objects.create(
        pool=pool,
        kind=MessageKind.REMINDER,
        idempotency_key=f"metrics-{n}",
        status=status,
        recipient_email=f"person{n}@example.org",
        next_attempt_at=due,
        sent_at=due if status == MessageStatus.SENT else None,
    )


def test_without_a_configured_token_there_is_no_metrics_endpoint(client, settings):
    settings.METRICS_TOKEN = ""
    assert client.get("/metrics", headers={"Authorization": "Bearer "}).status_code == 404


def test_without_the_right_token_metrics_are_forbidden(client, token):
    assert client.get("/metrics").status_code == 403
    assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 403
    assert client.get("/metrics", headers={"Authorization": token}).status_code == 403


@frozen(NOW)
def test_the_figures_parse_and_match_the_database(client, token):
    pool = PoolFactory()
    message(pool, 1, MessageStatus.PENDING, NOW - 7 * MINUTE)  # the oldest pending
    message(pool, 2, MessageStatus.PENDING, NOW - MINUTE)
    message(pool, 3, MessageStatus.PENDING, NOW + MINUTE)  # a retry, due later
    message(pool, 4, MessageStatus.SENDING, NOW)
    message(pool, 5, MessageStatus.FAILED, NOW - 60 * MINUTE)
    message(pool, 6, MessageStatus.FAILED, NOW - 60 * MINUTE)
    message(pool, 7, MessageStatus.SENT, NOW - 60 * MINUTE)
    OfferFactory(booking__institution__pool=pool, expires_at=NOW + 30 * MINUTE)  # expiring
    OfferFactory(booking__institution__pool=pool, expires_at=NOW + 24 * 60 * MINUTE)
    OfferFactory(booking__institution__pool=pool, status=OfferStatus.DECLINED)
    BookingFactory(institution__pool=pool, status=Status.UNFILLED, starts_at=NOW + 60 * MINUTE)
    BookingFactory(institution__pool=pool, status=Status.UNFILLED, starts_at=NOW - 60 * MINUTE)
    beat(BEAT, now=NOW - 2 * MINUTE)
    beat(WORKER, now=NOW - MINUTE)
    client.get("/healthz")  # one request timed before the scrape

    seen = scrape(client)

    assert seen[("spm_outbox_depth", (("status", "pending"),))] == 3
    assert seen[("spm_outbox_depth", (("status", "sending"),))] == 1
    assert seen[("spm_outbox_oldest_pending_age_seconds", ())] == 7 * 60
    assert seen[("spm_outbox_failed", ())] == 2
    assert seen[("spm_offers_pending", ())] == 2
    assert seen[("spm_offers_expiring", ())] == 1
    assert seen[("spm_requests_unfilled", ())] == 1
    assert (
        seen[("spm_heartbeat_timestamp_seconds", (("process", "beat"),))]
        == (NOW - 2 * MINUTE).timestamp()
    )
    assert (
        seen[("spm_heartbeat_timestamp_seconds", (("process", "worker"),))]
        == (NOW - MINUTE).timestamp()
    )
    healthz = (("method", "GET"), ("route", "healthz"), ("status", "2xx"))
    assert seen[("spm_http_request_duration_seconds_count", healthz)] >= 1


@frozen(NOW)
def test_an_empty_outbox_has_no_age(client, token):
    seen = scrape(client)

    assert seen[("spm_outbox_depth", (("status", "pending"),))] == 0
    assert seen[("spm_outbox_oldest_pending_age_seconds", ())] == 0
