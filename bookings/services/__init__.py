"""Services that change bookings. Import from here: ``from bookings.services import ...``."""

from .access_log import access_log_record
from .booking import (
    booking_approve,
    booking_cancel,
    booking_create,
    booking_refuse,
    is_late_cancellation,
)
from .compensation import allowance_compute, compensation_rule_for
from .intake import (
    booking_request_validate,
    check_intake_rules,
    earliest_start_day,
    is_working_day,
    working_days_between,
)
from .overlap import mediator_holds_overlap
from .reports import (
    allowance_for_late_cancellation,
    booking_mark_no_show,
    late_cancellation_travel_report,
    report_call_back_done,
    report_confirm,
    report_dispute,
    report_resolve,
    report_submit,
)
from .reschedule import booking_reschedule, booking_reschedule_preview

__all__ = [
    "access_log_record",
    "allowance_compute",
    "allowance_for_late_cancellation",
    "booking_approve",
    "booking_cancel",
    "booking_create",
    "booking_mark_no_show",
    "booking_refuse",
    "booking_request_validate",
    "booking_reschedule",
    "booking_reschedule_preview",
    "check_intake_rules",
    "compensation_rule_for",
    "earliest_start_day",
    "is_late_cancellation",
    "is_working_day",
    "late_cancellation_travel_report",
    "mediator_holds_overlap",
    "report_call_back_done",
    "report_confirm",
    "report_dispute",
    "report_resolve",
    "report_submit",
    "working_days_between",
]
