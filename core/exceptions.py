"""Domain errors raised by services; config.exceptions maps them to HTTP answers, the pages
show them next to the field they name."""


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


class Conflict(Exception):
    """The state of what is changed does not allow this action: answers 409."""

    code = "conflict"

    def __init__(self, message: str, *, code: str | None = None):
        super().__init__(message)
        if code:
            self.code = code
