"""The bookings' own domain errors, refinements of core's (config.exceptions maps those to
HTTP answers)."""

from core.exceptions import Conflict, DomainError


class IntakeRefused(DomainError):
    """A request that the pool's intake rules refuse (notice, kind of appointment)."""

    code = "intake_refused"


class BookingConflict(Conflict):
    """The booking's state does not allow this action: answers 409."""


class InvalidTransition(BookingConflict):
    code = "invalid_transition"


class NotEligible(BookingConflict):
    """The chosen mediator may not take this booking (any more): answers 409."""

    code = "not_eligible"


class CompensationRuleMissing(DomainError):
    """The pool has no compensation rule valid on the appointment's day."""

    code = "no_compensation_rule"
