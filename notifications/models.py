"""The outbox of messages, the secret calendar feeds and the used one-click offer links."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .constants import MessageChannel, MessageKind, MessageStatus


class Message(models.Model):
    """One e-mail to one recipient - or one push notification to one of their devices
    (``channel``) - written in the transaction of the change that causes it.

    Delivery moves it ``pending → sending → sent | failed``; every move is a status-guarded
    update, so no row is sent twice. A row ends ``skipped`` when the change that made it stale
    voids it (``services.messages_void``), or when its ``not_after`` has passed.
    """

    # pool and booking are indexed by message_pool_status and message_booking_kind: every
    # status move updates each index of the table, so there is none too many.
    pool = models.ForeignKey(
        "institutions.Pool",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="messages",
        db_index=False,
    )
    kind = models.CharField(_("kind"), max_length=32, choices=MessageKind.choices)
    # A push row goes to the device in context["subscription_id"]; its ``rendered`` holds
    # the notification's JSON (notifications.push), written alongside the e-mail's row.
    channel = models.CharField(
        _("channel"), max_length=5, choices=MessageChannel.choices, default=MessageChannel.EMAIL
    )
    idempotency_key = models.CharField(_("idempotency key"), max_length=200)
    status = models.CharField(
        _("status"), max_length=10, choices=MessageStatus.choices, default=MessageStatus.PENDING
    )
    recipient_email = models.EmailField(_("recipient"))
    recipient_name = models.CharField(_("recipient name"), max_length=200, blank=True)
    recipient_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    language = models.CharField(_("language"), max_length=5, default="de")
    booking = models.ForeignKey(
        "bookings.Booking",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="messages",
        db_index=False,
    )
    # The booking's calendar sequence when the message was written (a change of time or
    # place raises it: bookings.messages.void compares the two).
    booking_sequence = models.PositiveIntegerField(null=True, blank=True)
    offer = models.ForeignKey(
        "bookings.Offer",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="messages",
    )
    context = models.JSONField(default=dict, blank=True)
    # The e-mail as rendered when the row was written (RFC 5322 bytes, CRLF), sent as is;
    # dropped once the row is finished (it holds names and the place of the appointment).
    rendered = models.BinaryField(null=True, blank=True, editable=False)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    next_attempt_at = models.DateTimeField(_("next attempt"), default=timezone.now)
    # The moment from which the row must not go out any more (an offer's expiry, an
    # appointment's start; set to the past when a change voids the row): the worker skips it.
    not_after = models.DateTimeField(null=True, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    # Set by each claim: only the claimant finishes the row.
    claim = models.CharField(max_length=32, blank=True, editable=False)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ["-created_at", "-pk"]
        indexes = [
            # Only rows still to deliver: a row that is finished leaves the index (and
            # finishing it writes no entry into it).
            models.Index(
                fields=["status", "next_attempt_at"],
                name="message_due",
                condition=models.Q(status__in=["pending", "sending"]),
            ),
            models.Index(fields=["pool", "status"], name="message_pool_status"),
            models.Index(fields=["booking", "kind"], name="message_booking_kind"),
        ]
        constraints = [
            # A constraint rather than unique=True: no second (LIKE pattern) index.
            models.UniqueConstraint(fields=["idempotency_key"], name="message_idempotency_key"),
            models.CheckConstraint(
                condition=~models.Q(status="sent") | models.Q(sent_at__isnull=False),
                name="message_sent_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} → {self.recipient_email} ({self.status})"


class CalendarFeed(models.Model):
    """A mediator's or an institution's secret calendar feed.

    The token in the URL is never stored: it is ``HMAC(SECRET_KEY, nonce)`` of a random
    nonce, and only its SHA-256 is kept for the look-up. So the owner can be shown the URL
    again, while a copy of the database alone opens no feed. Rotating draws a new nonce,
    and the old URL answers 404.
    """

    mediator = models.OneToOneField(
        "mediators.Mediator",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="calendar_feed",
    )
    institution = models.OneToOneField(
        "institutions.Institution",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="calendar_feed",
    )
    nonce = models.CharField(max_length=64)
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    rotated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("calendar feed")
        verbose_name_plural = _("calendar feeds")
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(mediator__isnull=False) & models.Q(institution__isnull=True))
                | (models.Q(mediator__isnull=True) & models.Q(institution__isnull=False)),
                name="calendar_feed_one_owner",
            ),
        ]

    def __str__(self) -> str:
        return f"Feed of {self.mediator or self.institution}"


class OfferLinkUse(models.Model):
    """A one-click offer link that was used: each link works once."""

    link_id = models.CharField(max_length=64, unique=True)
    offer = models.ForeignKey("bookings.Offer", on_delete=models.CASCADE, related_name="+")
    action = models.CharField(max_length=10)
    used_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("used offer link")
        verbose_name_plural = _("used offer links")

    def __str__(self) -> str:
        return f"{self.action} offer {self.offer_id}"


class PushSubscription(models.Model):
    """One device (a browser on a phone or computer) on which a mediator turned push
    notifications on: the push service's endpoint and the keys to encrypt for it (RFC 8291).
    Removed when its owner turns it off, or when the push service answers 404 or 410."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="push_subscriptions"
    )
    endpoint = models.URLField(_("endpoint"), max_length=1000, unique=True)
    p256dh = models.CharField(max_length=200)
    auth = models.CharField(max_length=100)
    label = models.CharField(_("device"), max_length=100, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    last_success_at = models.DateTimeField(_("last delivered"), null=True, blank=True)

    class Meta:
        verbose_name = _("push subscription")
        verbose_name_plural = _("push subscriptions")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.label or 'device'} of user {self.user_id}"
