"""Two mediators accept their offers for one booking at the same moment, on a SQLite file.

Run by ``test_concurrency_sqlite.py`` in a process of its own, with ``DATABASE_URL`` naming a
SQLite file (pytest's SQLite test database lives in memory, shared by one process):

    python -m tests.bookings.matching.sqlite_race ROUNDS

It migrates that file, then in every round offers one booking to two mediators and posts both
accepts through the API from two threads (two database connections), released together by a
barrier. The requests run on the real clock, so the offers are made on it too. The last line
of its output is JSON: what each round answered and left in the database.
"""

from __future__ import annotations

import datetime
import json
import sys
import threading
from collections import Counter

import django

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402
from rest_framework.test import APIClient  # noqa: E402

from bookings.constants import Status  # noqa: E402
from bookings.models import Booking, BookingEvent, Offer  # noqa: E402
from bookings.services.offers import booking_match  # noqa: E402
from notifications.models import Message  # noqa: E402

from .scenario import at, bulk_mediators, make_booking, make_pool  # noqa: E402

MEDIATORS = 2


def accept_at_once(offers: list[Offer], users: dict) -> tuple[list[int], list[str]]:
    """POST every offer's accept from its own thread and connection, all released together:
    the status codes (in the offers' order) and the server errors' exceptions."""
    barrier = threading.Barrier(len(offers))
    codes = [0] * len(offers)
    errors: list[str] = []

    def accept(index: int, offer: Offer) -> None:
        try:
            client = APIClient(raise_request_exception=False)
            client.force_authenticate(user=users[offer.mediator_id])
            barrier.wait(timeout=60)
            response = client.post(f"/api/v1/offers/{offer.pk}/accept/")
            codes[index] = response.status_code
            if response.status_code >= 500 and response.exc_info:
                errors.append(repr(response.exc_info[1]))
        finally:
            connection.close()

    threads = [threading.Thread(target=accept, args=item) for item in enumerate(offers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return codes, errors


def message_kinds(booking: Booking) -> Counter:
    return Counter(Message.objects.filter(booking=booking).values_list("kind", flat=True))


def play_round(pool, users: dict, day: datetime.date) -> dict:
    booking = make_booking(pool, starts_at=at(day), institution=None)
    booking.institution.email = "schule@example.org"
    booking.institution.save(update_fields=["email"])
    offers = booking_match(booking_id=booking.pk)
    messages_before = message_kinds(booking)

    codes, errors = accept_at_once(offers, users)

    booking = Booking.objects.get(pk=booking.pk)
    messages = message_kinds(booking)
    messages.subtract(messages_before)
    return {
        "codes": codes,
        "errors": errors,
        "status": booking.status,
        "mediator": booking.mediator_id,
        "offers": [
            {"mediator": offer.mediator_id, "status": Offer.objects.get(pk=offer.pk).status}
            for offer in offers
        ],
        "confirmed_events": BookingEvent.objects.filter(
            booking=booking, to_status=Status.CONFIRMED
        ).count(),
        "new_messages": dict(+messages),
    }


def main(rounds: int) -> None:
    call_command("migrate", interactive=False, verbosity=0)
    pool = make_pool(offer_strategy="broadcast", broadcast_size=MEDIATORS)
    mediators = bulk_mediators(pool, MEDIATORS, prefix="race")
    for mediator in mediators:
        mediator.user.email = f"{mediator.user.username}@example.org"
        mediator.user.save(update_fields=["email"])
    users = {mediator.pk: mediator.user for mediator in mediators}
    first_day = timezone.localdate() + datetime.timedelta(days=14)
    results = [
        play_round(pool, users, first_day + datetime.timedelta(days=round_))
        for round_ in range(rounds)
    ]
    print(json.dumps(results))


if __name__ == "__main__":
    main(int(sys.argv[1]))
