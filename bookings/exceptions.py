"""Domain exceptions raised by services; config.exceptions maps them to HTTP answers."""


class DomainError(Exception):
    """Invalid input for a rule of the product: answers 400 with a field error."""

    code = "invalid"

    def __init__(self, message: str, *, field: str = "non_field_errors", code: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
        if code:
            self.code = code

    def as_dict(self) -> dict[str, list[str]]:
        return {self.field: [str(self.message)]}


class IntakeRefused(DomainError):
    """A request that the pool's intake rules refuse (notice, kind of appointment)."""

    code = "intake_refused"


class BookingConflict(Exception):
    """The booking's state does not allow this action: answers 409."""

    code = "conflict"

    def __init__(self, message: str, *, code: str | None = None):
        super().__init__(message)
        if code:
            self.code = code


class InvalidTransition(BookingConflict):
    code = "invalid_transition"


class NotEligible(BookingConflict):
    """The chosen mediator may not take this booking (any more): answers 409."""

    code = "not_eligible"


class CompensationRuleMissing(DomainError):
    """The pool has no compensation rule valid on the appointment's day."""

    code = "no_compensation_rule"
