"""The demo's people: the pool with its settings, institutions and staff, and the mediators."""

from __future__ import annotations

import datetime
import random
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractUser
from django.utils.text import slugify

from accounts.models import DemoAccount
from institutions.constants import StaffRole
from institutions.coordination import coordination_group_sync
from institutions.data.kreis_viersen import DISTRICT
from institutions.models import (
    Budget,
    CompensationRule,
    Coordinator,
    FundingSource,
    Institution,
    Location,
    Pool,
    PostalCode,
    Staff,
    Town,
)
from mediators.constants import Gender, LanguageLevel
from mediators.models import (
    Absence,
    AvailabilitySlot,
    Dialect,
    Language,
    Mediator,
    MediatorLanguage,
)

from .catalogue import FUNDING_SOURCES, INSTITUTIONS
from .names import BY_ORIGIN, GERMAN, NameBook
from .profiles import PROFILES

DEMO_POOL_SLUG = "kreis-viersen"
DEMO_MEDIATORS = (("Amira", "Haddad", Gender.FEMALE), ("Yusuf", "Khalil", Gender.MALE))
CERTIFICATE_VALIDITY = datetime.timedelta(days=5 * 365)


@dataclass
class Cast:
    """Everyone the demo created, for the bookings and the printed logins."""

    pool: Pool
    coordinator: Coordinator
    institutions: list[Institution] = field(default_factory=list)
    requesters: dict[int, list[Staff]] = field(default_factory=dict)  # by institution id
    mediators: list[Mediator] = field(default_factory=list)
    funding: FundingSource | None = None


class People:
    """Creates users with unique usernames and one shared password hash (hashing ~150
    passwords one by one would take a minute)."""

    def __init__(self, rng: random.Random, password_hash: str) -> None:
        self.rng = rng
        self.password_hash = password_hash
        self.taken: set[str] = set(get_user_model().objects.values_list("username", flat=True))

    def user(
        self, first: str, last: str, *, username: str = "", is_staff: bool = False
    ) -> AbstractUser:
        base = username or slugify(f"{first}.{last}".replace(" ", "")).replace("-", "")
        base = base or "user"
        name, n = base, 1
        while name in self.taken:
            n += 1
            name = f"{base}{n}"
        self.taken.add(name)
        user: AbstractUser = get_user_model()(
            username=name,
            first_name=first,
            last_name=last,
            email=f"{name}@demo.kreis-viersen.invalid",
            is_staff=is_staff,
            password=self.password_hash,
        )
        user.save()
        # Exempt from the second factor where settings.MFA_DEMO_EXEMPTION allows (local only).
        DemoAccount.objects.create(user=user)
        return user

    def name(self, book: NameBook, gender: str | None = None) -> tuple[str, str, str]:
        female, male, family = book
        gender = gender or self.rng.choice([Gender.FEMALE, Gender.FEMALE, Gender.MALE])
        first = self.rng.choice(female if gender == Gender.FEMALE else male)
        return first, self.rng.choice(family), gender


DEMO_MEETING_HOST = "meet.kreis-viersen.de"


def create_pool(*, today: datetime.date) -> Pool:
    pool = Pool.objects.create(
        name="Sprachmittlerpool Kreis Viersen",
        slug=DEMO_POOL_SLUG,
        district=DISTRICT,
        min_notice_working_days=5,
        offer_ttl_minutes=24 * 60,
        fill_deadline_hours=24,
        late_cancellation_hours=24,
        mail_sender="sprachmittlerpool@kreis-viersen.invalid",
        mail_footer="Kommunales Integrationszentrum Kreis Viersen · Rathausmarkt 3 · 41747 Viersen",
        # The district's own video service: the only host video links may point to.
        meeting_hosts=[DEMO_MEETING_HOST],
    )
    CompensationRule.objects.create(
        pool=pool,
        valid_from=datetime.date(today.year - 1, 1, 1),
        hourly_rate_cents=1500,
        rounding_minutes=30,
        travel_time_paid=True,
        travel_time_cap_minutes=60,
        km_rate_cents=30,
        late_cancellation_paid_minutes=120,
    )
    return pool


def create_coordinator(pool: Pool, people: People) -> Coordinator:
    user = people.user("Sabine", "Janssen", username="koordination", is_staff=True)
    user.groups.add(coordination_group_sync())
    return Coordinator.objects.create(user=user, pool=pool, phone="02162 39-1234")


def _near(rng: random.Random, lat: float, lon: float, spread: float = 0.008) -> tuple[float, float]:
    return round(lat + rng.uniform(-spread, spread), 5), round(
        lon + rng.uniform(-spread, spread), 5
    )


def create_institutions(cast: Cast, people: People, *, today: datetime.date) -> None:
    rng = people.rng
    towns = {t.name: t for t in Town.objects.filter(district=DISTRICT)}
    codes = {c.code: c for c in PostalCode.objects.all()}
    sources = [FundingSource.objects.create(pool=cast.pool, name=name) for name in FUNDING_SOURCES]
    cast.funding = sources[0]
    fixed_logins = {0: "schule", 5: "jugendamt"}  # Gemeinschaftsgrundschule Rahser, Kreisjugendamt
    for index, data in enumerate(INSTITUTIONS):
        institution = Institution.objects.create(
            pool=cast.pool,
            name=data.name,
            kind=data.kind,
            town=towns[data.town],
            email=f"{slugify(data.name)[:40]}@demo.kreis-viersen.invalid",
            phone=f"0{rng.choice(['2162', '2153', '2156', '2152', '2163'])} {rng.randint(100, 999)}"
            f"-{rng.randint(10, 99)}",
        )
        cast.institutions.append(institution)
        sites = [(data.name, data.street, data.postal_code)]
        if data.second_site:
            sites.append(data.second_site)
        for site_name, street, code in sites:
            lat, lon = _near(rng, codes[code].latitude, codes[code].longitude)
            Location.objects.create(
                institution=institution,
                name=site_name,
                address=street,
                postal_code=code,
                town=codes[code].town,
                latitude=lat,
                longitude=lon,
            )
        if data.budget_hours:
            for year in (today.year, today.year + 1):
                Budget.objects.create(
                    institution=institution,
                    funding_source=cast.funding,
                    year=year,
                    hours=Decimal(data.budget_hours),
                )
        staff = []
        for n in range(rng.choice([1, 2, 2])):
            first, last, _ = people.name(GERMAN)
            username = fixed_logins.get(index, "") if n == 0 else ""
            staff.append(
                Staff.objects.create(
                    user=people.user(first, last, username=username),
                    institution=institution,
                    role=StaffRole.REQUESTER,
                    phone=f"{institution.phone[:-2]}{rng.randint(10, 99)}",
                )
            )
        cast.requesters[institution.pk] = staff
        if index % 3 == 0:
            first, last, _ = people.name(GERMAN)
            Staff.objects.create(
                user=people.user(first, last), institution=institution, role=StaffRole.ADMIN
            )


# Weekly availability patterns in local time: (weekday, start hour, end hour).
AVAILABILITY_PATTERNS: tuple[tuple[tuple[int, int, int], ...], ...] = (
    ((0, 8, 13), (2, 8, 13), (4, 8, 13)),
    ((1, 9, 17), (3, 9, 17)),
    ((0, 14, 20), (1, 14, 20), (2, 14, 20), (3, 14, 20)),
    ((0, 8, 18), (1, 8, 18), (2, 8, 18), (3, 8, 18), (4, 8, 16)),
    ((2, 10, 16), (4, 10, 16), (5, 10, 14)),
    ((0, 8, 12), (1, 8, 12), (2, 8, 12), (3, 8, 12), (4, 8, 12)),
    ((1, 12, 19), (3, 12, 19), (4, 12, 17)),
)

# Where the mediators live (postal code, weight): most in Viersen, few in the west.
HOMES = (
    ("41747", 9), ("41748", 5), ("41749", 4), ("41751", 6), ("41334", 5), ("47877", 6),
    ("47918", 4), ("47906", 5), ("41379", 2), ("41372", 1), ("41366", 2), ("47929", 2),
)  # fmt: skip


def create_mediators(cast: Cast, people: People, *, today: datetime.date) -> None:
    rng = people.rng
    codes = {c.code: c for c in PostalCode.objects.all()}
    languages = {lang.code: lang for lang in Language.objects.all()}
    dialects = {(d.language.code, d.code): d for d in Dialect.objects.select_related("language")}
    number = 0
    for profile in PROFILES:
        for _ in range(profile.count):
            number += 1
            first, last, gender = people.name(BY_ORIGIN[profile.origin])
            if number <= 2:  # the two demo logins: both speak Arabic (Levantine)
                first, last, gender = DEMO_MEDIATORS[number - 1]
            home = rng.choices([c for c, _ in HOMES], weights=[w for _, w in HOMES])[0]
            lat, lon = _near(rng, codes[home].latitude, codes[home].longitude, 0.01)
            username = first.lower() if number <= 2 else ""
            mediator = Mediator.objects.create(
                user=people.user(first, last, username=username),
                pool=cast.pool,
                gender=gender,
                phone=f"01{rng.choice(['51', '57', '60', '76'])} {rng.randint(1000000, 9999999)}",
                home_postal_code=home,
                home_latitude=lat,
                home_longitude=lon,
                max_travel_km=rng.choice([10, 15, 20, 20, 25, 30, 35]),
                max_hours_per_week=rng.choice([4, 6, 8, 10, 12]),
                max_hours_per_month=rng.choice([15, 20, 30, 40]),
                language=profile.message_language,
                active=number <= 2 or rng.random() > 0.04,
                **_vetting(rng, today=today, number=number),
            )
            dialect = rng.choice(profile.dialects) if profile.dialects else ""
            MediatorLanguage.objects.create(
                mediator=mediator,
                language=languages[profile.language],
                dialect=dialects.get((profile.language, dialect)),
                level=LanguageLevel.NATIVE,
            )
            for code, share in profile.also:
                if rng.random() < share:
                    MediatorLanguage.objects.create(
                        mediator=mediator,
                        language=languages[code],
                        level=rng.choice([LanguageLevel.GOOD, LanguageLevel.FLUENT]),
                    )
            pattern = AVAILABILITY_PATTERNS[3] if number <= 2 else rng.choice(AVAILABILITY_PATTERNS)
            for weekday, start, end in pattern:
                AvailabilitySlot.objects.create(
                    mediator=mediator,
                    weekday=weekday,
                    start_time=datetime.time(start),
                    end_time=datetime.time(end),
                )
            if number > 2 and rng.random() < 0.12:
                starts_on = today + datetime.timedelta(days=rng.randint(-10, 20))
                Absence.objects.create(
                    mediator=mediator,
                    starts_on=starts_on,
                    ends_on=starts_on + datetime.timedelta(days=rng.randint(2, 14)),
                    note=rng.choice(["Urlaub", "Familienbesuch", "Prüfungszeit", ""]),
                )
            cast.mediators.append(mediator)


def _vetting(rng: random.Random, *, today: datetime.date, number: int) -> dict:
    """Training, pledge and police certificate dates: a few not yet vetted, some certificates
    expiring within the next weeks, a few expired, some without one."""
    if number > 2 and rng.random() < 0.06:
        return {}  # newly registered: training still to come
    trained = today - datetime.timedelta(days=rng.randint(60, 900))
    dates = {"training_completed_on": trained, "pledge_signed_on": trained}
    roll = rng.random()
    if number > 2 and roll < 0.15:
        return dates  # no police certificate: not for settings with children
    inspected = trained + datetime.timedelta(days=rng.randint(0, 30))
    valid_until = inspected + CERTIFICATE_VALIDITY
    if number > 2 and roll < 0.23:  # expiring within the next weeks
        valid_until = today + datetime.timedelta(days=rng.randint(5, 40))
    elif number > 2 and roll < 0.27:  # expired
        valid_until = today - datetime.timedelta(days=rng.randint(5, 60))
    return dates | {
        "police_certificate_inspected_on": min(inspected, valid_until - CERTIFICATE_VALIDITY),
        "police_certificate_valid_until": valid_until,
    }
