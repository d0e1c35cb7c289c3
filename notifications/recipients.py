"""Who receives a message, with the address, name and language to write it in."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.conf import settings

if TYPE_CHECKING:
    from bookings.models import Booking
    from institutions.models import Pool
    from mediators.models import Mediator


@dataclass(frozen=True)
class Recipient:
    email: str
    name: str = ""
    language: str = "de"
    user_id: int | None = None


LOCALE_DIR = Path(__file__).resolve().parent / "locale"
SOURCE_LANGUAGE = "en"


def message_language(code: str | None, *, staff: bool = False) -> str:
    """The language to write to a recipient in: their own where the site has it and the
    e-mails have a catalogue (``notifications/locale/<code>``; English is the source), German
    otherwise. Staff of institutions and coordinators read their pages in
    ``settings.STAFF_LANGUAGES`` only, and so their e-mails."""
    if staff:
        available = set(settings.STAFF_LANGUAGES)
    else:
        available = {lang for lang, _label in settings.LANGUAGES}
    short = (code or "").split("-")[0].lower()
    if short in available and (short == SOURCE_LANGUAGE or _has_catalogue(short)):
        return short
    return "de"


@lru_cache(maxsize=32)
def _has_catalogue(code: str) -> bool:
    return (LOCALE_DIR / code / "LC_MESSAGES" / "django.po").exists()


def _full_name(user: Any) -> str:
    return (user.get_full_name() or user.get_username()).strip()


def mediator_recipient(mediator: Mediator) -> Recipient | None:
    user = mediator.user
    if not user.email or not user.is_active:
        return None
    return Recipient(
        email=user.email,
        name=_full_name(user),
        language=message_language(mediator.language),
        user_id=user.pk,
    )


def institution_recipient(booking: Booking) -> Recipient | None:
    """The institution's contact for this booking: the staff member who requested it, else
    the institution's own address."""
    user = booking.requested_by
    staff = getattr(user, "staff", None) if user is not None else None
    if (
        user is not None
        and staff is not None
        and staff.institution_id == booking.institution_id
        and user.email
        and user.is_active
    ):
        return Recipient(
            email=user.email,
            name=booking.contact_name or _full_name(user),
            language=message_language(staff.language, staff=True),
            user_id=user.pk,
        )
    if booking.institution.email:
        return Recipient(
            email=booking.institution.email,
            name=booking.contact_name or booking.institution.name,
            language="de",
        )
    return None


def coordinator_recipients(pool: Pool) -> list[tuple[int, Recipient]]:
    """(coordinator id, recipient) for every active coordinator of the pool with an address."""
    from institutions.models import Coordinator

    coordinators = (
        Coordinator.objects.filter(pool=pool, user__is_active=True)
        .exclude(user__email="")
        .select_related("user")
        .order_by("pk")
    )
    return [
        (
            c.pk,
            Recipient(
                email=c.user.email,
                name=_full_name(c.user),
                language=message_language(c.language, staff=True),
                user_id=c.user_id,
            ),
        )
        for c in coordinators
    ]
