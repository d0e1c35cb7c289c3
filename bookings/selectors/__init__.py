"""Selectors that read bookings, one module per concern as in ``services/``. Import from
here: ``from bookings.selectors import bookings_visible_to``.

``bookings`` decides what a user may see of which booking and what they may do to it;
``budgets`` the use of the yearly budgets; ``statements`` the allowances of a month and the
tax-free status of the year; ``work_list`` what waits for a pool's coordinators;
``reschedule`` what a change of time or place did to the search for a mediator.
"""

from .bookings import (
    MEDIATOR_SHOWN_STATUSES,
    VISIBLE_OFFER_STATUSES,
    BookingActions,
    BookingView,
    booking_actions_for,
    booking_after_change,
    booking_detail_queryset,
    booking_list,
    booking_list_rows,
    booking_view_for,
    bookings_ordered,
    bookings_visible_to,
)
from .budgets import (
    COUNTED_STATUSES,
    BudgetUse,
    budget_hours_used,
    budget_use_for_pool,
    budget_use_visible_to,
)
from .reschedule import (
    RescheduleNote,
    last_reschedule_for,
    reschedule_explanation,
    timeline_for,
)
from .statements import (
    Statement,
    TaxFreeStatus,
    mediator_statement,
    mediator_tax_free_status,
    pool_statement_totals,
    tax_free_state,
)
from .work_list import WorkList, work_list_for

__all__ = [
    "COUNTED_STATUSES",
    "MEDIATOR_SHOWN_STATUSES",
    "VISIBLE_OFFER_STATUSES",
    "BookingActions",
    "BookingView",
    "BudgetUse",
    "RescheduleNote",
    "Statement",
    "TaxFreeStatus",
    "WorkList",
    "booking_actions_for",
    "booking_after_change",
    "booking_detail_queryset",
    "booking_list",
    "booking_list_rows",
    "booking_view_for",
    "bookings_ordered",
    "bookings_visible_to",
    "budget_hours_used",
    "budget_use_for_pool",
    "budget_use_visible_to",
    "last_reschedule_for",
    "mediator_statement",
    "mediator_tax_free_status",
    "pool_statement_totals",
    "reschedule_explanation",
    "tax_free_state",
    "timeline_for",
    "work_list_for",
]
