"""After the appointments, as in life and through the services the API uses.

The mediator reports time and travel (``report_submit``: by car in km, or a public transport
ticket), the institution confirms and mostly leaves feedback (``report_confirm``: closed, with
the allowance by the pool's compensation rule). Reports come a few hours to three days after
the appointment and confirmations a few hours to four days later, so the latest ones still
wait. Three go otherwise: one report is disputed and waits for a coordinator
(``report_dispute``), one appointment is a no-show (``booking_mark_no_show``), and one is
cancelled by the institution within the notice period, after which the mediator reports the
travel already made (``booking_cancel``, ``late_cancellation_travel_report``).

Allowances and monthly statements follow from these services; none is written here (the
story only dates the rows the services wrote, see ``timeline``).
"""

from __future__ import annotations

import datetime
import random
from decimal import Decimal
from typing import Any

from bookings.constants import MAX_ACTUAL_MINUTES, AlertKind, Mode
from bookings.matching.rules import road_km, travel_minutes
from bookings.models import Alert, Allowance, Booking, Feedback
from bookings.services import (
    booking_cancel,
    booking_mark_no_show,
    late_cancellation_travel_report,
    report_confirm,
    report_dispute,
    report_submit,
)

from .people import Cast
from .timeline import Timeline

# What happens after an appointment.
CLOSED = "closed"  # reported and confirmed
REPORTED = "reported"  # waits for the institution's confirmation
UNREPORTED = "unreported"  # waits for the mediator's report
DISPUTED = "disputed"
NO_SHOW = "no_show"
LATE_CANCELLED = "late_cancelled"

HOUR = datetime.timedelta(hours=1)
DAY = datetime.timedelta(days=1)
# The three that go otherwise lie this far back, so that each story ends before "now".
SETTLED = 4 * DAY
# Hours from the end of the appointment to the report, and from the report to the review.
REPORT_HOURS = (2, 3, 5, 18, 22, 26, 45, 70)
REVIEW_HOURS = (1, 4, 20, 24, 28, 50, 75, 96)
# A public transport ticket there and back, in town or to the next town.
TICKETS_CENTS = (720, 720, 1040)
RATINGS = ((5, 50), (4, 30), (3, 15), (2, 5))
COMMENTS = {
    5: (
        "Sehr einfühlsam übersetzt, gerne wieder.",
        "Die Mutter konnte endlich alle Fragen stellen.",
    ),
    4: ("Gute Verständigung.", "Hat gut geklappt, das Gespräch war etwas knapp bemessen."),
    3: ("Verständigung gut, aber zehn Minuten zu spät gekommen.",),
    2: ("Manche Fachbegriffe wurden nicht klar übersetzt.",),
}


class Aftermath:
    def __init__(
        self, cast: Cast, *, rng: random.Random, now: datetime.datetime, timeline: Timeline
    ) -> None:
        self.coordinator = cast.coordinator.user
        self.rng = rng
        self.now = now
        self.timeline = timeline

    def run(self, held: list[Booking], *, fates: dict[int, str]) -> None:
        """``held``: the past bookings a mediator held; ``fates``: those decided beforehand."""
        bookings = list(
            Booking.objects.filter(pk__in=[b.pk for b in held])
            .select_related("mediator__user", "location", "pool", "requested_by__staff")
            .order_by("starts_at", "pk")
        )
        fates = self._three_otherwise([b for b in bookings if b.pk not in fates]) | fates
        for booking in bookings:
            reported_at = booking.ends_at + self._hours(REPORT_HOURS)
            reviewed_at = reported_at + self._hours(REVIEW_HOURS)
            fate = fates.get(booking.pk)
            if fate is None:  # as long as it takes: the latest still wait
                fate = (
                    UNREPORTED
                    if reported_at > self.now - HOUR
                    else REPORTED
                    if reviewed_at > self.now - HOUR
                    else CLOSED
                )
            else:  # decided beforehand: it has happened by now
                reported_at = min(reported_at, booking.ends_at + (self.now - booking.ends_at) / 2)
                reviewed_at = min(reviewed_at, reported_at + (self.now - reported_at) / 2)
            if fate == NO_SHOW:
                self._no_show(booking)
            elif fate == LATE_CANCELLED:
                self._late_cancellation(booking)
            elif fate != UNREPORTED:
                figures = self._report(booking, reported_at, disputed=fate == DISPUTED)
                if fate == DISPUTED:
                    self._dispute(booking, reviewed_at, actual_minutes=figures["actual_minutes"])
                elif fate == CLOSED:
                    self._confirm(booking, reviewed_at)

    def _three_otherwise(self, bookings: list[Booking]) -> dict[int, str]:
        """One disputed report, one no-show, one late cancellation (on site: travel made)."""
        settled = [b for b in bookings if b.ends_at < self.now - SETTLED]
        self.rng.shuffle(settled)
        fates: dict[int, str] = {}
        late = next((b for b in settled if b.mode == Mode.ON_SITE), None)
        if late is not None:
            fates[late.pk] = LATE_CANCELLED
        others = [b for b in settled if b.pk not in fates]
        for booking, fate in zip(others, (DISPUTED, NO_SHOW), strict=False):
            fates[booking.pk] = fate
        return fates

    # -- steps ---------------------------------------------------------------------------
    def _report(
        self, booking: Booking, at: datetime.datetime, *, disputed: bool = False
    ) -> dict[str, Any]:
        extra = self.rng.choice((0, 0, 0, 0, 0, 15, 30, -15))
        if disputed:  # far more than booked
            extra = 60
        figures = {
            "actual_minutes": min(max(booking.duration_minutes + extra, 15), MAX_ACTUAL_MINUTES),
            **self._travel(booking),
        }
        report = report_submit(booking=booking, actor=booking.mediator.user, now=at, **figures)
        self.timeline.step(at)
        Timeline.date(report, at, field="reported_at")
        return figures

    def _confirm(self, booking: Booking, at: datetime.datetime) -> None:
        rating: int | None = None
        comment = ""
        if self.rng.random() < 0.7:
            rating = self.rng.choices([r for r, _ in RATINGS], weights=[w for _, w in RATINGS])[0]
            if self.rng.random() < 0.5:
                comment = self.rng.choice(COMMENTS[rating])
        report_confirm(
            booking=booking, actor=self._staff(booking), rating=rating, comment=comment, now=at
        )
        self.timeline.step(at)
        Feedback.objects.filter(booking=booking).update(created_at=at)
        Allowance.objects.filter(booking=booking).update(created_at=at)

    def _dispute(self, booking: Booking, at: datetime.datetime, *, actual_minutes: int) -> None:
        report_dispute(
            booking=booking,
            actor=self._staff(booking),
            reason=f"Das Gespräch dauerte laut unserem Kalender {booking.duration_minutes} "
            f"Minuten, gemeldet sind {actual_minutes}.",
            now=at,
        )
        self.timeline.step(at)
        Alert.objects.filter(booking=booking, kind=AlertKind.REPORT_DISPUTED).update(created_at=at)

    def _no_show(self, booking: Booking) -> None:
        at = booking.ends_at + self._hours((1, 2, 4))
        booking_mark_no_show(
            booking=booking,
            actor=self.coordinator,
            reason="Die Familie ist nicht erschienen.",
            now=at,
        )
        self.timeline.step(at)

    def _late_cancellation(self, booking: Booking) -> None:
        """Cancelled by the institution shortly before the start, with the mediator on the
        way: the booked time (up to the rule's cap) and the travel made are paid."""
        cancelled_at = booking.starts_at - self.rng.randint(20, 90) * datetime.timedelta(minutes=1)
        booking_cancel(
            booking=booking,
            actor=self._staff(booking),
            reason="Die Familie hat kurz vor dem Termin abgesagt.",
            now=cancelled_at,
        )
        self.timeline.step(cancelled_at)
        late_cancellation_travel_report(
            booking=booking, actor=booking.mediator.user, **self._travel(booking)
        )
        Allowance.objects.filter(booking=booking).update(created_at=cancelled_at)

    # -- figures -------------------------------------------------------------------------
    def _travel(self, booking: Booking) -> dict[str, Any]:
        """There and back: by car (km and time), or by bus and train (a ticket and time)."""
        mediator, place = booking.mediator, booking.location
        if (
            booking.mode != Mode.ON_SITE
            or place is None
            or mediator is None
            or mediator.home_latitude is None
            or mediator.home_longitude is None
        ):
            return {"travel_km": 0}
        one_way = road_km(
            mediator.home_latitude, mediator.home_longitude, place.latitude, place.longitude
        )
        minutes = 2 * travel_minutes(one_way)
        if self.rng.random() < 0.3:
            return {
                "travel_km": 0,
                "travel_minutes": minutes + 20,
                "ticket_cents": self.rng.choice(TICKETS_CENTS),
            }
        return {"travel_km": Decimal(f"{2 * one_way:.1f}"), "travel_minutes": minutes}

    def _hours(self, choices: tuple[int, ...]) -> datetime.timedelta:
        return self.rng.choice(choices) * HOUR + self.rng.randint(0, 59) * datetime.timedelta(
            minutes=1
        )

    @staticmethod
    def _staff(booking: Booking) -> Any:
        """Whoever of the institution asked for the appointment reviews it."""
        return booking.requested_by
