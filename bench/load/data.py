"""The load test's data: the demo's kind of district, scaled to a state (``Sizes``).

``populate(sizes)`` writes into the (migrated, empty) database of this process:

- ``pools`` pools (broadcast to 3, offers valid a day, no approval, no notice period), each
  with 2 coordinators, ``institutions / pools`` institutions of every kind with one location
  and 2 staff, ``mediators / pools`` vetted mediators with one or two of the eight most asked
  languages, weekday availability 8-18 h and homes near the institutions;
- ``past`` past bookings over the two years before, bulk-created (``bench.database`` style):
  mostly closed with their report, some cancelled, unfilled and no-shows; each mediator's a
  week apart, so none overlap;
- per mediator two confirmed appointments in the next weeks (their assignments and feeds);
- ``open_requests`` requested bookings in the next weeks, matched by the real service
  (``booking_match``): the offers the mediators of the run accept and decline.

Messages the seeding queued count as sent before the morning began (status ``sent``), so the
run's delivery check counts only what the run itself queued. Then VACUUM ANALYZE of the
tables filled (``bench.database.vacuum_analyze``), as autovacuum would have done.

Every account shares one password hash (``PASSWORD``; hashing 2,500 passwords would take half
an hour); nobody signs in with it during the run: ``credentials()`` issues the API tokens and
the coordinators' sessions (bench/load/__main__.py says why).
"""

from __future__ import annotations

import datetime
import random
import sys
import time
from dataclasses import asdict, dataclass
from decimal import Decimal
from typing import Any

PASSWORD = "load-test-password"  # noqa: S105  # nosec B105
LANGUAGES = ["ara", "ukr", "tir", "prs", "pes", "tur", "kmr", "rus"]
LANGUAGE_WEIGHTS = [24, 18, 10, 10, 8, 10, 8, 12]


@dataclass(frozen=True)
class Sizes:
    pools: int = 10
    mediators: int = 2_000
    institutions: int = 400
    past: int = 200_000
    open_requests: int = 1_200

    @property
    def key(self) -> str:
        return "p{pools}m{mediators}i{institutions}b{past}o{open_requests}".format(**asdict(self))


STATE = Sizes()
SMOKE = Sizes(pools=2, mediators=60, institutions=12, past=2_000, open_requests=40)


def _say(text: str) -> None:
    print(f"# load data: {text}", file=sys.stderr, flush=True)


def populate(sizes: Sizes, *, now: datetime.datetime, seed: int = 14) -> dict[str, Any]:  # noqa: PLR0915
    """Write the data; returns what was written (counts, seconds)."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password
    from django.db import transaction
    from django.db.models import F

    from bench.database import vacuum_analyze
    from bookings.constants import Field, Mode, Status
    from bookings.models import Booking, Report
    from core.time import BERLIN
    from institutions.constants import InstitutionKind, OfferStrategy, StaffRole
    from institutions.models import Coordinator, Institution, Location, Pool, Staff, Town
    from mediators.constants import LanguageLevel
    from mediators.models import AvailabilitySlot, Language, Mediator, MediatorLanguage

    rng = random.Random(seed)  # reproducible data, not security  # nosec B311
    began = time.perf_counter()
    user_model = get_user_model()
    password = make_password(PASSWORD)
    languages = {lang.code: lang for lang in Language.objects.filter(code__in=LANGUAGES)}
    kinds = list(InstitutionKind.values)
    fields = [Field.SCHOOL, Field.EARLY_CHILDHOOD, Field.HEALTH, Field.LABOUR]
    per_pool_mediators = max(1, sizes.mediators // sizes.pools)
    per_pool_institutions = max(1, sizes.institutions // sizes.pools)
    with transaction.atomic():
        pools, towns = [], []
        for p in range(sizes.pools):
            pools.append(
                Pool.objects.create(
                    name=f"KI Kreis {p + 1}",
                    slug=f"kreis-{p + 1}",
                    district=f"Kreis {p + 1}",
                    min_notice_working_days=0,
                    offer_strategy=OfferStrategy.BROADCAST,
                    broadcast_size=3,
                    offer_ttl_minutes=24 * 60,
                    fill_deadline_hours=24,
                )
            )
            # The districts lie 60 km apart: a mediator travels within their own.
            towns.append(
                Town.objects.create(
                    name=f"Kreisstadt {p + 1}",
                    district=f"Kreis {p + 1}",
                    latitude=51.0 + 0.5 * (p // 4),
                    longitude=6.0 + 0.9 * (p % 4),
                )
            )

        def user(name: str) -> Any:
            return user_model(
                username=name,
                email=f"{name}@load.invalid",
                first_name=name.split("-")[0].title(),
                last_name=name.split("-")[-1],
                password=password,
            )

        coordinator_users = user_model.objects.bulk_create(
            user(f"koordination-{p + 1}-{n}") for p in range(sizes.pools) for n in range(2)
        )
        Coordinator.objects.bulk_create(
            Coordinator(user=u, pool=pools[i // 2]) for i, u in enumerate(coordinator_users)
        )
        institutions = Institution.objects.bulk_create(
            Institution(
                pool=pools[p],
                name=f"Einrichtung {p + 1}-{n}",
                kind=kinds[n % len(kinds)],
                town=towns[p],
                email=f"einrichtung-{p + 1}-{n}@load.invalid",
            )
            for p in range(sizes.pools)
            for n in range(per_pool_institutions)
        )
        locations = Location.objects.bulk_create(
            Location(
                institution=inst,
                name="Haus",
                address=f"Schulweg {n}",
                postal_code="41747",
                town=inst.town,
                latitude=inst.town.latitude + rng.uniform(-0.08, 0.08),
                longitude=inst.town.longitude + rng.uniform(-0.12, 0.12),
            )
            for n, inst in enumerate(institutions)
        )
        staff_users = user_model.objects.bulk_create(
            user(f"staff-{n}-{k}") for n in range(len(institutions)) for k in range(2)
        )
        Staff.objects.bulk_create(
            Staff(user=u, institution=institutions[i // 2], role=StaffRole.REQUESTER)
            for i, u in enumerate(staff_users)
        )
        mediator_users = user_model.objects.bulk_create(
            user(f"mediator-{p + 1}-{n}")
            for p in range(sizes.pools)
            for n in range(per_pool_mediators)
        )
        vetted = datetime.date(2025, 1, 15)
        mediators = Mediator.objects.bulk_create(
            Mediator(
                user=u,
                pool=pools[i // per_pool_mediators],
                gender=rng.choices(["female", "male"], [0.6, 0.4])[0],
                home_postal_code="41747",
                home_latitude=towns[i // per_pool_mediators].latitude + rng.uniform(-0.1, 0.1),
                home_longitude=towns[i // per_pool_mediators].longitude + rng.uniform(-0.15, 0.15),
                max_travel_km=50,
                max_hours_per_week=12,
                max_hours_per_month=40,
                training_completed_on=vetted,
                pledge_signed_on=vetted,
                police_certificate_inspected_on=vetted,
                police_certificate_valid_until=datetime.date(2030, 1, 1),
            )
            for i, u in enumerate(mediator_users)
        )
        spoken: dict[int, list[str]] = {}
        rows = []
        for m in mediators:
            codes = {rng.choices(LANGUAGES, LANGUAGE_WEIGHTS)[0]}
            if rng.random() < 0.35:
                codes.add(rng.choices(LANGUAGES, LANGUAGE_WEIGHTS)[0])
            spoken[m.pk] = sorted(codes)
            rows += [
                MediatorLanguage(mediator=m, language=languages[c], level=LanguageLevel.FLUENT)
                for c in sorted(codes)
            ]
        MediatorLanguage.objects.bulk_create(rows, batch_size=5000)
        AvailabilitySlot.objects.bulk_create(
            (
                AvailabilitySlot(
                    mediator=m,
                    weekday=d,
                    start_time=datetime.time(8),
                    end_time=datetime.time(18),
                )
                for m in mediators
                for d in range(5)
            ),
            batch_size=5000,
        )
        _say(f"{len(pools)} pools, {len(institutions)} institutions, {len(mediators)} mediators")

        by_pool_mediators = [
            mediators[p * per_pool_mediators : (p + 1) * per_pool_mediators]
            for p in range(sizes.pools)
        ]
        by_pool_locations = [
            locations[p * per_pool_institutions : (p + 1) * per_pool_institutions]
            for p in range(sizes.pools)
        ]
        first_monday = (now - datetime.timedelta(days=730)).date()
        first_monday -= datetime.timedelta(days=first_monday.weekday())
        statuses = [Status.CLOSED, Status.CANCELLED, Status.UNFILLED, Status.NO_SHOW]
        past = []
        for n in range(sizes.past):
            p = n % sizes.pools
            k = n // sizes.pools
            group = by_pool_mediators[p]
            m = group[k % len(group)]
            week = k // len(group)
            day = first_monday + datetime.timedelta(weeks=week, days=k % 5)
            local = datetime.datetime.combine(day, datetime.time(8 + k % 8), tzinfo=BERLIN)
            starts_at = local.astimezone(datetime.UTC)
            if starts_at >= now - datetime.timedelta(days=2):
                starts_at -= datetime.timedelta(days=365)
            status = rng.choices(statuses, [0.80, 0.10, 0.07, 0.03])[0]
            location = rng.choice(by_pool_locations[p])
            duration = rng.choice([45, 60, 90])
            has_mediator = status in (Status.CLOSED, Status.NO_SHOW)
            past.append(
                Booking(
                    pool=pools[p],
                    institution_id=location.institution_id,
                    location=location,
                    language=languages[rng.choice(spoken[m.pk])],
                    starts_at=starts_at,
                    duration_minutes=duration,
                    ends_at=starts_at + datetime.timedelta(minutes=duration),
                    mode=Mode.ON_SITE,
                    field=fields[n % len(fields)],
                    status=status,
                    mediator=m if has_mediator else None,
                    confirmed_at=starts_at - datetime.timedelta(days=3) if has_mediator else None,
                    cancelled_by_role="institution" if status == Status.CANCELLED else "",
                )
            )
        past = Booking.objects.bulk_create(past, batch_size=5000)
        # Requested ten days before the start (``created_at`` is set to now on creation):
        # confirmed three days before, a time to fill of a week, as the statistics expect.
        ids = [b.pk for b in past]
        Booking.objects.filter(pk__gte=min(ids), pk__lte=max(ids)).update(
            created_at=F("starts_at") - datetime.timedelta(days=10)
        )
        Report.objects.bulk_create(
            (
                Report(
                    booking=b,
                    actual_minutes=b.duration_minutes + 15,
                    travel_km=Decimal("7.5"),
                )
                for b in past
                if b.status == Status.CLOSED
            ),
            batch_size=5000,
        )
        _say(f"{len(past)} past bookings, {time.perf_counter() - began:.0f} s")

        # Two confirmed appointments ahead for every mediator (assignments, feeds).
        today = now.astimezone(BERLIN).date()
        ahead = []
        for i, m in enumerate(mediators):
            p = i // per_pool_mediators
            for j in range(2):
                day = _weekday(today + datetime.timedelta(days=3 + 7 * j + i % 5))
                local = datetime.datetime.combine(day, datetime.time(8), tzinfo=BERLIN)
                location = by_pool_locations[p][i % per_pool_institutions]
                ahead.append(
                    Booking(
                        pool=pools[p],
                        institution_id=location.institution_id,
                        location=location,
                        language=languages[spoken[m.pk][0]],
                        starts_at=local,
                        duration_minutes=60,
                        ends_at=local + datetime.timedelta(minutes=60),
                        mode=Mode.ON_SITE,
                        field=Field.SCHOOL,
                        status=Status.CONFIRMED,
                        mediator=m,
                        confirmed_at=now - datetime.timedelta(days=1),
                    )
                )
        Booking.objects.bulk_create(ahead, batch_size=5000)
        opened = Booking.objects.bulk_create(
            [
                _open_request(
                    rng,
                    n,
                    now=now,
                    today=today,
                    pools=pools,
                    sizes=sizes,
                    locations=by_pool_locations,
                    languages=languages,
                )  # fmt: skip
                for n in range(sizes.open_requests)
            ],
            batch_size=5000,
        )
    offers = _match(opened)
    _messages_sent_before(now)
    tables = vacuum_analyze(
        user_model, Pool, Institution, Location, Staff, Coordinator, Mediator,
        MediatorLanguage, AvailabilitySlot, Booking, Report,
    )  # fmt: skip
    seconds = time.perf_counter() - began
    _say(f"{offers} offers made; VACUUM ANALYZE of {len(tables)} tables; {seconds:.0f} s")
    return {"sizes": asdict(sizes), "offers": offers, "seconds": round(seconds), "vacuum": True}


def _weekday(day: datetime.date) -> datetime.date:
    while day.weekday() >= 5:
        day += datetime.timedelta(days=1)
    return day


def _open_request(rng, n, *, now, today, pools, sizes, locations, languages):  # type: ignore[no-untyped-def]
    from bookings.constants import Field, Mode, Status
    from bookings.models import Booking
    from core.time import BERLIN

    p = n % sizes.pools
    location = rng.choice(locations[p])
    day = _weekday(today + datetime.timedelta(days=rng.randint(3, 30)))
    local = datetime.datetime.combine(
        day, datetime.time(rng.choice([9, 10, 11, 13, 14, 15]), rng.choice([0, 30])), tzinfo=BERLIN
    )
    return Booking(
        pool=pools[p],
        institution_id=location.institution_id,
        location=location,
        language=languages[rng.choices(LANGUAGES, LANGUAGE_WEIGHTS)[0]],
        starts_at=local,
        duration_minutes=60,
        ends_at=local + datetime.timedelta(minutes=60),
        mode=Mode.ON_SITE,
        field=Field.SCHOOL,
        status=Status.REQUESTED,
    )


def _match(bookings: list) -> int:
    """The real matching service for each open request (offers, events, messages)."""
    from bookings.services.offers import booking_match

    made = 0
    for booking in bookings:
        made += len(booking_match(booking_id=booking.pk))
    return made


def _messages_sent_before(now: datetime.datetime) -> None:
    from notifications.constants import MessageStatus
    from notifications.models import Message

    Message.objects.filter(status=MessageStatus.PENDING).update(
        status=MessageStatus.SENT, sent_at=now
    )
