"""A few weeks of past and future bookings, made through the services and the state machine.

Past bookings are requested "as of" an earlier moment (``booking_create(now=...)``) and moved
on with the services, each given the moment it happened (``now=``); the events' times are then
set to that moment (``Timeline``), so that statistics such as the time to fill look real.
After the appointments the mediators report, the institutions confirm, and a few go otherwise
(``aftermath``). Nothing assigns a status directly.

The demo logins have their own appointments, booked first (``logins``), so that every login
has something to do and last month's statement shows money on any day the demo is loaded.
"""

from __future__ import annotations

import datetime
import random

from django.contrib.auth.models import AbstractBaseUser

from bookings.constants import AppointmentKind, GenderPreference, Mode, Status
from bookings.exceptions import NotEligible
from bookings.models import Booking
from bookings.services import booking_approve, booking_cancel, booking_create, booking_refuse
from bookings.services.offers import booking_assign, booking_match
from bookings.state_machine import transition
from core.constants import ActorRole
from core.time import BERLIN
from institutions.constants import InstitutionKind
from institutions.models import Institution
from mediators.models import Dialect, Language, Mediator

from .aftermath import Aftermath
from .catalogue import CASE_PREFIX, INSTITUTIONS, NEEDS
from .logins import book_for_the_logins, within_reach
from .people import DEMO_MEETING_HOST, Cast
from .planner import DemoPlanner
from .profiles import DEMAND
from .timeline import Timeline

PAST_DAYS = 21
FUTURE_DAYS = 21
DAY = datetime.timedelta(days=1)
HOUR = datetime.timedelta(hours=1)
OVER_BUDGET = "Jugendamt der Stadt Willich"

# How often each kind of institution asks (relative weight).
ASKS = {
    InstitutionKind.SCHOOL: 5,
    InstitutionKind.KINDERGARTEN: 4,
    InstitutionKind.YOUTH_OFFICE: 4,
    InstitutionKind.SOCIAL_OFFICE: 2,
    InstitutionKind.JOB_CENTRE: 3,
    InstitutionKind.HEALTH_OFFICE: 2,
    InstitutionKind.COUNSELLING: 2,
    InstitutionKind.SHARED_ACCOMMODATION: 2,
    InstitutionKind.OTHER: 1,
}
NOTES = (
    "",
    "",
    "",
    "Bitte am Empfang melden.",
    "Die Mutter bringt das jüngere Geschwisterkind mit.",
    "Erstgespräch, bitte etwas mehr Zeit einplanen.",
    "Eingang über den Schulhof, Raum 1.12.",
)


class BookingStory:
    def __init__(self, cast: Cast, *, rng: random.Random, now: datetime.datetime) -> None:
        self.cast = cast
        self.rng = rng
        self.now = now
        self.coordinator = cast.coordinator.user
        self.planner = DemoPlanner(cast.mediators, rng)
        self.timeline = Timeline()
        self.languages = {lang.code: lang for lang in Language.objects.all()}
        self.dialects = {
            (d.language.code, d.code): d for d in Dialect.objects.select_related("language")
        }
        self.demo_mediators = [m for m in cast.mediators if m.user.username in ("amira", "yusuf")]
        self.earlier: dict[int, list[Booking]] = {}  # past bookings by institution
        self.held: list[Booking] = []  # past bookings a mediator held: the aftermath's part
        self.fates: dict[int, str] = {}  # the logins' own appointments: what comes after
        self.budgeted = {
            inst.pk
            for inst, data in zip(cast.institutions, INSTITUTIONS, strict=True)
            if data.budget_hours
        }
        self.serial = 100

    # -- the story ---------------------------------------------------------------------
    def run(self) -> None:
        book_for_the_logins(self)
        today = self.now.astimezone(BERLIN).date()
        for offset in range(-PAST_DAYS, FUTURE_DAYS + 1):
            day = today + offset * DAY
            if day.weekday() >= 5:
                continue
            for _ in range(self.rng.randint(3, 6)):
                self.one(day)
        self.over_budget()
        aftermath = Aftermath(self.cast, rng=self.rng, now=self.now, timeline=self.timeline)
        aftermath.run(self.held, fates=self.fates)

    def over_budget(self) -> None:
        """Two requests of a youth office whose budget is used up: they wait for approval."""
        institution = next(i for i in self.cast.institutions if i.name == OVER_BUDGET)
        today = self.now.astimezone(BERLIN).date()
        for weeks in (2, 3):
            day = today + weeks * 7 * DAY
            day -= day.weekday() * DAY - DAY  # a Tuesday
            starts_at = datetime.datetime.combine(day, datetime.time(10), tzinfo=BERLIN)
            self.request(institution, starts_at, self.now - 2 * HOUR, minutes=150)

    def one(self, day: datetime.date) -> None:
        institution = self.rng.choices(
            self.cast.institutions, weights=[ASKS[i.kind] for i in self.cast.institutions]
        )[0]
        starts_at = self._start(day, institution)
        if abs(starts_at - self.now) < 2 * HOUR:
            return  # keep clear of "right now"
        requested_at = min(starts_at - self.rng.randint(14, 25) * DAY, self.now - HOUR)
        booking = self.request(institution, starts_at, requested_at)
        if booking.status == Status.AWAITING_APPROVAL:
            if starts_at > self.now and self.rng.random() < 0.6:
                return  # still waiting for the coordinator
            decided_at = requested_at + DAY
            if self.rng.random() < 0.15:
                booking_refuse(
                    booking=booking,
                    actor=self.coordinator,
                    reason="Das Stundenbudget der Einrichtung ist für dieses Jahr ausgeschöpft.",
                )
                self.timeline.step(decided_at)
                return
            booking_approve(booking=booking, actor=self.coordinator, reason="Budget aufgestockt.")
            self.timeline.step(decided_at)
        if starts_at < self.now:
            self._past(booking, requested_at)
        else:
            self._future(booking, requested_at)

    def _past(self, booking: Booking, requested_at: datetime.datetime) -> None:
        if self.rng.random() < 0.06:
            self._cancel_by_institution(booking, booking.starts_at - 3 * DAY)
            return
        mediator = self.assign(booking, requested_at + self.rng.randint(1, 4) * DAY)
        if mediator is None:
            self.unfilled(booking)
            return
        if self.rng.random() < 0.05:  # the mediator gives it back; someone else steps in
            withdrawn_at = booking.starts_at - 2 * DAY
            booking_cancel(
                booking=booking,
                actor=mediator.user,
                reason="Ich bin an dem Tag leider krank.",
                now=withdrawn_at,
            )
            self.timeline.step(withdrawn_at)
            self.planner.release(booking, mediator)
            mediator = self.assign(booking, withdrawn_at + 3 * HOUR, exclude=mediator.pk)
            if mediator is None:
                self.unfilled(booking)
                return
        self.took_place(booking)

    def _future(self, booking: Booking, requested_at: datetime.datetime) -> None:
        lead = booking.starts_at - self.now
        if lead > 2 * DAY and self.rng.random() < 0.05:
            self._cancel_by_institution(booking, self.now - HOUR)
            return
        share_confirmed = 0.8 if lead < 7 * DAY else 0.35
        if self.rng.random() > share_confirmed:
            self._match(booking, requested_at)
            return
        assigned_at = min(requested_at + self.rng.randint(1, 4) * DAY, self.now - HOUR)
        if self.assign(booking, assigned_at) is None:
            if lead < DAY:
                self.unfilled(booking)
            else:
                self._match(booking, requested_at)

    # -- steps ---------------------------------------------------------------------------
    def request(
        self,
        institution: Institution,
        starts_at: datetime.datetime,
        requested_at: datetime.datetime,
        *,
        minutes: int | None = None,
        suits: Mediator | None = None,
    ) -> Booking:
        """A request as the institution's staff make it; ``suits``: one the mediator can take
        (their language, no gender preference, on site only within their travel range)."""
        rng = self.rng
        field, topics, children = rng.choice(NEEDS[institution.kind])
        follow_up = None
        earlier = self.earlier.get(institution.pk) or []
        if suits is None and starts_at > self.now and earlier and rng.random() < 0.3:
            follow_up = rng.choice(earlier)
        if suits is not None:
            spoken = suits.languages.order_by("-level", "pk")[0]
            language, dialect = spoken.language, spoken.dialect
        elif follow_up:
            language, dialect = follow_up.language, follow_up.dialect
        else:
            code, dialect_code, _ = rng.choices(DEMAND, weights=[w for *_, w in DEMAND])[0]
            language, dialect = self.languages[code], self.dialects.get((code, dialect_code))
        mode = rng.choices([Mode.ON_SITE, Mode.PHONE, Mode.VIDEO], weights=[16, 2, 2])[0]
        if suits is not None:
            mode = Mode.ON_SITE if within_reach(suits, institution) else Mode.VIDEO
            topics = tuple(t for t in topics if t not in (suits.declined_topics or [])) or ("",)
        kind = AppointmentKind.CONVERSATION
        if institution.kind == InstitutionKind.SCHOOL and starts_at.astimezone(BERLIN).hour >= 17:
            kind = AppointmentKind.PARENTS_EVENING
        elif rng.random() < 0.2:
            kind = AppointmentKind.INTAKE
        self.serial += 1
        requester = rng.choice(self.cast.requesters[institution.pk])
        booking = booking_create(
            requester=requester.user,
            institution=institution,
            language=language,
            dialect=dialect,
            starts_at=starts_at,
            duration_minutes=minutes or rng.choice([30, 45, 60, 60, 60, 90, 120]),
            mode=mode,
            location=rng.choice(list(institution.locations.all()))
            if mode == Mode.ON_SITE
            else None,
            field=field,
            topic=rng.choice(topics),
            kind=kind,
            with_children=children and rng.random() < 0.7,
            sensitive=rng.random() < 0.1,
            gender_preference=""
            if suits is not None or rng.random() >= 0.08
            else GenderPreference.FEMALE,
            follow_up_of=follow_up,
            case_reference=follow_up.case_reference
            if follow_up
            else f"{CASE_PREFIX[institution.kind]}-{starts_at.year}-{self.serial:04d}",
            notes=rng.choice(NOTES),
            # Every other video appointment comes with its link (no random draw: the rest of
            # the story stays as it was); the others wait for one, as in real life.
            meeting_url=f"https://{DEMO_MEETING_HOST}/sprachmittlung-{self.serial:04d}"
            if mode == Mode.VIDEO and self.serial % 2
            else "",
            funding_source=self.cast.funding if institution.pk in self.budgeted else None,
            now=requested_at,
        )
        Timeline.date(booking, requested_at)
        self.timeline.step(requested_at)
        return booking

    def assign(
        self,
        booking: Booking,
        at: datetime.datetime,
        *,
        exclude: int | None = None,
        prefer: int | None = None,
    ) -> Mediator | None:
        if prefer is None and booking.follow_up_of:
            prefer = booking.follow_up_of.mediator_id
        if prefer is None and booking.language.code == "ara" and self.rng.random() < 0.5:
            prefer = self.rng.choice(self.demo_mediators).pk
        excluded = {exclude} if exclude else set()
        for _ in range(3):  # the engine has the last word on eligibility
            mediator = self.planner.pick(booking, prefer=prefer, exclude=excluded)
            if mediator is None:
                return None
            try:
                booking_assign(booking=booking, mediator=mediator, actor=self.coordinator, now=at)
            except NotEligible:
                excluded.add(mediator.pk)
                prefer = None
                continue
            Timeline.date(booking, at, field="confirmed_at")
            self.timeline.step(at)
            self.planner.hold(booking, mediator)
            return mediator
        return None

    def _match(self, booking: Booking, requested_at: datetime.datetime) -> None:
        """The engine's current round of offers (or unfilled, when nobody is left to ask). A
        request of the last hours waits for its first round, which the engine makes once the
        demo is committed."""
        if requested_at > self.now - 2 * HOUR:
            return
        booking_match(booking_id=booking.pk, now=self.now)
        self.timeline.step(self.now)

    def unfilled(self, booking: Booking) -> None:
        transition(
            booking,
            to=Status.UNFILLED,
            actor_role=ActorRole.SYSTEM,
            reason="Bis zur Frist wurde niemand gefunden.",
        )
        self.timeline.step(booking.starts_at - booking.pool.fill_deadline_hours * HOUR)

    def _cancel_by_institution(self, booking: Booking, at: datetime.datetime) -> None:
        booking.refresh_from_db()
        mediator = booking.mediator
        booking_cancel(
            booking=booking,
            actor=self._requester(booking),
            reason=self.rng.choice(
                ["Die Familie ist umgezogen.", "Termin wurde verschoben.", "Das Gespräch entfällt."]
            ),
            now=at,
        )
        self.timeline.step(at)
        if mediator is not None:
            self.planner.release(booking, mediator)

    # -- helpers -------------------------------------------------------------------------
    def took_place(self, booking: Booking) -> None:
        self.held.append(booking)
        self.earlier.setdefault(booking.institution_id, []).append(booking)

    def _requester(self, booking: Booking) -> AbstractBaseUser:
        return booking.requested_by or self.cast.requesters[booking.institution_id][0].user

    def _start(self, day: datetime.date, institution: Institution) -> datetime.datetime:
        if institution.kind == InstitutionKind.SCHOOL and self.rng.random() < 0.2:
            hour, minute = self.rng.choice([(17, 0), (17, 30), (18, 0)])
        else:
            hour, minute = self.rng.randint(8, 15), self.rng.choice([0, 15, 30, 45])
        return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=BERLIN)


def create_bookings(cast: Cast, *, rng: random.Random, now: datetime.datetime) -> None:
    BookingStory(cast, rng=rng, now=now).run()
