"""What runs while ``make faults`` lets the stack fail (scripts/faults.py): a little data,
deliveries written at a steady rate, clients reading in a loop, and the count of what arrived
(never used by the product). Django must be set up against the stack's database.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.support.private_stack import http_get, wait_until

STREAM, HELD = "stream@example.org", "held@example.org"


@dataclass
class Data:
    stream_pool: Any
    held_pool: Any
    tokens: list[str]


def load_data(users: int = 3) -> Data:
    from knox.models import AuthToken

    from tests.bookings.factories import BookingFactory
    from tests.institutions.factories import (
        CoordinatorFactory,
        PoolFactory,
        StaffFactory,
        UserFactory,
    )

    stream = PoolFactory(slug="faults-stream")
    CoordinatorFactory(pool=stream, user=UserFactory(username="stream", email=STREAM))
    held = PoolFactory(slug="faults-held")
    CoordinatorFactory(pool=held, user=UserFactory(username="held", email=HELD))
    tokens = []
    for n in range(users):
        staff = StaffFactory(institution__pool=stream, user=UserFactory(username=f"staff{n}"))
        for _ in range(5):
            BookingFactory(institution=staff.institution, requested_by=staff.user)
        tokens.append(AuthToken.objects.create(staff.user)[1])
    return Data(stream_pool=stream, held_pool=held, tokens=tokens)


def _db_errors() -> tuple[type[BaseException], ...]:
    from django.db import InterfaceError, OperationalError

    return (OperationalError, InterfaceError)


def retrying(action: Callable[[], Any], *, timeout: float = 120) -> Any:
    """Run a query of the driver's own, again while the database is away."""
    from django.db import close_old_connections, connection

    deadline = time.monotonic() + timeout
    while True:
        close_old_connections()
        try:
            return action()
        except _db_errors():
            connection.close()
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)


def queue_alert(pool: Any, text: str) -> None:
    """One delivery, written as a web process writes it: outbox row and, after the commit,
    its task."""
    from django.db import transaction

    from bookings.messages.hooks import alert_notify
    from bookings.models import Alert

    with transaction.atomic():
        alert_notify(alert=Alert.objects.create(pool=pool, kind="fault", message=text))


class Producer(threading.Thread):
    """Writes deliveries at a steady rate; a write the database refuses is not counted (the
    rows counted later are the committed ones)."""

    def __init__(self, pool: Any, rate: float) -> None:
        super().__init__(daemon=True)
        self.pool, self.rate = pool, rate
        self.halt = threading.Event()
        self.refused = 0

    def run(self) -> None:
        from django.db import close_old_connections, connection

        n = 0
        while not self.halt.is_set():
            close_old_connections()
            try:
                queue_alert(self.pool, f"fault stream {n}")
            except _db_errors():
                self.refused += 1
                connection.close()
            n += 1
            self.halt.wait(1 / self.rate)
        connection.close()


@dataclass
class Answer:
    path: str
    status: int
    content_type: str
    retry_after: str


class Requests:
    """Clients reading the API (one token each), a page and /readyz, in a loop."""

    PATHS = ("/api/v1/bookings/", "/api/v1/languages/", "/accounts/login/", "/readyz")

    def __init__(self, base_url: str, tokens: list[str]) -> None:
        self.base_url, self.tokens = base_url, tokens
        self.answers: list[Answer] = []
        self.lock = threading.Lock()
        self.halt = threading.Event()
        self.threads = [threading.Thread(target=self._run, args=(t,), daemon=True) for t in tokens]

    def _run(self, token: str) -> None:
        n = 0
        while not self.halt.is_set():
            path = self.PATHS[n % len(self.PATHS)]
            n += 1
            headers = {"Authorization": f"Token {token}"} if path.startswith("/api/") else {}
            status, response_headers, _body = http_get(self.base_url + path, headers=headers)
            lowered = {k.lower(): v for k, v in response_headers.items()}
            with self.lock:
                self.answers.append(
                    Answer(
                        path,
                        status,
                        lowered.get("content-type", ""),
                        lowered.get("retry-after", ""),
                    )
                )
            self.halt.wait(0.05)

    def __enter__(self) -> Requests:
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.halt.set()
        for thread in self.threads:
            thread.join(timeout=60)

    def summary(self) -> dict[str, Any]:
        with self.lock:
            answers = list(self.answers)
        unavailable = [a for a in answers if a.status == 503]
        badly = [
            a
            for a in unavailable
            if not a.retry_after
            or (a.path.startswith("/api/") and "application/json" not in a.content_type)
        ]
        return {
            "requests": len(answers),
            "answered_2xx": sum(200 <= a.status < 300 for a in answers),
            "answered_503": len(unavailable),
            "http_5xx_non_503": sum(a.status >= 500 and a.status != 503 for a in answers),
            "no_answer": sum(a.status == 0 for a in answers),
            # A 503 must say when to come back, and in JSON under /api/.
            "answered_503_badly": len(badly),
            **({"badly": sorted({f"{a.path} {a.content_type}" for a in badly})} if badly else {}),
            **(
                {
                    "non_503": sorted(
                        {
                            f"{a.path} {a.status}"
                            for a in answers
                            if a.status >= 500 and a.status != 503
                        }
                    )
                }
                if any(a.status >= 500 and a.status != 503 for a in answers)
                else {}
            ),
        }


# -- counting --------------------------------------------------------------------------------


FINAL = ("sent", "failed", "skipped")


def message_ids_since(first_pk: int) -> dict[str, str]:
    """Message-ID -> status of the outbox rows written since ``first_pk``."""
    from notifications.models import Message
    from notifications.rendering import message_id

    rows = retrying(lambda: list(Message.objects.filter(pk__gt=first_pk)))
    return {message_id(row): row.status for row in rows}


def last_pk() -> int:
    from notifications.models import Message

    return (
        retrying(lambda: Message.objects.order_by("-pk").values_list("pk", flat=True).first()) or 0
    )


def tally(first_pk: int, counts: Counter[str]) -> dict[str, int]:
    expected = message_ids_since(first_pk)
    delivered = [mid for mid in expected if counts[mid] >= 1]
    return {
        "messages_queued": len(expected),
        "delivered": len(delivered),
        "duplicated": sum(counts[mid] - 1 for mid in delivered),
        "lost": len(expected) - len(delivered),
    }


def wait_delivered(first_pk: int, counts: Callable[[], Counter[str]], *, timeout: float) -> float:
    """Wait until every row since ``first_pk`` was received; returns when (monotonic)."""
    with contextlib.suppress(TimeoutError):
        wait_until(
            lambda: (
                tally(first_pk, counts())["lost"] == 0
                and all(status in FINAL for status in message_ids_since(first_pk).values())
            ),
            timeout=timeout,
            what="every delivery",
            every=0.5,
        )
    return time.monotonic()


# What Django's file back-end ends each message with.
FILE_BACKEND_SEPARATOR = b"\n" + b"-" * 79 + b"\n"


def file_counts(folder: Path) -> Counter[str]:
    """Message-IDs of the whole messages in the .log files Django's file back-end writes.

    The back-end ends each message with a line of 79 dashes. A message the disk filled up in
    the middle of stays in its file cut short (its headers, the Message-ID among them, may
    be there), without that line; the delivery failed with ``ENOSPC`` and the whole message
    follows on its next attempt. A fragment is not a delivery, so it is not counted: only a
    message closed by the line is, by the last Message-ID before the line (a later message
    appended to the same file follows the fragment directly).
    """
    counts: Counter[str] = Counter()
    for path in folder.glob("*.log"):
        *whole, _unfinished = path.read_bytes().split(FILE_BACKEND_SEPARATOR)
        for message in whole:
            ids = [
                line.split(b":", 1)[1].strip().decode()
                for line in message.splitlines()
                if line.lower().startswith(b"message-id:")
            ]
            if ids:
                counts[ids[-1]] += 1
    return counts


def file_fragments(folder: Path) -> int:
    """How many messages the file back-end left cut short (see ``file_counts``)."""
    return sum(
        bool(path.read_bytes().split(FILE_BACKEND_SEPARATOR)[-1]) for path in folder.glob("*.log")
    )
