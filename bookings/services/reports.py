"""Reports after the appointment and the expense allowance (compensation rules).

Filled in by the compensation work; see bookings/services/__init__.py for the public names.
"""

from __future__ import annotations

from ..models import Booking


def allowance_for_late_cancellation(*, booking: Booking) -> None:
    raise NotImplementedError("compensation rules follow")
