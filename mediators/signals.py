"""What the mediators app tells the rest of the project, without knowing who listens.

``mediator_eligibility_changed`` is sent by ``mediators.services`` inside the transaction of
every change that can make a mediator eligible or ineligible for appointments: their
profile's rules (pause and resume, vetting, travel range and home, hour limits, declined
topics), their languages, their weekly availability, their absences. The bookings app
listens (``bookings.receivers``): it withdraws, in the same transaction, the pending offers
the change made ineligible and offers the next candidates, and after the commit it tries the
unfilled requests again that the change may let the mediator serve. The mediators app
imports nothing of bookings (import-linter), hence a signal.

Arguments: ``mediator`` (the changed mediator), ``reason`` (one of ``EligibilityChange``)
and, for a change in time, ``slot`` (the added or removed ``AvailabilitySlot``) or
``absence`` (the added or removed ``Absence``); for a conflict of interest declared or
lifted, ``conflict`` (the record) and ``actor`` (who declared or lifted it): the bookings app
records it in the access log and, for a declaration, releases the mediator from the
confirmed bookings of that case still ahead, in the same transaction.
"""

from __future__ import annotations

from enum import StrEnum

from django.dispatch import Signal

mediator_eligibility_changed = Signal()


class EligibilityChange(StrEnum):
    """Why a mediator's eligibility may have changed (the signal's ``reason``)."""

    PAUSE = "pause"
    RESUME = "resume"
    VETTING = "vetting"  # training, pledge, police certificate
    RANGE = "range"  # travel range or home
    LANGUAGES = "languages"
    PROFILE = "profile"  # hour limits, declined topics, or several kinds at once
    AVAILABILITY_ADDED = "availability_added"
    AVAILABILITY_REMOVED = "availability_removed"
    ABSENCE_ADDED = "absence_added"
    ABSENCE_REMOVED = "absence_removed"
    CONFLICT = "conflict"  # a conflict of interest declared
    CONFLICT_LIFTED = "conflict_lifted"  # a conflict of interest lifted


# Changes that can only take eligibility away, and those that can only give it.
NARROWING = frozenset(
    {
        EligibilityChange.PAUSE,
        EligibilityChange.AVAILABILITY_REMOVED,
        EligibilityChange.ABSENCE_ADDED,
        EligibilityChange.CONFLICT,
    }
)
WIDENING = frozenset(
    {
        EligibilityChange.RESUME,
        EligibilityChange.AVAILABILITY_ADDED,
        EligibilityChange.ABSENCE_REMOVED,
        EligibilityChange.CONFLICT_LIFTED,
    }
)
