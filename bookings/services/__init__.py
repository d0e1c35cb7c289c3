"""Services that change bookings. Import from here: ``from bookings.services import ...``."""

from .booking import (
    booking_approve,
    booking_cancel,
    booking_create,
    booking_refuse,
    is_late_cancellation,
)
from .intake import check_intake_rules, earliest_start_day, is_working_day, working_days_between

__all__ = [
    "booking_approve",
    "booking_cancel",
    "booking_create",
    "booking_refuse",
    "check_intake_rules",
    "earliest_start_day",
    "is_late_cancellation",
    "is_working_day",
    "working_days_between",
]
