"""Who hears about a booking: the mediator, the institution's contact, the pool's
coordinators, each with the address, name and language to write to them in."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from institutions.models import Coordinator
from notifications.recipients import Recipient, message_language

if TYPE_CHECKING:
    from institutions.models import Pool
    from mediators.models import Mediator

    from ..models import Booking


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
