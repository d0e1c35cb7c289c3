"""Services that change mediators: onboarding (with the invitation), profile, languages,
pausing (coordinators only) and being unavailable (the mediator's own), availability,
absences and conflicts of interest."""

from __future__ import annotations

import datetime
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from core.constants import CASE_REFERENCE_MAX_LENGTH, ActorRole
from core.credentials import credentials_revoke_all
from core.dates import require_day_in_range
from core.exceptions import DomainError
from core.invitations import account_invite
from core.roles import actor_role_of
from core.text import case_reference_key
from core.time import MIDNIGHT, local_date
from institutions.models import Institution, Pool
from institutions.selectors import coordinates_for_postal_code

from .models import (
    Absence,
    AvailabilityDate,
    AvailabilitySlot,
    ConflictOfInterest,
    Dialect,
    Language,
    Mediator,
    MediatorLanguage,
)
from .signals import EligibilityChange, mediator_eligibility_changed

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class LanguageSkill:
    """One language a mediator speaks, optionally a dialect of it, at a level."""

    language: Language
    level: int
    dialect: Dialect | None = None


# Profile fields a coordinator may set; a mediator may set the subset MEDIATOR_EDITABLE.
PROFILE_FIELDS = (
    "first_name",
    "last_name",
    "email",
    "phone",
    "iban",
    "gender",
    "home_postal_code",
    "home_latitude",
    "home_longitude",
    "max_travel_km",
    "max_hours_per_week",
    "max_hours_per_month",
    "training_completed_on",
    "pledge_signed_on",
    "police_certificate_inspected_on",
    "police_certificate_valid_until",
    "declined_topics",
    "language",
)
# Being paused (``active``) is set by mediator_pause / mediator_resume only; a new mediator
# may be onboarded paused.
CREATE_FIELDS = (*PROFILE_FIELDS, "active")
# The mediator's own "unavailable for now": theirs alone, separate from a pause.
SELF_UNAVAILABLE_FIELDS = ("self_unavailable", "self_unavailable_until")
USER_FIELDS = ("first_name", "last_name", "email")
VETTING_FIELDS = (
    "training_completed_on",
    "pledge_signed_on",
    "police_certificate_inspected_on",
    "police_certificate_valid_until",
)
MEDIATOR_EDITABLE = (
    *(f for f in PROFILE_FIELDS if f not in (*VETTING_FIELDS, "email")),
    *SELF_UNAVAILABLE_FIELDS,
)
# Profile fields the hard rules of matching read, by the kind of change they make.
RANGE_FIELDS = ("home_postal_code", "home_latitude", "home_longitude", "max_travel_km")
RULE_FIELDS = ("max_hours_per_week", "max_hours_per_month", "declined_topics")


def eligibility_changed(*, mediator: Mediator, reason: str, **scope: Any) -> None:
    """Tell the listeners (the bookings app) that the mediator's eligibility may have
    changed; call it inside the change's transaction, after the change is written: the
    offers it made ineligible are withdrawn in that same transaction
    (``mediators.signals``)."""
    mediator_eligibility_changed.send(sender=Mediator, mediator=mediator, reason=reason, **scope)


def _update_reason(
    mediator: Mediator, before: dict[str, Any], *, languages_changed: bool
) -> str | None:
    """The kind of change ``mediator_update`` made to what matching reads, or None."""
    changed = {name for name, value in before.items() if getattr(mediator, name) != value}
    kinds: set[str] = set()
    if "active" in changed:
        kinds.add(EligibilityChange.RESUME if mediator.active else EligibilityChange.PAUSE)
    if "self_unavailable" in changed:
        # The mediator's own "unavailable": narrows like a pause, widens like a resume.
        kinds.add(
            EligibilityChange.PAUSE if mediator.self_unavailable else EligibilityChange.RESUME
        )
    elif "self_unavailable_until" in changed:
        kinds.add(EligibilityChange.PROFILE)
    if changed & set(VETTING_FIELDS):
        kinds.add(EligibilityChange.VETTING)
    if changed & set(RANGE_FIELDS):
        kinds.add(EligibilityChange.RANGE)
    if changed & set(RULE_FIELDS):
        kinds.add(EligibilityChange.PROFILE)
    if languages_changed:
        kinds.add(EligibilityChange.LANGUAGES)
    if not kinds:
        return None
    return kinds.pop() if len(kinds) == 1 else EligibilityChange.PROFILE


IBAN_LENGTH_RANGE = (15, 34)


def iban_normalise(value: str) -> str:
    """An IBAN without spaces, in capitals, checked by its check digits (ISO 13616, mod 97);
    empty stays empty. A mistyped one is refused."""
    iban = "".join((value or "").split()).upper()
    if not iban:
        return ""
    low, high = IBAN_LENGTH_RANGE
    valid = (
        low <= len(iban) <= high
        and iban[:2].isalpha()
        and iban[2:4].isdigit()
        and iban.isascii()
        and iban.isalnum()
    )
    if valid:
        digits = "".join(str(int(char, 36)) for char in iban[4:] + iban[:4])
        valid = int(digits) % 97 == 1
    if not valid:
        raise DomainError(_("This IBAN is not valid: check it for typing errors."), field="iban")
    return iban


def _home_coordinates(
    *, postal_code: str, latitude: float | None, longitude: float | None
) -> tuple[float, float]:
    if (latitude is None) != (longitude is None):
        raise DomainError(_("Give both latitude and longitude, or neither."), field="home_latitude")
    if latitude is not None and longitude is not None:
        return latitude, longitude
    coordinates = coordinates_for_postal_code(postal_code)
    if coordinates is None:
        raise DomainError(
            _("Unknown postal code: give the latitude and longitude of the home."),
            field="home_postal_code",
        )
    return coordinates


def _check_vetting(mediator: Mediator) -> None:
    for field in VETTING_FIELDS:
        if (day := getattr(mediator, field)) is not None:
            require_day_in_range(day, field=field)
    inspected = mediator.police_certificate_inspected_on
    valid_until = mediator.police_certificate_valid_until
    if inspected and valid_until and valid_until < inspected:
        raise DomainError(
            _("The police certificate cannot expire before it was inspected."),
            field="police_certificate_valid_until",
        )


def _check_skills(skills: Sequence[LanguageSkill]) -> None:
    """At least one language, each language (and dialect) once, a dialect of its language."""
    if not skills:
        raise DomainError(
            _("A mediator speaks at least one language: give one."), field="languages"
        )
    seen: set[tuple[int, int | None]] = set()
    for skill in skills:
        if skill.dialect is not None and skill.dialect.language_id != skill.language.pk:
            raise DomainError(_("This dialect does not belong to the language."), field="languages")
        key = (skill.language.pk, skill.dialect.pk if skill.dialect else None)
        if key in seen:
            raise DomainError(_("A language is listed twice."), field="languages")
        seen.add(key)


def _replace_languages(mediator: Mediator, skills: Sequence[LanguageSkill]) -> None:
    MediatorLanguage.objects.filter(mediator=mediator).delete()
    MediatorLanguage.objects.bulk_create(
        MediatorLanguage(mediator=mediator, language=s.language, dialect=s.dialect, level=s.level)
        for s in skills
    )


def mediator_create(
    *,
    pool: Pool,
    email: str,
    first_name: str,
    last_name: str,
    gender: str,
    home_postal_code: str,
    languages: Sequence[LanguageSkill] = (),
    home_latitude: float | None = None,
    home_longitude: float | None = None,
    **profile: Any,
) -> Mediator:
    """Onboard a mediator: an account (without a usable password until they set one), the
    profile with home coordinates from the postal code, and their languages (at least
    one)."""
    unknown = set(profile) - set(CREATE_FIELDS)
    if unknown:
        raise TypeError(f"unknown profile fields: {sorted(unknown)}")
    email = email.strip().lower()
    user_model = get_user_model()
    if user_model.objects.filter(username__iexact=email).exists() or (
        user_model.objects.filter(email__iexact=email).exists()
    ):
        raise DomainError(_("An account with this e-mail address exists already."), field="email")
    latitude, longitude = _home_coordinates(
        postal_code=home_postal_code, latitude=home_latitude, longitude=home_longitude
    )
    _check_skills(languages)
    if "iban" in profile:
        profile["iban"] = iban_normalise(profile["iban"])
    with transaction.atomic():
        user = user_model(username=email, email=email, first_name=first_name, last_name=last_name)
        user.set_unusable_password()
        user.full_clean(exclude=["password"])
        try:
            with transaction.atomic():
                user.save()
        except IntegrityError:  # the same address onboarded at the same moment
            raise DomainError(
                _("An account with this e-mail address exists already."), field="email"
            ) from None
        mediator = Mediator(
            user=user,
            pool=pool,
            gender=gender,
            home_postal_code=home_postal_code,
            home_latitude=latitude,
            home_longitude=longitude,
            **profile,
        )
        _check_vetting(mediator)
        mediator.full_clean()
        mediator.save()
        _replace_languages(mediator, languages)
    return mediator


def mediator_onboard(*, pool: Pool, **fields: Any) -> Mediator:
    """Onboard a mediator (by a coordinator's page, the API or the admin): ``mediator_create``
    (account, profile, languages; same arguments) and the e-mail with the link to choose a
    password, in the mediator's language. One change: both or neither, so a refused
    onboarding leaves no account and sends nothing."""
    with transaction.atomic():
        mediator = mediator_create(pool=pool, **fields)
        account_invite(user=mediator.user, pool=pool, language=mediator.language)
    return mediator


def mediator_update(
    *,
    mediator: Mediator,
    data: dict[str, Any],
    languages: Sequence[LanguageSkill] | None = None,
    allowed: Iterable[str] = PROFILE_FIELDS,
) -> Mediator:
    """Change the profile fields in ``data`` that ``allowed`` permits (a mediator changing the
    own profile passes ``MEDIATOR_EDITABLE``); ``languages`` replaces the list when given.
    A new home postal code moves the home coordinates unless coordinates are given; the list
    of languages is never left empty."""
    allowed = set(allowed)
    data = {key: value for key, value in data.items() if key in allowed}
    user = mediator.user
    if "email" in data:
        email = data["email"].strip().lower()
        user_model = get_user_model()
        if user_model.objects.filter(email__iexact=email).exclude(pk=user.pk).exists():
            raise DomainError(
                _("An account with this e-mail address exists already."), field="email"
            )
        data["email"] = email
    if {"home_postal_code", "home_latitude", "home_longitude"} & set(data):
        postal_code = data.get("home_postal_code", mediator.home_postal_code)
        given = "home_latitude" in data or "home_longitude" in data
        data["home_latitude"], data["home_longitude"] = _home_coordinates(
            postal_code=postal_code,
            latitude=data.get("home_latitude") if given else None,
            longitude=data.get("home_longitude") if given else None,
        )
    if languages is not None:
        _check_skills(languages)
    if "iban" in data:
        data["iban"] = iban_normalise(data["iban"])
    if "self_unavailable" in data and not data["self_unavailable"]:
        data["self_unavailable_until"] = None
    elif data.get("self_unavailable_until") and not data.get(
        "self_unavailable", mediator.self_unavailable
    ):
        raise DomainError(
            _("A date until which you are unavailable needs the mark 'unavailable'."),
            field="self_unavailable_until",
        )
    before = {
        name: getattr(mediator, name)
        for name in (
            "active",
            *SELF_UNAVAILABLE_FIELDS,
            *VETTING_FIELDS,
            *RANGE_FIELDS,
            *RULE_FIELDS,
        )
    }
    for name, value in data.items():
        setattr(user if name in USER_FIELDS else mediator, name, value)
    _check_vetting(mediator)
    mediator.full_clean(exclude=["user"])
    with transaction.atomic():
        if set(data) & set(USER_FIELDS):
            user.full_clean(exclude=["password"])
            user.save(update_fields=[f for f in USER_FIELDS if f in data])
        mediator.save()
        languages_changed = False
        if languages is not None:
            spoken = MediatorLanguage.objects.filter(mediator=mediator)
            old = set(spoken.values_list("language_id", "dialect_id", "level"))
            new = {(s.language.pk, s.dialect.pk if s.dialect else None, s.level) for s in languages}
            languages_changed = old != new
            _replace_languages(mediator, languages)
        reason = _update_reason(mediator, before, languages_changed=languages_changed)
        if reason is not None:
            eligibility_changed(mediator=mediator, reason=reason)
        if before["active"] and not mediator.active:
            # A pause shuts the mediator out at once: API tokens and sessions are revoked.
            credentials_revoke_all(user)
    return mediator


def _require_coordinator(by: AbstractBaseUser | None) -> None:
    if by is None or getattr(by, "is_superuser", False):
        return  # the system (a management command) or the Django admin's superuser
    if actor_role_of(by) != ActorRole.COORDINATOR:
        raise PermissionDenied(_("Only a coordinator can pause or resume a mediator."))


def mediator_pause(
    *, mediator: Mediator, by: AbstractBaseUser | None, reason: str = ""
) -> Mediator:
    """A coordinator pauses the mediator: no offers, no matching, until a coordinator resumes
    them. The one place a pause happens (what a pause also ends hooks in here). Pausing a
    paused mediator changes only the reason."""
    _require_coordinator(by)
    reason = (reason or "").strip()
    if len(reason) > 200:
        raise DomainError(_("The reason has at most 200 characters."), field="reason")
    with transaction.atomic():
        mediator = Mediator.objects.select_for_update().get(pk=mediator.pk)
        if mediator.active:
            mediator.paused_at = timezone.now()
            mediator.paused_by_id = by.pk if by is not None else None
        was_active = mediator.active
        mediator.active = False
        mediator.paused_reason = reason
        mediator.save(update_fields=["active", "paused_at", "paused_by", "paused_reason"])
        if was_active:
            eligibility_changed(mediator=mediator, reason=EligibilityChange.PAUSE)
            # A pause shuts the mediator out at once: API tokens and sessions are revoked.
            credentials_revoke_all(mediator.user)
    return mediator


def mediator_resume(*, mediator: Mediator, by: AbstractBaseUser | None) -> Mediator:
    """A coordinator ends the pause: the mediator is matched again."""
    _require_coordinator(by)
    with transaction.atomic():
        mediator = Mediator.objects.select_for_update().get(pk=mediator.pk)
        was_active = mediator.active
        mediator.active = True
        mediator.paused_reason = ""
        mediator.paused_at = None
        mediator.paused_by = None
        mediator.save(update_fields=["active", "paused_at", "paused_by", "paused_reason"])
        if not was_active:
            eligibility_changed(mediator=mediator, reason=EligibilityChange.RESUME)
    return mediator


def _slot_overlaps(start_time: datetime.time, end_time: datetime.time) -> Q:
    """Slots [S, E) overlapping [start, end), where an end of 00:00 is 24:00."""
    starts_before_end = Q() if end_time == MIDNIGHT else Q(start_time__lt=end_time)
    ends_after_start = Q(end_time__gt=start_time) | Q(end_time=MIDNIGHT)
    return starts_before_end & ends_after_start


def _time_add(model, overlap_message: str, *, mediator: Mediator, start_time: datetime.time,
              end_time: datetime.time, **day: Any):  # fmt: skip
    """A weekly slot or a one-off time (``day``: its weekday or its date), unless it overlaps
    another of the same day (``overlap_message`` names it). The mediator's row is locked
    first, so two concurrent requests cannot both pass the overlap check."""
    with transaction.atomic():
        Mediator.objects.select_for_update().filter(pk=mediator.pk).first()
        overlapping = (
            model.objects.filter(mediator=mediator, **day)
            .filter(_slot_overlaps(start_time, end_time))
            .first()
        )
        if overlapping is not None:
            raise DomainError(overlap_message % {"slot": overlapping}, field="start_time")
        return model.objects.create(
            mediator=mediator, start_time=start_time, end_time=end_time, **day
        )


def availability_slot_create(
    *, mediator: Mediator, weekday: int, start_time: datetime.time, end_time: datetime.time
) -> AvailabilitySlot:
    """A weekly slot in local time; it may not overlap another slot of the same weekday, and
    one that touches another joins it in matching (08-12 and 12-16 cover 11:30-12:30).
    ``end_time`` 00:00 is 24:00: the slot runs to the end of the day."""
    if not 0 <= weekday <= 6:
        raise DomainError(_("The weekday runs from 0 (Monday) to 6 (Sunday)."), field="weekday")
    if start_time >= end_time and end_time != MIDNIGHT:
        raise DomainError(_("The slot must end after it starts."), field="end_time")
    with transaction.atomic():
        slot = _time_add(
            AvailabilitySlot,
            _("This slot overlaps %(slot)s."),
            mediator=mediator,
            weekday=weekday,
            start_time=start_time,
            end_time=end_time,
        )
        eligibility_changed(
            mediator=mediator, reason=EligibilityChange.AVAILABILITY_ADDED, slot=slot
        )
    return slot


def availability_slot_delete(*, slot: AvailabilitySlot) -> None:
    """Remove a weekly slot; offers it was needed for are withdrawn in the same step."""
    with transaction.atomic():
        slot.delete()
        eligibility_changed(
            mediator=slot.mediator, reason=EligibilityChange.AVAILABILITY_REMOVED, slot=slot
        )


def availability_date_create(
    *,
    mediator: Mediator,
    day: datetime.date,
    start_time: datetime.time,
    end_time: datetime.time,
    now: datetime.datetime | None = None,
) -> AvailabilityDate:
    """One-off availability: ``day`` from ``start_time`` to ``end_time`` in local time, in
    addition to the weekly slots (an end of 00:00 is 24:00). Refused, with nothing saved: a
    day before today (local), an end not after the start, an overlap with another one-off
    time of the same day."""
    require_day_in_range(day, field="day")
    if day < local_date(now or timezone.now()):
        raise DomainError(_("The date lies in the past."), field="day")
    if start_time >= end_time and end_time != MIDNIGHT:
        raise DomainError(_("The time must end after it starts."), field="end_time")
    with transaction.atomic():
        dated = _time_add(
            AvailabilityDate,
            _("This time overlaps %(slot)s."),
            mediator=mediator,
            day=day,
            start_time=start_time,
            end_time=end_time,
        )
        eligibility_changed(mediator=mediator, reason=EligibilityChange.AVAILABILITY_ADDED)
    return dated


def availability_date_delete(*, dated: AvailabilityDate) -> None:
    """Remove a one-off time; offers it was needed for are withdrawn in the same step."""
    with transaction.atomic():
        dated.delete()
        eligibility_changed(mediator=dated.mediator, reason=EligibilityChange.AVAILABILITY_REMOVED)


def absence_create(
    *, mediator: Mediator, starts_on: datetime.date, ends_on: datetime.date, note: str = ""
) -> Absence:
    """Whole local days, both inclusive."""
    require_day_in_range(starts_on, field="starts_on")
    require_day_in_range(ends_on, field="ends_on")
    if starts_on > ends_on:
        raise DomainError(_("The absence must end on or after its first day."), field="ends_on")
    absence = Absence(mediator=mediator, starts_on=starts_on, ends_on=ends_on, note=note.strip())
    absence.full_clean()
    with transaction.atomic():
        absence.save()
        eligibility_changed(
            mediator=mediator, reason=EligibilityChange.ABSENCE_ADDED, absence=absence
        )
    return absence


def absence_delete(*, absence: Absence) -> None:
    """Remove an absence: the unfilled requests of its days are tried again after the
    commit. (An absence that simply ends needs nothing: it only ever blocked its own days,
    which lie in the past by then.)"""
    with transaction.atomic():
        absence.delete()
        eligibility_changed(
            mediator=absence.mediator, reason=EligibilityChange.ABSENCE_REMOVED, absence=absence
        )


REFERENCE_KEY_MAX_LENGTH = 255  # ConflictOfInterest.reference_key
CONFLICT_REASON_MAX_LENGTH = 500  # ConflictOfInterest.reason and .lift_reason


def conflict_declare(
    *,
    mediator: Mediator,
    case_reference: str,
    recorded_by: AbstractBaseUser | None,
    institution: Institution,
    reason: str = "",
    now: datetime.datetime | None = None,
) -> ConflictOfInterest:
    """The mediator knows the family of this case (the reference at that institution): never
    offered that case again. The same reference at another institution is another case.

    References are compared in one normalised form (``core.text.case_reference_key``);
    declaring a case that has an active conflict keeps that record. A conflict is a hard
    protection: in the same transaction the bookings app withdraws the pending offers for
    the case, releases the mediator's standbys on it and releases the mediator from its
    confirmed bookings still ahead (``bookings.services.conflicts``).
    """
    case_reference = " ".join((case_reference or "").split())
    reason = (reason or "").strip()
    if not case_reference:
        raise DomainError(_("Give the case reference."), field="case_reference")
    if len(case_reference) > CASE_REFERENCE_MAX_LENGTH:
        raise DomainError(
            _("A case reference has at most %(max)s characters.")
            % {"max": CASE_REFERENCE_MAX_LENGTH},
            field="case_reference",
        )
    if len(reason) > CONFLICT_REASON_MAX_LENGTH:
        raise DomainError(
            _("A reason has at most %(max)s characters.") % {"max": CONFLICT_REASON_MAX_LENGTH},
            field="reason",
        )
    key = case_reference_key(case_reference)
    if len(key) > REFERENCE_KEY_MAX_LENGTH:
        raise DomainError(_("This case reference cannot be kept."), field="case_reference")
    if institution is None or not _institution_served(mediator, institution):
        raise DomainError(
            _("Choose an institution whose bookings the mediator can take."), field="institution"
        )
    with transaction.atomic():
        Mediator.objects.select_for_update().filter(pk=mediator.pk).first()
        conflict = (
            ConflictOfInterest.objects.active()
            .filter(mediator=mediator, institution=institution, reference_key=key)
            .first()
        )
        if conflict is None:
            conflict = ConflictOfInterest.objects.create(
                mediator=mediator,
                institution=institution,
                case_reference=case_reference,
                reason=reason,
                recorded_by_id=recorded_by.pk if recorded_by is not None else None,
            )
            logger.info(
                "conflict of interest declared",
                extra={
                    "conflict_id": conflict.pk,
                    "mediator_id": mediator.pk,
                    "institution_id": institution.pk,
                    "declared_by": recorded_by.pk if recorded_by is not None else None,
                },
            )
            eligibility_changed(
                mediator=mediator,
                reason=EligibilityChange.CONFLICT,
                conflict=conflict,
                actor=recorded_by,
                now=now,
            )
    return conflict


def conflict_lift(
    *,
    conflict: ConflictOfInterest,
    lifted_by: AbstractBaseUser | None,
    reason: str = "",
    now: datetime.datetime | None = None,
) -> ConflictOfInterest:
    """The conflict was recorded in error, or no longer holds: the mediator may be offered
    the case again, and the unfilled requests they may now serve are tried again after the
    commit. The record stays, with who lifted it, when and why (the history)."""
    reason = (reason or "").strip()
    if len(reason) > CONFLICT_REASON_MAX_LENGTH:
        raise DomainError(
            _("A reason has at most %(max)s characters.") % {"max": CONFLICT_REASON_MAX_LENGTH},
            field="reason",
        )
    now = now or timezone.now()
    with transaction.atomic():
        mediator = Mediator.objects.select_for_update().get(pk=conflict.mediator_id)
        lifted = (
            ConflictOfInterest.objects.active()
            .filter(pk=conflict.pk)
            .update(
                lifted_at=now,
                lifted_by_id=lifted_by.pk if lifted_by is not None else None,
                lift_reason=reason,
            )
        )
        if not lifted:
            raise DomainError(_("This conflict of interest is already lifted."))
        logger.info(
            "conflict of interest lifted",
            extra={
                "conflict_id": conflict.pk,
                "mediator_id": mediator.pk,
                "institution_id": conflict.institution_id,
                "lifted_by": lifted_by.pk if lifted_by is not None else None,
            },
        )
        conflict.refresh_from_db()
        eligibility_changed(
            mediator=mediator,
            reason=EligibilityChange.CONFLICT_LIFTED,
            conflict=conflict,
            actor=lifted_by,
        )
    return conflict


def _institution_served(mediator: Mediator, institution: Institution) -> bool:
    """An institution of the mediator's pool or of a pool that shares mediators with it."""
    if institution.pool_id == mediator.pool_id:
        return True
    return Pool.shares_mediators_with.through.objects.filter(
        from_pool_id=institution.pool_id, to_pool_id=mediator.pool_id
    ).exists()
