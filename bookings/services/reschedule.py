"""Changes of time, duration or place of a booking, before or after confirmation.

The request rules are checked again for the new values. A confirmed booking keeps its
mediator only when they still meet every hard rule of matching at the new time and place
(``matching.facts.is_eligible``, the booking itself left out of what they hold):
availability, absences, travel range, travel time between appointments, hour limits,
vetting for the setting, conflicts of interest and the rest. Otherwise the mediator is
released in the same step: the booking goes back to ``requested`` through the state
machine, the mediator is told (with the calendar cancellation), the institution is told why
(a tentative invitation with a new SEQUENCE) and matching starts again, the standby first.
A booking nobody holds (``requested``, ``unfilled``) is matched again for the new values.

Every change raises the calendar ``sequence`` and is recorded as one event with the old and
new values and the outcome (``constants.RescheduleOutcome``; for a release the broken hard
rules and the reasons the institution is given), which sends the messages.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.constants import ActorRole
from core.exceptions import DomainError
from core.time import BERLIN, add_minutes
from institutions.models import Location
from mediators.models import Mediator

from ..access import require_can_reschedule
from ..constants import (
    RESCHEDULABLE_STATUSES,
    Mode,
    ReleaseReason,
    RescheduleOutcome,
    Status,
)
from ..exceptions import BookingConflict
from ..locking import conflict_on_integrity_error, lock_booking_and_mediator
from ..matching.facts import broken_rules, is_eligible
from ..matching.hard_rules import HardRule
from ..models import Booking
from ..state_machine import record_event, transition
from .access_log import access_log_change
from .budgets import budget_exceeded_by
from .intake import booking_request_validate, check_intake_rules
from .meeting import MeetingDetails, meeting_details_check
from .offers import matching_after_reschedule, offers_withdraw_ineligible
from .rematch import time_freed_rematch
from .standby import standby_after_reschedule


def _as_data(value: Any) -> Any:
    if isinstance(value, datetime.datetime):
        return value.astimezone(BERLIN).isoformat()
    if isinstance(value, Location):
        return value.pk
    return value


@dataclass(frozen=True)
class _Change:
    """The new values of a booking and what changes (``[old, new]`` per field)."""

    values: dict[str, Any]
    changed: dict[str, list[Any]]


def _meeting(
    meeting_url: str | None, dial_in_number: str | None, dial_in_pin: str | None
) -> dict[str, str | None]:
    return {
        "meeting_url": meeting_url,
        "dial_in_number": dial_in_number,
        "dial_in_pin": dial_in_pin,
    }


def _require_changeable(booking: Booking, *, now: datetime.datetime) -> None:
    if booking.status not in RESCHEDULABLE_STATUSES:
        raise BookingConflict(
            _("A booking in status '%(status)s' cannot be changed.")
            % {"status": booking.get_status_display()},
            code="not_changeable",
        )
    if booking.starts_at <= now:
        raise BookingConflict(_("The appointment has already started."), code="started")


def _planned_change(
    booking: Booking,
    *,
    role: str,
    starts_at: datetime.datetime | None,
    duration_minutes: int | None,
    location: Location | None,
    mode: str | None,
    meeting: dict[str, str | None],
    now: datetime.datetime,
    lock: bool,
) -> _Change:
    """Check the new values against the request rules, the notice and the budget, as
    ``booking_reschedule`` does; ``lock`` locks the budget row (inside the change). Moved
    to phone or video, the booking keeps no place unless one is given."""
    new_start = booking.starts_at if starts_at is None else starts_at
    new_duration = booking.duration_minutes if duration_minutes is None else duration_minutes
    new_mode = booking.mode if mode is None else mode
    if new_mode not in Mode.values:
        raise DomainError(_("Unknown mode."), field="mode")
    new_location = booking.location if location is None else location
    if new_mode != booking.mode and new_mode != Mode.ON_SITE and location is None:
        new_location = None  # moved to phone or video: the place goes unless one is given
    booking_request_validate(
        institution=booking.institution,
        language=booking.language,
        dialect=booking.dialect,
        starts_at=new_start,
        duration_minutes=new_duration,
        mode=new_mode,
        location=new_location,
        follow_up_of=None,
        funding_source=None,
        now=now,
    )
    new_meeting = _new_meeting_details(booking, mode=new_mode, given=meeting)
    pairs = {
        "starts_at": (booking.starts_at, new_start),
        "duration_minutes": (booking.duration_minutes, new_duration),
        "location": (booking.location, new_location),
        "mode": (booking.mode, new_mode),
    }
    changed = {
        name: [_as_data(old), _as_data(value)]
        for name, (old, value) in pairs.items()
        if old != value
    }
    old_meeting = MeetingDetails(booking.meeting_url, booking.dial_in_number, booking.dial_in_pin)
    if new_meeting != old_meeting:
        # Whether there were and are details; the link itself stays out of the event log.
        changed["meeting_details"] = [old_meeting.given, new_meeting.given]
    if not changed:
        raise DomainError(_("Nothing to change: give a new time, duration or place."))
    if "starts_at" in changed:
        check_intake_rules(
            pool=booking.pool,
            starts_at=new_start,
            kind=booking.kind,
            now=now,
            by_coordinator=role == ActorRole.COORDINATOR,
        )
    uses_more_budget = new_duration > booking.duration_minutes or (
        new_start.astimezone(BERLIN).year != booking.starts_at.astimezone(BERLIN).year
    )
    if (
        uses_more_budget
        and role != ActorRole.COORDINATOR
        and booking.status != Status.AWAITING_APPROVAL
        and budget_exceeded_by(
            institution=booking.institution,
            funding_source=booking.funding_source,
            starts_at=new_start,
            duration_minutes=new_duration,
            exclude_booking_id=booking.pk,
            lock=lock,
        )
    ):
        raise DomainError(
            _("The change exceeds what is left of the budget; ask the integration centre."),
            field="duration_minutes",
        )
    return _Change(
        values={
            "starts_at": new_start,
            "duration_minutes": new_duration,
            "ends_at": add_minutes(new_start, new_duration),
            "location": new_location,
            "mode": new_mode,
            "meeting_url": new_meeting.meeting_url,
            "dial_in_number": new_meeting.dial_in_number,
            "dial_in_pin": new_meeting.dial_in_pin,
            "sequence": booking.sequence + 1,
        },
        changed=changed,
    )


def _new_meeting_details(
    booking: Booking, *, mode: str, given: dict[str, str | None]
) -> MeetingDetails:
    """The details after the change, checked again: a value given replaces the booking's,
    ``None`` keeps it while the mode stays; a new mode drops the old mode's details."""
    kept = booking.mode == mode
    values = {
        name: value if value is not None else (getattr(booking, name) if kept else "")
        for name, value in given.items()
    }
    return meeting_details_check(pool=booking.pool, mode=mode, **values)  # type: ignore[arg-type]


@dataclass(frozen=True)
class ReschedulePreview:
    """What a change would do, before it is made: the outcome, what changes, and for a
    released mediator the hard rules they break and the reasons the institution is given."""

    outcome: str
    changes: dict[str, list[Any]]
    mediator: Mediator | None
    broken_rules: tuple[str, ...] = ()
    release_reasons: tuple[str, ...] = ()


def booking_reschedule_preview(
    *,
    booking: Booking,
    actor: AbstractBaseUser,
    starts_at: datetime.datetime | None = None,
    duration_minutes: int | None = None,
    location: Location | None = None,
    mode: str | None = None,
    meeting_url: str | None = None,
    dial_in_number: str | None = None,
    dial_in_pin: str | None = None,
    now: datetime.datetime | None = None,
) -> ReschedulePreview:
    """What ``booking_reschedule`` would do with these values now, writing nothing: the
    same checks (the same errors), and whether the mediator would be kept or released."""
    now = now or timezone.now()
    role = require_can_reschedule(actor, booking)
    current = (
        Booking.objects.select_related("pool", "institution", "language", "dialect", "location")
        .select_related("mediator")
        .get(pk=booking.pk)
    )
    _require_changeable(current, now=now)
    change = _planned_change(
        current,
        role=role,
        starts_at=starts_at,
        duration_minutes=duration_minutes,
        location=location,
        mode=mode,
        meeting=_meeting(meeting_url, dial_in_number, dial_in_pin),
        now=now,
        lock=False,
    )
    mediator = current.mediator
    for name, value in change.values.items():
        setattr(current, name, value)  # in memory only, for the hard rules of matching
    if current.status == Status.CONFIRMED and mediator is not None:
        if is_eligible(current, mediator, now=now):
            return ReschedulePreview(
                outcome=RescheduleOutcome.MEDIATOR_KEPT, changes=change.changed, mediator=mediator
            )
        broken = tuple(broken_rules(current, mediator))
        return ReschedulePreview(
            outcome=RescheduleOutcome.MEDIATOR_RELEASED,
            changes=change.changed,
            mediator=mediator,
            broken_rules=broken,
            release_reasons=tuple(release_reasons(broken)),
        )
    outcome = (
        RescheduleOutcome.AWAITING_APPROVAL
        if current.status == Status.AWAITING_APPROVAL
        else RescheduleOutcome.MATCHING_AGAIN
    )
    return ReschedulePreview(outcome=outcome, changes=change.changed, mediator=None)


def booking_reschedule(
    *,
    booking: Booking,
    actor: AbstractBaseUser,
    starts_at: datetime.datetime | None = None,
    duration_minutes: int | None = None,
    location: Location | None = None,
    mode: str | None = None,
    meeting_url: str | None = None,
    dial_in_number: str | None = None,
    dial_in_pin: str | None = None,
    reason: str,
    now: datetime.datetime | None = None,
) -> Booking:
    """Move a booking to a new time, duration, mode or place, or give it new video or phone
    details (``None`` keeps a value; ``services.meeting``)."""
    now = now or timezone.now()
    role = require_can_reschedule(actor, booking)
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Say why the appointment changes."), field="reason")
    with transaction.atomic():
        # The booking, then the mediator it names (nobody confirms them elsewhere while
        # their eligibility is decided), the budget last (bookings.locking).
        locked, mediator = lock_booking_and_mediator(booking)
        _require_changeable(locked, now=now)
        change = _planned_change(
            locked,
            role=role,
            starts_at=starts_at,
            duration_minutes=duration_minutes,
            location=location,
            mode=mode,
            meeting=_meeting(meeting_url, dial_in_number, dial_in_pin),
            now=now,
            lock=True,
        )
        values, changed = change.values, change.changed
        data: dict[str, Any] = {
            "rescheduled": True,
            "changes": changed,
            "sequence": values["sequence"],
        }
        old_start, old_end = locked.starts_at, locked.ends_at
        # The booking as it will be, in memory, for the hard rules of matching.
        for name, value in values.items():
            setattr(locked, name, value)
        if locked.status == Status.CONFIRMED and mediator is not None:
            data["mediator_id"] = mediator.pk
            if is_eligible(locked, mediator, now=now):
                data["outcome"] = RescheduleOutcome.MEDIATOR_KEPT
                changed_booking = _save_in_place(locked, actor=actor, role=role, reason=reason,
                                                 data=data)  # fmt: skip
                standby_after_reschedule(changed_booking, now=now)
                # Offers follow eligibility: the mediator's pending offers that clash with
                # the new time are withdrawn and offered on.
                offers_withdraw_ineligible(mediator=mediator, now=now, skip_booking=locked.pk)
            else:
                changed_booking = mediator_release(
                    locked,
                    broken=broken_rules(locked, mediator),
                    actor=actor,
                    role=role,
                    reason=reason,
                    data=data,
                    changes=values,
                    now=now,
                )
            # The old time is free for the mediator now: unfilled requests around it may fit.
            time_freed_rematch(mediator_id=mediator.pk, starts_at=old_start, ends_at=old_end)
        elif locked.status == Status.UNFILLED:
            data["outcome"] = RescheduleOutcome.MATCHING_AGAIN
            changed_booking = transition(
                locked,
                to=Status.REQUESTED,
                actor=actor,
                actor_role=role,
                reason=reason,
                allowed_from={Status.UNFILLED},
                changes=values,
                data=data,
            )
            matching_after_reschedule(booking=changed_booking, now=now)
        elif locked.status == Status.REQUESTED:
            data["outcome"] = RescheduleOutcome.MATCHING_AGAIN
            changed_booking = _save_in_place(locked, actor=actor, role=role, reason=reason,
                                             data=data)  # fmt: skip
            matching_after_reschedule(booking=changed_booking, now=now)
        else:
            data["outcome"] = RescheduleOutcome.AWAITING_APPROVAL
            changed_booking = _save_in_place(locked, actor=actor, role=role, reason=reason,
                                             data=data)  # fmt: skip
        access_log_change(booking=changed_booking, actor=actor)
    booking.refresh_from_db()
    return changed_booking


def mediator_release(
    locked: Booking,
    *,
    broken: tuple[str, ...] | list[str],
    actor: AbstractBaseUser | None,
    role: str,
    reason: str,
    data: dict[str, Any],
    changes: dict[str, Any] | None = None,
    now: datetime.datetime,
) -> Booking:
    """Release the mediator of a locked, confirmed booking who breaks the hard rules
    ``broken``: back to ``requested`` through the state machine (with ``changes``), one
    event whose outcome and reasons send the messages (the mediator's calendar
    cancellation, the institution's "new mediator needed" with only the reasons it may be
    given), and matching again after the commit, the standby first."""
    data = {
        **data,
        "outcome": RescheduleOutcome.MEDIATOR_RELEASED,
        "broken_rules": list(broken),
        "release_reasons": release_reasons(broken),
    }
    released = transition(
        locked,
        to=Status.REQUESTED,
        actor=actor,
        actor_role=role,
        reason=reason,
        allowed_from={Status.CONFIRMED},
        changes={**(changes or {}), "mediator": None, "confirmed_at": None},
        data=data,
    )
    matching_after_reschedule(booking=released, now=now)
    return released


# The reason the institution is given for each broken hard rule (RULES for the rest): the
# exact rules, some of them personal (an absence, a conflict of interest), are for
# coordinators.
RELEASE_REASON_OF: dict[str, ReleaseReason] = {
    HardRule.AVAILABILITY: ReleaseReason.TIME,
    HardRule.ABSENCE: ReleaseReason.TIME,
    HardRule.OVERLAP: ReleaseReason.TIME,
    HardRule.HOUR_LIMIT: ReleaseReason.TIME,
    HardRule.TRAVEL_RANGE: ReleaseReason.PLACE,
}


def release_reasons(broken: tuple[str, ...] | list[str]) -> list[str]:
    """The reasons the institution is given for the broken rules, each once, in the order of
    ``ReleaseReason``; RULES when no rule could be named."""
    given = {RELEASE_REASON_OF.get(rule, ReleaseReason.RULES) for rule in broken}
    return [reason.value for reason in ReleaseReason if reason in given] or [ReleaseReason.RULES]


def _save_in_place(
    locked: Booking, *, actor: AbstractBaseUser, role: str, reason: str, data: dict[str, Any]
) -> Booking:
    """Write the new values of a booking whose status stays, and its event."""
    # PostgreSQL's exclusion constraint: someone confirmed an overlap meanwhile.
    with conflict_on_integrity_error(_("The mediator is not free at the new time.")):
        locked.save(
            update_fields=[
                "starts_at",
                "duration_minutes",
                "ends_at",
                "location",
                "mode",
                "meeting_url",
                "dial_in_number",
                "dial_in_pin",
                "sequence",
                "updated_at",
            ]
        )
    record_event(
        booking=locked,
        from_status=locked.status,
        to_status=locked.status,
        actor=actor,
        actor_role=role,
        reason=reason,
        data=data,
    )
    return locked
