"""Write a generated ``Problem`` into a bench's pool with bulk_create (for the ranking bench).

Held bookings become ``closed`` (before the period) or ``confirmed`` bookings of their
mediator; the open requests become ``requested`` bookings. Places are rounded to
about 100 m and shared, like the locations of real institutions.
"""

from __future__ import annotations

import datetime

from bench.database import BenchPool
from bookings.planner.problem import Problem
from core.text import case_reference_key


def loaded_models() -> list:
    """The tables ``load`` fills: VACUUM ANALYZE them before timing anything."""
    from django.contrib.auth import get_user_model

    from bookings.models import Booking
    from institutions.models import Institution, Location
    from mediators.models import (
        Absence,
        AvailabilitySlot,
        ConflictOfInterest,
        Mediator,
        MediatorLanguage,
    )

    return [
        Institution,
        Location,
        get_user_model(),
        Mediator,
        MediatorLanguage,
        AvailabilitySlot,
        Absence,
        ConflictOfInterest,
        Booking,
    ]


def load(problem: Problem, *, bench: BenchPool, period_start: datetime.date) -> None:  # noqa: PLR0915
    """Write ``problem`` into the (empty) pool of ``bench``, in one transaction."""
    from django.contrib.auth import get_user_model
    from django.db import transaction

    from bookings.constants import Field, Mode, Status
    from bookings.models import Booking
    from institutions.models import Institution, Location
    from mediators.models import Absence as AbsenceRow
    from mediators.models import (
        AvailabilitySlot,
        ConflictOfInterest,
        Mediator,
        MediatorLanguage,
    )

    pool = bench.pool
    with transaction.atomic():
        town = bench.town("Bench", latitude=51.26, longitude=6.39)
        institution_ids = sorted({r.institution_id for r in problem.requests} | {0})
        institutions = dict(
            zip(
                institution_ids,
                Institution.objects.bulk_create(
                    Institution(pool=pool, name=f"Einrichtung {i}", kind="school", town=town)
                    for i in institution_ids
                ),
                strict=True,
            )
        )
        places: dict[tuple[float, float], Location] = {}

        def place(lat: float | None, lon: float | None) -> tuple[float, float] | None:
            if lat is None or lon is None:
                return None
            key = (round(lat, 3), round(lon, 3))
            places.setdefault(key, None)  # type: ignore[arg-type]
            return key

        held_places = [
            [place(h.latitude, h.longitude) if h.on_site else None for h in m.held]
            for m in problem.mediators
        ]
        request_places = [
            place(r.latitude, r.longitude) if r.on_site else None for r in problem.requests
        ]
        rows = Location.objects.bulk_create(
            (
                Location(
                    institution=institutions[0],
                    name="Haus",
                    address=f"Weg {n}",
                    postal_code="41747",
                    town=town,
                    latitude=lat,
                    longitude=lon,
                )
                for n, (lat, lon) in enumerate(places)
            ),
            batch_size=5000,
        )
        places = dict(zip(places, rows, strict=True))
        languages = {}
        dialects = {}
        codes = {c for m in problem.mediators for c, _ in m.languages} | {
            r.language for r in problem.requests
        }
        for code in sorted(codes):
            languages[code] = bench.language(code)
        for code, dialect in sorted(
            {(c, d) for m in problem.mediators for c, d in m.languages if d}
            | {(r.language, r.dialect) for r in problem.requests if r.dialect}
        ):
            dialects[code, dialect] = bench.dialect(languages[code], dialect)
        user_model = get_user_model()
        users = user_model.objects.bulk_create(
            (
                user_model(username=bench.username(m.id), last_name=str(m.id))
                for m in problem.mediators
            ),
            batch_size=5000,
        )
        vetted_on = datetime.date(2025, 1, 15)
        mediators = Mediator.objects.bulk_create(
            (
                Mediator(
                    user=u,
                    pool=pool,
                    gender=m.gender,
                    home_postal_code="41747",
                    home_latitude=m.latitude,
                    home_longitude=m.longitude,
                    max_travel_km=m.max_travel_km,
                    max_hours_per_week=m.max_minutes_per_week // 60,
                    max_hours_per_month=m.max_minutes_per_month // 60,
                    training_completed_on=vetted_on if m.vetted else None,
                    pledge_signed_on=vetted_on if m.vetted else None,
                    police_certificate_valid_until=m.police_certificate_valid_until,
                    declined_topics=sorted(m.declined_topics),
                )
                for m, u in zip(problem.mediators, users, strict=True)
            ),
            batch_size=5000,
        )
        MediatorLanguage.objects.bulk_create(
            (
                MediatorLanguage(
                    mediator=row, language=languages[c], dialect=dialects.get((c, d)) if d else None
                )
                for m, row in zip(problem.mediators, mediators, strict=True)
                for c, d in sorted(m.languages, key=lambda x: (x[0], x[1] or ""))
            ),
            batch_size=5000,
        )
        AvailabilitySlot.objects.bulk_create(
            (
                AvailabilitySlot(
                    mediator=row, weekday=s.weekday, start_time=s.start, end_time=s.end
                )
                for m, row in zip(problem.mediators, mediators, strict=True)
                for s in m.slots
            ),
            batch_size=5000,
        )
        AbsenceRow.objects.bulk_create(
            AbsenceRow(mediator=row, starts_on=a.starts_on, ends_on=a.ends_on)
            for m, row in zip(problem.mediators, mediators, strict=True)
            for a in m.absences
        )
        ConflictOfInterest.objects.bulk_create(
            ConflictOfInterest(
                mediator=row,
                institution_id=institution_id,
                case_reference=c,
                reference_key=case_reference_key(c),
            )
            for m, row in zip(problem.mediators, mediators, strict=True)
            for institution_id, c in m.conflict_cases
        )
        period = datetime.datetime.combine(period_start, datetime.time(0), tzinfo=datetime.UTC)
        held = []
        for m, row, spots in zip(problem.mediators, mediators, held_places, strict=True):
            language = languages[min(c for c, _ in m.languages)]
            for h, spot in zip(m.held, spots, strict=True):
                held.append(
                    Booking(
                        pool=pool,
                        institution=institutions[0],
                        language=language,
                        starts_at=h.starts_at,
                        duration_minutes=int((h.ends_at - h.starts_at).total_seconds() // 60),
                        ends_at=h.ends_at,
                        mode=Mode.ON_SITE if h.on_site else Mode.PHONE,
                        location=places[spot] if spot else None,
                        field=Field.SCHOOL,
                        status=Status.CLOSED if h.starts_at < period else Status.CONFIRMED,
                        mediator=row,
                    )
                )
        Booking.objects.bulk_create(held, batch_size=5000)
        Booking.objects.bulk_create(
            (
                Booking(
                    pool=pool,
                    institution=institutions[r.institution_id],
                    language=languages[r.language],
                    dialect=dialects.get((r.language, r.dialect)) if r.dialect else None,
                    starts_at=r.starts_at,
                    duration_minutes=r.duration_minutes,
                    ends_at=r.ends_at,
                    mode=Mode.ON_SITE if r.on_site else Mode.PHONE,
                    location=places[spot] if spot else None,
                    field=Field.SCHOOL,
                    topic=r.topic,
                    with_children=r.with_children,
                    gender_preference=r.gender_preference,
                    case_reference=r.case_reference,
                    status=Status.REQUESTED,
                )
                for r, spot in zip(problem.requests, request_places, strict=True)
            ),
            batch_size=5000,
        )
