"""Changes of time, duration or place of a booking, before or after confirmation.

The request rules are checked again for the new values; a confirmed booking keeps its
mediator when they are still free at the new time, otherwise the change answers 409 and
nothing changes. Every change raises the calendar ``sequence`` and is recorded as an event
(same status, old and new values), which sends the updated invitations.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.constants import ActorRole
from core.exceptions import DomainError
from core.time import BERLIN
from institutions.models import Location
from institutions.selectors import coordinator_of, staff_of

from ..constants import RESCHEDULABLE_STATUSES, Status
from ..exceptions import BookingConflict
from ..models import Booking
from ..state_machine import record_event
from .budgets import budget_exceeded_by
from .intake import booking_request_validate, check_intake_rules
from .overlap import mediator_holds_overlap


def _require_may_change(booking: Booking, actor: AbstractBaseUser) -> str:
    staff, coordinator = staff_of(actor), coordinator_of(actor)
    if staff is not None and staff.institution_id == booking.institution_id:
        return ActorRole.INSTITUTION
    if coordinator is not None and coordinator.pool_id == booking.pool_id:
        return ActorRole.COORDINATOR
    raise PermissionDenied(_("Only the institution or a coordinator may change a booking."))


def _as_data(value: Any) -> Any:
    if isinstance(value, datetime.datetime):
        return value.astimezone(BERLIN).isoformat()
    if isinstance(value, Location):
        return value.pk
    return value


def booking_reschedule(
    *,
    booking: Booking,
    actor: AbstractBaseUser,
    starts_at: datetime.datetime | None = None,
    duration_minutes: int | None = None,
    location: Location | None = None,
    reason: str,
    now: datetime.datetime | None = None,
) -> Booking:
    """Move a booking to a new time, duration or place (``None`` keeps a value)."""
    now = now or timezone.now()
    role = _require_may_change(booking, actor)
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Say why the appointment changes."), field="reason")
    with transaction.atomic():
        locked = Booking.objects.select_for_update().select_related("pool").get(pk=booking.pk)
        if locked.status not in RESCHEDULABLE_STATUSES:
            raise BookingConflict(
                _("A booking in status '%(status)s' cannot be changed.")
                % {"status": locked.get_status_display()},
                code="not_changeable",
            )
        if locked.starts_at <= now:
            raise BookingConflict(_("The appointment has already started."), code="started")
        new_start = locked.starts_at if starts_at is None else starts_at
        new_duration = locked.duration_minutes if duration_minutes is None else duration_minutes
        new_location = locked.location if location is None else location
        booking_request_validate(
            institution=locked.institution,
            language=locked.language,
            dialect=locked.dialect,
            starts_at=new_start,
            duration_minutes=new_duration,
            mode=locked.mode,
            location=new_location,
            follow_up_of=None,
            funding_source=None,
            now=now,
        )
        pairs = {
            "starts_at": (locked.starts_at, new_start),
            "duration_minutes": (locked.duration_minutes, new_duration),
            "location": (locked.location, new_location),
        }
        changed = {
            name: [_as_data(old), _as_data(value)]
            for name, (old, value) in pairs.items()
            if old != value
        }
        if not changed:
            raise DomainError(_("Nothing to change: give a new time, duration or place."))
        if "starts_at" in changed:
            check_intake_rules(
                pool=locked.pool,
                starts_at=new_start,
                kind=locked.kind,
                now=now,
                by_coordinator=role == ActorRole.COORDINATOR,
            )
        uses_more_budget = new_duration > locked.duration_minutes or (
            new_start.astimezone(BERLIN).year != locked.starts_at.astimezone(BERLIN).year
        )
        if (
            uses_more_budget
            and role != ActorRole.COORDINATOR
            and locked.status != Status.AWAITING_APPROVAL
            and budget_exceeded_by(
                institution=locked.institution,
                funding_source=locked.funding_source,
                starts_at=new_start,
                duration_minutes=new_duration,
                exclude_booking_id=locked.pk,
                lock=True,
            )
        ):
            raise DomainError(
                _("The change exceeds what is left of the budget; ask the integration centre."),
                field="duration_minutes",
            )
        ends_at = new_start + datetime.timedelta(minutes=new_duration)
        if (
            locked.status == Status.CONFIRMED
            and locked.mediator_id is not None
            and ({"starts_at", "duration_minutes"} & changed.keys())
            and mediator_holds_overlap(
                mediator=locked.mediator_id,
                starts_at=new_start,
                ends_at=ends_at,
                exclude_booking_id=locked.pk,
            )
        ):
            raise BookingConflict(_("The mediator is not free at the new time."), code="overlap")
        locked.starts_at = new_start
        locked.duration_minutes = new_duration
        locked.location = new_location
        locked.ends_at = ends_at
        locked.sequence += 1
        try:
            with transaction.atomic():
                locked.save(
                    update_fields=[
                        "starts_at",
                        "duration_minutes",
                        "ends_at",
                        "location",
                        "sequence",
                        "updated_at",
                    ]
                )
        except IntegrityError as exc:
            # PostgreSQL's exclusion constraint: someone confirmed an overlap meanwhile.
            raise BookingConflict(
                _("The mediator is not free at the new time."), code="overlap"
            ) from exc
        record_event(
            booking=locked,
            from_status=locked.status,
            to_status=locked.status,
            actor=actor,
            actor_role=role,
            reason=reason,
            data={"rescheduled": True, "changes": changed, "sequence": locked.sequence},
        )
    booking.refresh_from_db()
    return locked
