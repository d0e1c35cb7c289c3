"""Services that change institutions and their locations."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils.translation import gettext as _

from core.exceptions import DomainError
from core.invitations import account_invite

from .models import Institution, Location, Pool, PostalCode, Staff, Town

INSTITUTION_EDITABLE_FIELDS = ("name", "kind", "town", "email", "phone", "active")


def institution_create(
    *,
    pool: Pool,
    name: str,
    kind: str,
    town: Town,
    email: str = "",
    phone: str = "",
    active: bool = True,
) -> Institution:
    institution = Institution(
        pool=pool, name=name, kind=kind, town=town, email=email, phone=phone, active=active
    )
    institution.full_clean()
    with transaction.atomic():
        institution.save()
    return institution


def institution_update(*, institution: Institution, data: dict[str, Any]) -> Institution:
    """Change the given fields (name, kind, town, e-mail, phone, active); others are ignored."""
    changed = [name for name in INSTITUTION_EDITABLE_FIELDS if name in data]
    for name in changed:
        setattr(institution, name, data[name])
    if changed:
        institution.full_clean()
        with transaction.atomic():
            institution.save(update_fields=changed)
    return institution


def location_create(
    *,
    institution: Institution,
    name: str,
    address: str,
    postal_code: str,
    town: Town | None = None,
    latitude: float | None = None,
    longitude: float | None = None,
) -> Location:
    """Add a place where appointments happen.

    Town and coordinates follow from the postal code (shipped as data for the district);
    given coordinates win. An unknown postal code needs coordinates and a town.
    """
    known = PostalCode.objects.select_related("town").filter(code=postal_code).first()
    if (latitude is None) != (longitude is None):
        raise DomainError(_("Give both latitude and longitude, or neither."), field="latitude")
    if known is None and latitude is None:
        raise DomainError(
            _("Unknown postal code: give latitude and longitude of the place."),
            field="postal_code",
        )
    if town is None:
        if known is None:
            raise DomainError(_("Unknown postal code: give the town."), field="town")
        town = known.town
    location = Location(
        institution=institution,
        name=name,
        address=address,
        postal_code=postal_code,
        town=town,
        latitude=latitude if latitude is not None else known.latitude,  # type: ignore[union-attr]
        longitude=longitude if longitude is not None else known.longitude,  # type: ignore[union-attr]
    )
    location.full_clean()
    with transaction.atomic():
        location.save()
    return location


def staff_create(
    *,
    institution: Institution,
    email: str,
    first_name: str,
    last_name: str,
    role: str,
    phone: str = "",
    language: str = "de",
) -> Staff:
    """A staff account of an institution (no usable password: the invitation e-mail sets it)."""
    email = email.strip().lower()
    user_model = get_user_model()
    if user_model.objects.filter(username__iexact=email).exists() or (
        user_model.objects.filter(email__iexact=email).exists()
    ):
        raise DomainError(_("An account with this e-mail address exists already."), field="email")
    with transaction.atomic():
        user = user_model(username=email, email=email, first_name=first_name, last_name=last_name)
        user.set_unusable_password()
        user.full_clean(exclude=["password"])
        user.save()
        staff = Staff(user=user, institution=institution, role=role, phone=phone, language=language)
        staff.full_clean()
        staff.save()
        account_invite(user=user, pool=institution.pool, language=language, staff=True)
    return staff
