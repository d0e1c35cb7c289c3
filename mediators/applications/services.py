"""Services of applications to become a mediator.

``application_submit`` takes the public form's data (the page has already turned away bots:
the honeypot and the rate limit); the coordinators of the application's pool accept it
(``application_accept``: the mediator is onboarded with the languages applied for and invited
to choose a password, as on the coordinator's "new mediator" page) or decline it
(``application_decline``: an e-mail to the applicant, in the language they chose). Each is one
transaction with the row locked, so a second click changes nothing and sends nothing.
Decided applications lose their personal data after ``APPLICATION_KEEP_DAYS``
(``applications_purge``, every night).
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping, Sequence
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from core.exceptions import DomainError
from core.invitations import applicant_notify
from institutions.models import Pool
from institutions.selectors import coordinator_of

from ..constants import LanguageLevel
from ..models import Language, Mediator, MediatorApplication
from ..services import LanguageSkill, mediator_onboard

# A decided application (accepted or declined) is deleted this many days after the decision.
APPLICATION_KEEP_DAYS = 30
# An application nobody decided is deleted this many days after it came in.
APPLICATION_OPEN_KEEP_DAYS = 180
# The level recorded for a language of an accepted application when neither the applicant
# nor the accepting coordinator gave one; coordinators correct it on the mediator's page.
APPLIED_LEVEL = LanguageLevel.FLUENT
DECLINE_MESSAGE_MAX_LENGTH = 2000


class ApplicationDecided(DomainError):
    """The application has been accepted or declined already."""


def _levels(levels: Mapping[str, Any] | None, *, codes: set[str], field: str) -> dict[str, int]:
    """``{language code: level}`` for the given languages only, each a ``LanguageLevel``."""
    result: dict[str, int] = {}
    for code, value in (levels or {}).items():
        if value in (None, ""):
            continue
        if code not in codes:
            raise DomainError(_("Give a level only for a language you chose."), field=field)
        try:
            level = int(value)
        except (TypeError, ValueError):
            level = 0
        if level not in LanguageLevel.values:
            raise DomainError(_("Choose one of the levels."), field=field)
        result[code] = level
    return result


def application_submit(
    *,
    pool: Pool,
    first_name: str,
    last_name: str,
    email: str,
    gender: str,
    postal_code: str,
    town: str,
    languages: Sequence[Language],
    availability: str,
    consent: bool,
    phone: str = "",
    other_languages: str = "",
    language: str = "de",
    language_levels: Mapping[str, Any] | None = None,
    now: datetime.datetime | None = None,
) -> MediatorApplication:
    """Record an application from the public form; it waits in the pool's work list.
    ``language_levels`` gives the applicant's level (``LanguageLevel``) per language code."""
    now = now or timezone.now()
    levels = _levels(
        language_levels, codes={language.code for language in languages}, field="languages"
    )
    if not consent:
        raise DomainError(_("Please agree to the privacy notice to apply."), field="consent")
    if not languages and not other_languages.strip():
        raise DomainError(_("Name at least one language you speak."), field="languages")
    with transaction.atomic():
        application = MediatorApplication(
            pool=pool,
            first_name=first_name.strip(),
            last_name=last_name.strip(),
            email=email.strip().lower(),
            phone=phone.strip(),
            gender=gender,
            postal_code=postal_code.strip(),
            town=town.strip(),
            other_languages=other_languages.strip(),
            availability=availability.strip(),
            language=language,
            language_levels=levels,
            consented_at=now,
            created_at=now,
        )
        application.full_clean()
        application.save()
        application.languages.set(languages)
    return application


def _locked_open(application: MediatorApplication, by: AbstractBaseUser) -> MediatorApplication:
    """The application row, locked, if ``by`` coordinates its pool and it is still open."""
    coordinator = coordinator_of(by)
    if coordinator is None or coordinator.pool_id != application.pool_id:
        raise DomainError(_("This application belongs to another pool."))
    locked = MediatorApplication.objects.select_for_update().get(pk=application.pk)
    if locked.status != MediatorApplication.Status.OPEN:
        raise ApplicationDecided(_("This application has been decided already."))
    return locked


def application_accept(
    *,
    application: MediatorApplication,
    by: AbstractBaseUser,
    levels: Mapping[str, Any] | None = None,
    now: datetime.datetime | None = None,
) -> Mediator:
    """Start the onboarding: the mediator, with the languages applied for, not yet vetted, and
    the e-mail inviting them to choose a password (``mediator_onboard``). Both or neither.

    Each language gets the level the coordinator sets in ``levels`` (by language code),
    else the one the applicant gave, else ``APPLIED_LEVEL``."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = _locked_open(application, by)
        languages = list(locked.languages.order_by("code"))
        chosen = _levels(levels, codes={language.code for language in languages}, field="levels")
        given = locked.language_levels or {}
        skills = [
            LanguageSkill(
                language=language,
                level=chosen.get(language.code) or given.get(language.code) or APPLIED_LEVEL,
            )
            for language in languages
        ]
        mediator = mediator_onboard(
            pool=locked.pool,
            email=locked.email,
            first_name=locked.first_name,
            last_name=locked.last_name,
            gender=locked.gender,
            home_postal_code=locked.postal_code,
            phone=locked.phone,
            language=locked.language,
            languages=skills,
        )
        locked.status = MediatorApplication.Status.ACCEPTED
        locked.decided_at = now
        locked.decided_by_id = by.pk
        locked.mediator = mediator
        locked.save(update_fields=["status", "decided_at", "decided_by", "mediator"])
    return mediator


def application_decline(
    *,
    application: MediatorApplication,
    by: AbstractBaseUser,
    message: str,
    now: datetime.datetime | None = None,
) -> MediatorApplication:
    """Decline with a message to the applicant, e-mailed in the language they chose."""
    now = now or timezone.now()
    message = message.strip()
    if not message:
        raise DomainError(_("Write a few words to the applicant."), field="message")
    if len(message) > DECLINE_MESSAGE_MAX_LENGTH:
        raise DomainError(
            _("The message is too long (at most %(count)d characters).")
            % {"count": DECLINE_MESSAGE_MAX_LENGTH},
            field="message",
        )
    with transaction.atomic():
        locked = _locked_open(application, by)
        locked.status = MediatorApplication.Status.DECLINED
        locked.decided_at = now
        locked.decided_by_id = by.pk
        locked.decline_message = message
        locked.save(update_fields=["status", "decided_at", "decided_by", "decline_message"])
        applicant_notify(
            key=f"application-declined:{locked.pk}",
            email=locked.email,
            name=str(locked),
            language=locked.language,
            pool=locked.pool,
            text=message,
        )
    return locked


def applications_purge(*, now: datetime.datetime | None = None) -> int:
    """Delete the applications past their keeping time; the number deleted."""
    now = now or timezone.now()
    open_ = Q(status=MediatorApplication.Status.OPEN)
    expired = (~open_ & Q(decided_at__lt=now - datetime.timedelta(days=APPLICATION_KEEP_DAYS))) | (
        open_ & Q(created_at__lt=now - datetime.timedelta(days=APPLICATION_OPEN_KEEP_DAYS))
    )
    _total, per_model = MediatorApplication.objects.filter(expired).delete()
    return per_model.get(MediatorApplication._meta.label, 0)
