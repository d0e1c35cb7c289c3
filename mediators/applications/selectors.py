"""Reading applications to become a mediator, scoped to the coordinator's pool, and an
application as the applicant's data (Art. 15 GDPR): in the export of a person's account
(``bookings.privacy.selectors.personal_data_export``) and, for an applicant without an
account, from the admin (``application_export``)."""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Any

from django.db.models import QuerySet
from django.utils import timezone

from core.time import BERLIN
from institutions.models import Pool
from institutions.selectors import coordinator_of

from ..models import MediatorApplication

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser


def applications_visible_to(
    user: AbstractBaseUser | AnonymousUser,
) -> QuerySet[MediatorApplication]:
    """The applications of the coordinator's own pool (none for anyone else), with their
    languages."""
    coordinator = coordinator_of(user)
    if coordinator is None:
        return MediatorApplication.objects.none()
    return MediatorApplication.objects.filter(pool_id=coordinator.pool_id).prefetch_related(
        "languages"
    )


def applications_open_for(user: AbstractBaseUser | AnonymousUser) -> QuerySet[MediatorApplication]:
    """What waits for the coordinator's decision, the oldest first."""
    return applications_visible_to(user).filter(status=MediatorApplication.Status.OPEN)


def pools_taking_applications() -> QuerySet[Pool]:
    """The pools a visitor may apply to, and the front door presents: every pool of the
    installation (one district's, or several sharing it)."""
    return Pool.objects.order_by("name")


# The same format as the export of an account (bookings.privacy.selectors).
EXPORT_FORMAT = "sprachmittlerpool-personal-data/1"


def _moment(value: datetime.datetime | None) -> str | None:
    return value.astimezone(BERLIN).isoformat() if value is not None else None


def application_as_data(application: MediatorApplication) -> dict[str, Any]:
    """An application to become a mediator, as the applicant entered it and as decided."""
    return {
        "id": application.pk,
        "pool": application.pool.name,
        "first_name": application.first_name,
        "last_name": application.last_name,
        "email": application.email,
        "phone": application.phone,
        "gender": application.gender,
        "postal_code": application.postal_code,
        "town": application.town,
        "languages": [
            {"language": language.code, "level": application.language_levels.get(language.code)}
            for language in application.languages.order_by("code")
        ],
        "other_languages": application.other_languages,
        "availability": application.availability,
        "message_language": application.language,
        "consented_at": _moment(application.consented_at),
        "received_at": _moment(application.created_at),
        "status": application.status,
        "decided_at": _moment(application.decided_at),
        "decline_message": application.decline_message,
    }


def application_export(
    application: MediatorApplication, *, now: datetime.datetime | None = None
) -> dict[str, Any]:
    """The Art. 15 answer to an applicant who has no account (asking by e-mail): every
    application sent from the same e-mail address to the same pool."""
    now = now or timezone.now()
    same = (
        MediatorApplication.objects.filter(
            pool_id=application.pool_id, email__iexact=application.email
        )
        .select_related("pool")
        .order_by("created_at", "pk")
    )
    return {
        "format": EXPORT_FORMAT,
        "generated_at": _moment(now),
        "applications": [application_as_data(row) for row in same],
    }
