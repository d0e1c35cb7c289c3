"""Load the demo pool of Kreis Viersen (idempotent) and name its logins."""

from __future__ import annotations

import datetime
import random
from dataclasses import dataclass

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from core.time import BERLIN
from institutions.models import Pool

from .bookings import create_bookings
from .people import (
    DEMO_POOL_SLUG,
    Cast,
    People,
    create_coordinator,
    create_institutions,
    create_mediators,
    create_pool,
)

# The one documented password of every demo account (README.md); never used outside the demo.
DEMO_PASSWORD = "sprachmittler-demo"  # noqa: S105  # published in the README on purpose; load_demo is for demo machines  # nosec B105
SEED = 20260330


@dataclass(frozen=True)
class DemoLogin:
    role: str
    username: str
    who: str


DEMO_LOGINS: tuple[tuple[str, str], ...] = (
    ("coordinator", "koordination"),
    ("institution staff", "schule"),
    ("institution staff", "jugendamt"),
    ("mediator", "amira"),
    ("mediator", "yusuf"),
)


def load_demo(
    *, now: datetime.datetime | None = None, seed: int = SEED
) -> tuple[bool, list[DemoLogin]]:
    """Create the demo pool unless it exists. Returns (created, logins)."""
    if not Pool.objects.filter(slug=DEMO_POOL_SLUG).exists():
        _create(now=now or timezone.now(), seed=seed)
        created = True
    else:
        created = False
    return created, demo_logins()


@transaction.atomic
def _create(*, now: datetime.datetime, seed: int) -> None:
    rng = random.Random(seed)  # noqa: S311  # reproducible demo data, not security  # nosec B311
    today = now.astimezone(BERLIN).date()
    people = People(rng, make_password(DEMO_PASSWORD))
    pool = create_pool(today=today)
    cast = Cast(pool=pool, coordinator=create_coordinator(pool, people))
    create_institutions(cast, people, today=today)
    create_mediators(cast, people, today=today)
    create_bookings(cast, rng=rng, now=now)


def demo_logins() -> list[DemoLogin]:
    from django.contrib.auth import get_user_model

    users = {
        u.username: u
        for u in get_user_model()
        .objects.filter(username__in=[name for _, name in DEMO_LOGINS])
        .select_related("staff__institution", "mediator")
    }
    logins = []
    for role, username in DEMO_LOGINS:
        user = users.get(username)
        if user is None:
            continue
        who = user.get_full_name()
        if hasattr(user, "staff"):
            who += f", {user.staff.institution.name}"
        if hasattr(user, "mediator"):
            spoken = ", ".join(
                f"{ml.language.name_de}{' (' + ml.dialect.name_de + ')' if ml.dialect else ''}"
                for ml in user.mediator.languages.select_related("language", "dialect")
            )
            who += f" – {spoken}"
        logins.append(DemoLogin(role=role, username=username, who=who))
    return logins
