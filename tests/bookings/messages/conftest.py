"""The fixtures of the notifications tests: a booking whose both sides have addresses."""

from tests.notifications.conftest import booking, confirmed, mediator, staff  # noqa: F401
