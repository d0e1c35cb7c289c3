"""Bookings, their events, offers, reports and allowances.

A booking's ``status`` is only ever changed by ``bookings.state_machine.transition``.
"""

import datetime

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.constants import CASE_REFERENCE_MAX_LENGTH, ActorRole, Topic

from .constants import (
    MAX_DURATION_MINUTES,
    MEETING_URL_MAX_LENGTH,
    MIN_DURATION_MINUTES,
    AllowanceKind,
    AppointmentKind,
    Field,
    GenderPreference,
    Mode,
    OfferStatus,
    ReportStatus,
    Status,
)

# A booking lasts at most this long (``booking_duration_range``, and ``ends_at`` is
# ``starts_at`` plus the duration in elapsed time: ``core.time.add_duration``).
LONGEST_BOOKING = datetime.timedelta(minutes=MAX_DURATION_MINUTES)


def overlapping(lo: datetime.datetime, hi: datetime.datetime, *, via: str = "") -> models.Q:
    """Bookings whose time overlaps ``[lo, hi)`` (``via``: the path to the booking, e.g.
    ``"booking__"`` from a standby). One that ends after ``lo`` started after
    ``lo - LONGEST_BOOKING``: saying so bounds ``starts_at`` on both sides, so the
    (mediator, starts_at) index reads the few bookings around the window instead of every
    booking the mediator ever held before ``hi``. The same rows as without the bound."""
    return models.Q(
        **{
            f"{via}starts_at__lt": hi,
            f"{via}ends_at__gt": lo,
            f"{via}starts_at__gt": lo - LONGEST_BOOKING,
        }
    )


class BookingSeries(models.Model):
    """Appointments requested together as one series (``services.series``): the same
    request every ``interval_weeks`` weeks on the weekday and local wall-clock time of the
    first date, until a day or for a number of dates. Each date is a booking of its own
    (``Booking.series``, ``Booking.series_position``) with its own calendar UID; the rule is
    kept to show and to explain, the bookings are what counts."""

    institution = models.ForeignKey(
        "institutions.Institution", on_delete=models.PROTECT, related_name="booking_series"
    )
    interval_weeks = models.PositiveSmallIntegerField(
        _("every n weeks"), validators=[MinValueValidator(1), MaxValueValidator(4)]
    )
    until = models.DateField(_("until"), null=True, blank=True)
    count = models.PositiveSmallIntegerField(_("number of dates"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        verbose_name = _("series of appointments")
        verbose_name_plural = _("series of appointments")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(until__isnull=False) | models.Q(count__isnull=False),
                name="booking_series_until_or_count",
            ),
        ]

    def __str__(self) -> str:
        return f"Series {self.pk} of institution {self.institution_id}"


class Booking(models.Model):
    pool = models.ForeignKey("institutions.Pool", on_delete=models.PROTECT, related_name="bookings")
    # Pools that help the booking's pool on request and to which a coordinator widened this
    # one booking: their mediators serve it too (``matching.eligibility.pools_serving``).
    widened_to = models.ManyToManyField(
        "institutions.Pool",
        blank=True,
        related_name="widened_bookings",
        verbose_name=_("widened to"),
    )
    institution = models.ForeignKey(
        "institutions.Institution", on_delete=models.PROTECT, related_name="bookings"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="requested_bookings",
        verbose_name=_("requested by"),
    )
    contact_name = models.CharField(_("contact person"), max_length=200, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=40, blank=True)
    language = models.ForeignKey("mediators.Language", on_delete=models.PROTECT, related_name="+")
    dialect = models.ForeignKey(
        "mediators.Dialect", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    starts_at = models.DateTimeField(_("starts at"))
    duration_minutes = models.PositiveSmallIntegerField(
        _("duration (minutes)"),
        validators=[
            MinValueValidator(MIN_DURATION_MINUTES),
            MaxValueValidator(MAX_DURATION_MINUTES),
        ],
    )
    ends_at = models.DateTimeField(_("ends at"))
    mode = models.CharField(_("mode"), max_length=10, choices=Mode.choices, default=Mode.ON_SITE)
    location = models.ForeignKey(
        "institutions.Location",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="bookings",
    )
    # Video and phone: how to join (``services.meeting``: links only to the pool's meeting
    # hosts). Seen by the assigned mediator, the institution and the coordinators only.
    meeting_url = models.CharField(_("meeting link"), max_length=MEETING_URL_MAX_LENGTH, blank=True)
    dial_in_number = models.CharField(_("dial-in number"), max_length=40, blank=True)
    dial_in_pin = models.CharField(_("PIN"), max_length=20, blank=True)
    field = models.CharField(_("field of action"), max_length=32, choices=Field.choices)
    topic = models.CharField(_("topic"), max_length=32, choices=Topic.choices, blank=True)
    kind = models.CharField(
        _("kind of appointment"),
        max_length=32,
        choices=AppointmentKind.choices,
        default=AppointmentKind.CONVERSATION,
    )
    with_children = models.BooleanField(_("setting with children"), default=False)
    sensitive = models.BooleanField(_("sensitive topic"), default=False)
    gender_preference = models.CharField(
        _("gender preference"), max_length=10, choices=GenderPreference.choices, blank=True
    )
    follow_up_of = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="follow_ups"
    )
    case_reference = models.CharField(
        _("case reference (pseudonymous)"), max_length=CASE_REFERENCE_MAX_LENGTH, blank=True
    )
    notes = models.TextField(_("notes"), blank=True)
    funding_source = models.ForeignKey(
        "institutions.FundingSource",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="bookings",
    )

    # A date of a series (``BookingSeries``): its place in the series, from 1.
    series = models.ForeignKey(
        BookingSeries,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="bookings",
        verbose_name=_("series"),
    )
    series_position = models.PositiveSmallIntegerField(
        _("date in the series"), null=True, blank=True, editable=False
    )

    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.REQUESTED, editable=False
    )
    mediator = models.ForeignKey(
        "mediators.Mediator",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="bookings",
    )
    sequence = models.PositiveIntegerField(_("calendar sequence"), default=0, editable=False)
    cancelled_by_role = models.CharField(max_length=16, choices=ActorRole.choices, blank=True)
    cancellation_reason = models.TextField(_("cancellation reason"), blank=True)
    late_cancellation = models.BooleanField(_("cancelled late"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    # Set by the retention job (bookings/privacy/retention.py) when it removed the booking's
    # personal data; the facts the statistics and the accounting need stay.
    anonymised_at = models.DateTimeField(_("anonymised at"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("booking")
        verbose_name_plural = _("bookings")
        ordering = ["-starts_at"]
        indexes = [
            models.Index(fields=["pool", "status", "starts_at"]),
            models.Index(fields=["institution", "starts_at"]),
            # Budgets: an institution's hours per funding source and year.
            models.Index(
                fields=["institution", "funding_source", "starts_at"],
                name="booking_budget_idx",
            ),
            models.Index(fields=["mediator", "starts_at"]),
            models.Index(fields=["language", "status"]),
            # Statistics: one pool's bookings starting in a period, whatever their status.
            models.Index(fields=["pool", "starts_at"], name="booking_pool_starts_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")),
                name="booking_ends_after_start",
            ),
            models.UniqueConstraint(
                fields=["series", "series_position"], name="booking_series_position_unique"
            ),
            models.CheckConstraint(
                condition=models.Q(duration_minutes__gte=MIN_DURATION_MINUTES)
                & models.Q(duration_minutes__lte=MAX_DURATION_MINUTES),
                name="booking_duration_range",
            ),
            models.CheckConstraint(
                condition=~models.Q(mode="on_site") | models.Q(location__isnull=False),
                name="booking_on_site_has_location",
            ),
            # A mediator holds the time only with a mediator set.
            models.CheckConstraint(
                condition=~models.Q(status__in=["confirmed", "completed", "closed"])
                | models.Q(mediator__isnull=False),
                name="booking_held_has_mediator",
            ),
        ]
        # On PostgreSQL migration 0002 adds an exclusion constraint (btree_gist) that makes
        # overlapping held bookings of one mediator impossible.

    def __str__(self) -> str:
        return f"#{self.pk} {self.language_id} {self.starts_at:%Y-%m-%d %H:%M}"


class BookingEvent(models.Model):
    """One row per transition (and per notable change): who, when, from, to, why."""

    booking = models.ForeignKey(Booking, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    actor_role = models.CharField(max_length=16, choices=ActorRole.choices)
    from_status = models.CharField(max_length=20, choices=Status.choices, blank=True)
    to_status = models.CharField(max_length=20, choices=Status.choices)
    reason = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("booking event")
        verbose_name_plural = _("booking events")
        ordering = ["created_at", "pk"]
        indexes = [
            # Statistics: did this cancelled booking go unfilled before (unmet demand)? Only
            # the few transitions to "unfilled" are indexed.
            models.Index(
                fields=["booking"],
                condition=models.Q(to_status=Status.UNFILLED),
                name="bookingevent_unfilled_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.booking_id}: {self.from_status or '∅'} → {self.to_status}"


class Offer(models.Model):
    booking = models.ForeignKey(Booking, on_delete=models.CASCADE, related_name="offers")
    mediator = models.ForeignKey(
        "mediators.Mediator", on_delete=models.CASCADE, related_name="offers"
    )
    status = models.CharField(
        max_length=12, choices=OfferStatus.choices, default=OfferStatus.PENDING, db_index=True
    )
    rank = models.PositiveIntegerField(default=0)
    score = models.FloatField(default=0)
    round = models.PositiveSmallIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(db_index=True)
    responded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("offer")
        verbose_name_plural = _("offers")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["booking", "mediator"], name="offer_unique_mediator"),
            models.UniqueConstraint(
                fields=["booking"], condition=models.Q(status="accepted"), name="offer_one_accepted"
            ),
        ]

    def __str__(self) -> str:
        return f"Offer {self.pk} booking {self.booking_id} → {self.mediator_id} ({self.status})"


class OfferOverride(models.Model):
    """A coordinator asked a mediator although they break rules their consent may waive
    (``matching.hard_rules.CONSENT_WAIVABLE``): who asked, which rules, why. While the offer
    stays the one asked (its expiry unchanged), accepting it waives these rules and no
    other (``matching.consent.consent_covers``)."""

    offer = models.OneToOneField(Offer, on_delete=models.CASCADE, related_name="override")
    waived_rules = models.JSONField(_("rules waived by consent"), default=list)
    reason = models.TextField(_("why the coordinator asks anyway"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # The expiry of the offer it was made with: an offer made again later carries no override.
    expires_at = models.DateTimeField()

    class Meta:
        verbose_name = _("offer with consent")
        verbose_name_plural = _("offers with consent")

    def __str__(self) -> str:
        return f"Override of offer {self.offer_id}: {', '.join(self.waived_rules)}"


class Standby(models.Model):
    """The next-best mediator holds the time of a confirmed booking free."""

    booking = models.OneToOneField(Booking, on_delete=models.CASCADE, related_name="standby")
    mediator = models.ForeignKey(
        "mediators.Mediator", on_delete=models.CASCADE, related_name="standbys"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    released_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("standby")
        verbose_name_plural = _("standbys")

    def __str__(self) -> str:
        return f"Standby {self.mediator_id} for booking {self.booking_id}"


class Alert(models.Model):
    """Something a coordinator must look at (e.g. a booking that stayed unfilled)."""

    pool = models.ForeignKey("institutions.Pool", on_delete=models.CASCADE, related_name="alerts")
    booking = models.ForeignKey(
        Booking, on_delete=models.CASCADE, null=True, blank=True, related_name="alerts"
    )
    # The mediator the alert is about (e.g. approaching the tax-free yearly amount).
    mediator = models.ForeignKey(
        "mediators.Mediator",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="alerts",
    )
    kind = models.CharField(max_length=32)
    message = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("alert")
        verbose_name_plural = _("alerts")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["booking", "kind"],
                condition=models.Q(resolved_at__isnull=True),
                name="alert_one_open_per_kind",
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind}: {self.message[:60]}"


class Report(models.Model):
    """The mediator's report after the appointment, and the institution's confirmation."""

    booking = models.OneToOneField(Booking, on_delete=models.CASCADE, related_name="report")
    actual_minutes = models.PositiveSmallIntegerField(
        _("actual duration (minutes)"), validators=[MinValueValidator(1), MaxValueValidator(720)]
    )
    travel_km = models.DecimalField(
        _("travel distance (km)"),
        max_digits=6,
        decimal_places=1,
        validators=[MinValueValidator(0), MaxValueValidator(1000)],
    )
    travel_minutes = models.PositiveSmallIntegerField(
        _("travel time (minutes)"), default=0, validators=[MaxValueValidator(600)]
    )
    ticket_cents = models.PositiveIntegerField(_("public transport ticket (cents)"), default=0)
    status = models.CharField(
        max_length=12, choices=ReportStatus.choices, default=ReportStatus.SUBMITTED
    )
    reported_at = models.DateTimeField(auto_now_add=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    dispute_reason = models.TextField(blank=True)
    # After a hard conversation: a note for the pool's coordinators only (never shown to the
    # institution, never in the institutions' API) and the wish to be called back, which
    # stays in the coordinators' work list until one of them marks the call done.
    debrief_note = models.TextField(_("note for the coordinators"), blank=True, max_length=2000)
    call_back = models.BooleanField(_("please call me"), default=False)
    call_back_done_at = models.DateTimeField(null=True, blank=True)
    call_back_done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("report")
        verbose_name_plural = _("reports")
        indexes = [
            # The coordinators' work list: the disputed reports and the open call-back wishes,
            # a handful among all the reports (not a scan of them all per page view).
            models.Index(
                fields=["booking"],
                condition=models.Q(status=ReportStatus.DISPUTED),
                name="report_disputed_idx",
            ),
            models.Index(
                fields=["booking"],
                condition=models.Q(call_back=True, call_back_done_at__isnull=True),
                name="report_call_back_open_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"Report for booking {self.booking_id} ({self.status})"


class Feedback(models.Model):
    """Short feedback of the institution on an appointment; seen only by coordinators."""

    booking = models.OneToOneField(Booking, on_delete=models.CASCADE, related_name="feedback")
    rating = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    comment = models.TextField(blank=True, max_length=2000)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("feedback")
        verbose_name_plural = _("feedback")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(rating__gte=1) & models.Q(rating__lte=5),
                name="feedback_rating_range",
            )
        ]

    def __str__(self) -> str:
        return f"Feedback {self.rating}/5 for booking {self.booking_id}"


class Allowance(models.Model):
    """An expense allowance on a mediator's monthly statement, from the rules valid that day."""

    mediator = models.ForeignKey(
        "mediators.Mediator", on_delete=models.PROTECT, related_name="allowances"
    )
    booking = models.ForeignKey(Booking, on_delete=models.PROTECT, related_name="allowances")
    kind = models.CharField(max_length=20, choices=AllowanceKind.choices)
    day = models.DateField(_("day"))
    amount_cents = models.PositiveIntegerField(_("amount (cents)"))
    breakdown = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("allowance")
        verbose_name_plural = _("allowances")
        ordering = ["day"]
        constraints = [
            models.UniqueConstraint(fields=["booking", "mediator", "kind"], name="allowance_unique")
        ]
        indexes = [
            models.Index(fields=["mediator", "day"]),
            # Statistics: a period's expenses by month (PostgreSQL reads them from the index).
            models.Index(
                fields=["day"], include=["booking", "amount_cents"], name="allowance_day_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.kind} {self.amount_cents / 100:.2f} €"


class PayoutMonth(models.Model):
    """A month whose allowances the pool has paid out (the payout list went to the district's
    accounting office): one row per pool and month, so a month cannot be paid twice
    (``bookings.services.payouts.payout_month_mark_paid``). The amount and number of
    mediators are those of the list that was paid."""

    pool = models.ForeignKey("institutions.Pool", on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField(_("year"))
    month = models.PositiveSmallIntegerField(_("month"))
    total_cents = models.PositiveIntegerField(_("amount paid (cents)"))
    mediators = models.PositiveIntegerField(_("mediators paid"))
    paid_at = models.DateTimeField(_("marked as paid at"))
    paid_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("marked as paid by"),
    )

    class Meta:
        verbose_name = _("paid month")
        verbose_name_plural = _("paid months")
        ordering = ["-year", "-month"]
        constraints = [
            models.UniqueConstraint(
                fields=["pool", "year", "month"], name="payout_month_paid_once"
            ),
            models.CheckConstraint(
                condition=models.Q(month__gte=1) & models.Q(month__lte=12),
                name="payout_month_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.pool_id} {self.year}-{self.month:02d}"


class AccessLog(models.Model):
    """Who read or changed a booking or a person's data (PRODUCT.md, "Privacy and trust").

    One row per read of one booking's details (``booking``), per change a person makes, and
    per request that shows personal data in bulk (a list, an export, a calendar feed, an
    admin page): that row names what was listed (``what``, the ids of the bookings, people
    and other rows shown, how many there were and the filter), so logging a list costs one
    INSERT whatever its length. The id lists are stored as ``,1,2,3,`` so that
    ``booking_ids__contains=",2,"`` finds a booking on every database.
    """

    pool = models.ForeignKey(
        "institutions.Pool", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    booking = models.ForeignKey(
        Booking, on_delete=models.CASCADE, null=True, blank=True, related_name="access_log"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    action = models.CharField(max_length=10)  # "read", "change", "list", "export", "erase"
    at = models.DateTimeField(auto_now_add=True, db_index=True)
    what = models.CharField(_("what was read"), max_length=80, blank=True)
    booking_ids = models.TextField(_("bookings listed"), blank=True, default="")
    user_ids = models.TextField(_("people listed"), blank=True, default="")
    object_ids = models.TextField(_("other rows listed"), blank=True, default="")
    count = models.PositiveIntegerField(_("rows"), null=True, blank=True)
    query = models.CharField(_("filter"), max_length=500, blank=True, default="")

    class Meta:
        verbose_name = _("access log entry")
        verbose_name_plural = _("access log")
        ordering = ["-at"]
        indexes = [models.Index(fields=["pool", "at"], name="accesslog_pool_at_idx")]

    def __str__(self) -> str:
        target = self.booking_id or self.what
        return f"{self.at:%Y-%m-%d %H:%M} {self.user_id} {self.action} {target}"


class Settlement(models.Model):
    """Work an answer to an offer leaves for after its commit (``services.settlements``): the
    row is written in the answer's transaction, a task does the work and marks it done, and
    the matching sweep runs what a lost task left. ``data`` holds ids only (no personal
    data): for a confirmation the mediator, the offers it withdrew and whether a standby is
    to be chosen."""

    booking = models.ForeignKey(Booking, on_delete=models.CASCADE, related_name="settlements")
    kind = models.CharField(max_length=12)  # constants.SettlementKind
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField()
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(
                fields=["created_at"],
                condition=models.Q(done_at__isnull=True),
                name="settlement_due_idx",
            )
        ]

    def __str__(self) -> str:
        return f"Settlement {self.kind} of booking {self.booking_id}"


# The batch planner's stored plans live in their own module; imported so Django finds them.
from .planner.models import PlanItem, PlanRun  # noqa: E402, F401
