"""Signals of the mediators app, for the apps above it (which mediators must not import).

``mediator_eligibility_changed`` is sent inside the transaction of a change to a mediator
that may make them ineligible for bookings: a conflict of interest declared, an absence, a
pause, a lapsed police certificate, a changed travel range or languages. Arguments:

- ``mediator``: the ``Mediator`` that changed;
- ``reason``: a short word for the change (``"conflict"``, ``"absence"``, ``"pause"``, ...),
  for the receivers' logs and decisions;
- ``now`` (optional): the moment of the change (the receivers' clock; default: now).

The bookings app connects a receiver in ``BookingsConfig.ready()``
(``bookings.receivers``): it withdraws the mediator's pending offers they are no longer
eligible for and offers those bookings on, and releases - explicitly, telling the
coordinators - their standbys they are no longer eligible for. Send it after the change is
written, in the same transaction, so that a rollback undoes both.
"""

from __future__ import annotations

from django.dispatch import Signal

mediator_eligibility_changed = Signal()
