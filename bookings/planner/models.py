"""A stored plan: computed for a pool and a period, reviewed, then applied (or discarded).

Applying goes booking by booking through ``booking_assign``, so the state machine and every
check of the matching engine apply; an item whose booking or mediator changed in between is
skipped with the reason.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class PlanStatus(models.TextChoices):
    """queued → solving → draft (done, to review) → applied or discarded; failed if the
    computation broke off."""

    QUEUED = "queued", _("queued")
    SOLVING = "solving", _("solving")
    FAILED = "failed", _("failed")
    DRAFT = "draft", _("draft, to review")
    APPLIED = "applied", _("applied")
    DISCARDED = "discarded", _("discarded")


class PlanEngine(models.TextChoices):
    PLANNER = "planner", _("planner (optimised)")
    GREEDY = "greedy", _("one after another (fallback)")


class PlanItemOutcome(models.TextChoices):
    PROPOSED = "proposed", _("proposed")
    ASSIGNED = "assigned", _("assigned")
    SKIPPED = "skipped", _("skipped")


class PlanRun(models.Model):
    pool = models.ForeignKey(
        "institutions.Pool", on_delete=models.CASCADE, related_name="plans", verbose_name=_("pool")
    )
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("until (inclusive)"))
    status = models.CharField(
        _("status"), max_length=12, choices=PlanStatus.choices, default=PlanStatus.DRAFT
    )
    engine = models.CharField(
        _("engine"), max_length=16, choices=PlanEngine.choices, default=PlanEngine.PLANNER
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("computed by"),
    )
    created_at = models.DateTimeField(_("computed at"), auto_now_add=True)
    applied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("applied by"),
    )
    applied_at = models.DateTimeField(_("applied at"), null=True, blank=True)
    seconds = models.FloatField(_("computing time (seconds)"), default=0)
    requests = models.PositiveIntegerField(_("open requests"), default=0)
    filled = models.PositiveIntegerField(_("filled by the plan"), default=0)
    greedy_filled = models.PositiveIntegerField(_("filled one after another"), default=0)
    travel_km = models.FloatField(_("travel (km)"), default=0)
    hours_gini = models.FloatField(_("unequal spread of hours (Gini)"), default=0)
    # The requests the plan leaves open: [{"booking": id, "eligible": how many met every
    # rule for it}] (none: nobody could take it; some: they were needed elsewhere in the plan).
    unfilled = models.JSONField(_("requests the plan could not fill"), default=list, blank=True)
    # The computation runs in a Celery task (plan_compute); the page and the API poll these.
    seconds_limit = models.FloatField(_("time limit of the solver (seconds)"), default=10)
    started_at = models.DateTimeField(_("solving since"), null=True, blank=True)
    progress_filled = models.PositiveIntegerField(_("best fill so far"), null=True, blank=True)
    progress_bound = models.PositiveIntegerField(
        _("most that can be filled"), null=True, blank=True
    )
    progress_at = models.DateTimeField(_("progress reported at"), null=True, blank=True)
    error = models.TextField(_("why the computation failed"), blank=True)

    class Meta:
        verbose_name = _("plan")
        verbose_name_plural = _("plans")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(starts_on__lte=models.F("ends_on")),
                name="plan_run_period_order",
            )
        ]

    def __str__(self) -> str:
        period = f"{self.starts_on:%d.%m.%Y}–{self.ends_on:%d.%m.%Y}"
        return f"{self.pool} {period} ({self.get_status_display()})"


class PlanItem(models.Model):
    run = models.ForeignKey(
        PlanRun, on_delete=models.CASCADE, related_name="items", verbose_name=_("plan")
    )
    booking = models.ForeignKey(
        "bookings.Booking", on_delete=models.CASCADE, related_name="+", verbose_name=_("booking")
    )
    mediator = models.ForeignKey(
        "mediators.Mediator",
        on_delete=models.CASCADE,
        related_name="plan_items",
        verbose_name=_("mediator"),
    )
    travel_km = models.FloatField(_("travel (km)"), default=0)
    outcome = models.CharField(
        _("outcome"),
        max_length=12,
        choices=PlanItemOutcome.choices,
        default=PlanItemOutcome.PROPOSED,
    )
    detail = models.TextField(_("why skipped"), blank=True)

    class Meta:
        verbose_name = _("planned assignment")
        verbose_name_plural = _("planned assignments")
        ordering = ["booking__starts_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["run", "booking"], name="plan_item_unique_booking")
        ]

    def __str__(self) -> str:
        return f"{self.booking_id} → {self.mediator_id} ({self.outcome})"
