"""Who hears what about a booking: the domain builds its messages, the outbox delivers them.

- ``hooks``: what the services call inside their transaction - which rows an event, an
  offer, a standby or an alert writes, and for whom;
- ``recipients``: the institution's contact, the mediator, the pool's coordinators;
- ``content``: what each kind of booking e-mail says (registered with the transport in
  ``BookingsConfig.ready()``), and ``calendar``: a booking as the appointment that
  ``notifications.ical`` turns into an event (invitations here, feeds in
  ``notifications.feeds``);
- ``periodic``: the reminders and report requests (Celery beat, ``bookings.tasks``);
- ``void``: void at change - the messages a change made stale are skipped in its own
  transaction;
- ``links`` and ``views``: the one-click answer to an offer e-mail.

``notifications`` is the transport (outbox, rendering, iCalendar, delivery, feeds): it
imports nothing of bookings but in its feed module.
"""
