"""Kinds and statuses of outbox messages, and the defaults of the delivery settings."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class MessageKind(models.TextChoices):
    OFFER_MADE = "offer_made", _("offer made")
    OFFER_WITHDRAWN = "offer_withdrawn", _("offer withdrawn")
    BOOKING_CONFIRMED = "booking_confirmed", _("booking confirmed")
    BOOKING_CHANGED = "booking_changed", _("booking changed")
    BOOKING_CANCELLED = "booking_cancelled", _("booking cancelled")
    BOOKING_REOPENED = "booking_reopened", _("booking re-opened")
    ALERT = "alert", _("alert for coordinators")
    REMINDER = "reminder", _("reminder")
    REPORT_REQUEST = "report_request", _("report request")
    ACCOUNT_INVITATION = "account_invitation", _("account invitation")
    STANDBY_REQUEST = "standby_request", _("standby request")
    STANDBY_RELEASE = "standby_release", _("standby release")
    TAX_FREE_NOTICE = "tax_free_notice", _("tax-free amount notice")
    NOBODY_FOUND = "nobody_found", _("nobody found, told to the institution")
    APPLICANT_MESSAGE = "applicant_message", _("answer to an application")


class MessageChannel(models.TextChoices):
    EMAIL = "email", _("e-mail")
    PUSH = "push", _("push notification")


class MessageStatus(models.TextChoices):
    PENDING = "pending", _("pending")
    SENDING = "sending", _("sending")
    SENT = "sent", _("sent")
    FAILED = "failed", _("failed")
    # Not sent: stale after a change (voided), past its not_after, or a follow-up of a
    # message that never went out.
    SKIPPED = "skipped", _("skipped (obsolete)")


# Kinds that carry a calendar invitation (METHOD:REQUEST) for the booking.
INVITATION_KINDS = (MessageKind.BOOKING_CONFIRMED, MessageKind.BOOKING_CHANGED)

# The kinds a mediator also gets as a push notification on each device they turned it on for
# (notifications.push): new offers, confirmations, changes, cancellations and reminders.
PUSH_KINDS = (
    MessageKind.OFFER_MADE,
    MessageKind.BOOKING_CONFIRMED,
    MessageKind.BOOKING_CHANGED,
    MessageKind.BOOKING_CANCELLED,
    MessageKind.REMINDER,
)

# At most this many rows per delivery task (one task per change is the usual case).
DELIVERY_BATCH = 50
# The delivery task by its registered name: enqueued by name, so that the code writing rows
# needs no import of ``tasks`` (which imports it).
DELIVER_TASK = "notifications.tasks.deliver_messages"

# Which side of a booking a message goes to (kept in Message.context["side"]).
SIDE_INSTITUTION = "institution"
SIDE_MEDIATOR = "mediator"

# Delivery defaults; each can be set in settings (NOTIFICATIONS_<NAME>, see config/settings).
DEFAULTS = {
    "MAX_ATTEMPTS": 6,
    "RETRY_BASE_SECONDS": 60,
    "RETRY_MAX_SECONDS": 3600,
    # A row stuck in `sending` this long lost its worker; the sweep takes it back.
    "LEASE_SECONDS": 300,
    # A row `pending` this long past its due time lost its task; the sweep enqueues it again.
    # With the sweep every 20 s (config/settings), a lost delivery goes out within 50 s. A row
    # whose task merely waits in a busy queue is enqueued twice; the claim in delivery keeps
    # it exactly once, and the sweep moves its due time on, so at most once per grace period.
    "PENDING_GRACE_SECONDS": 30,
    "SWEEP_BATCH": 500,
    "OFFER_LINK_MAX_AGE_SECONDS": 7 * 24 * 3600,
    "FEED_CANCELLED_DAYS": 30,
    "FEED_PAST_DAYS": 180,
    # A message the server accepted is recorded as sent, across a database restart, for
    # this long (reconnecting); it must stay well below LEASE_SECONDS.
    "RECORD_SECONDS": 60,
    # A cached SMTP connection idle longer than this is reopened before use.
    "SMTP_IDLE_SECONDS": 30,
    "ALARM_MINUTES_BEFORE": 60,
    # Finished messages (and used offer links) are deleted after this many days.
    "KEEP_DAYS": 180,
    # How long a push service keeps a notification for a device that is offline (TTL
    # header; an offer's or a reminder's not_after shortens it), and the HTTP time-out.
    "PUSH_TTL_SECONDS": 24 * 3600,
    "PUSH_TIMEOUT_SECONDS": 15,
}
