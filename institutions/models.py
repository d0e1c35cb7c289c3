"""Pools (one per integration centre) with their settings, towns, institutions and staff."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from .constants import FederalState, InstitutionKind, MessageLanguage, OfferStrategy, StaffRole
from .meeting_hosts import validate_meeting_hosts


def default_refused_kinds() -> list[str]:
    return ["legal_consequences", "medical_treatment", "private_request"]


class Pool(models.Model):
    """A pool of mediators run by one municipal integration centre, and its settings."""

    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("slug"), unique=True)
    district = models.CharField(_("district"), max_length=200, blank=True)
    state = models.CharField(
        _("federal state"), max_length=2, choices=FederalState.choices, default=FederalState.NW
    )
    shares_mediators_with = models.ManyToManyField(
        "self", blank=True, symmetrical=True, verbose_name=_("shares mediators with")
    )
    # One-way and per booking: a coordinator of a pool named here may widen a single
    # booking nobody takes to our mediators (``bookings.services.widen.booking_widen``).
    helps_on_request = models.ManyToManyField(
        "self",
        blank=True,
        symmetrical=False,
        related_name="may_widen_to",
        verbose_name=_("helps on request"),
        help_text=_("Pools whose coordinators may widen a single booking to our mediators."),
    )

    # Intake rules
    min_notice_working_days = models.PositiveSmallIntegerField(
        _("minimum notice in working days"), default=5, validators=[MaxValueValidator(60)]
    )
    refused_kinds = models.JSONField(
        _("kinds of appointment the pool does not serve"),
        default=default_refused_kinds,
        blank=True,
    )
    requires_approval = models.BooleanField(
        _("requests need a coordinator's approval"), default=False
    )
    # Video appointments: links only to these hosts (or their subdomains), e.g. the
    # district's own video service (``bookings.services.meeting``).
    meeting_hosts = models.JSONField(
        _("allowed meeting hosts"),
        default=list,
        blank=True,
        validators=[validate_meeting_hosts],
        help_text=_(
            "Host names of the video services institutions may link to, e.g. "
            "meet.kreis-viersen.de; their subdomains are allowed too. Empty: no links."
        ),
    )

    # Offers
    offer_strategy = models.CharField(
        _("offer strategy"),
        max_length=16,
        choices=OfferStrategy.choices,
        default=OfferStrategy.CASCADE,
    )
    broadcast_size = models.PositiveSmallIntegerField(
        _("offers at once (broadcast)"), default=3, validators=[MinValueValidator(1)]
    )
    offer_ttl_minutes = models.PositiveIntegerField(
        _("offer valid for (minutes)"), default=24 * 60, validators=[MinValueValidator(5)]
    )
    fill_deadline_hours = models.PositiveIntegerField(
        _("unfilled when nobody found this many hours before the start"), default=24
    )
    standby_enabled = models.BooleanField(_("keep a standby mediator"), default=False)
    reminder_hours_before = models.PositiveIntegerField(_("reminder hours before"), default=24)
    # Mediators see the requests nobody has taken (unfilled, or with no open offer) that they
    # are eligible for, and may take one (``bookings.services.board``).
    open_board = models.BooleanField(
        _("open requests board"),
        default=True,
        help_text=_(
            "Mediators see the requests still looking for someone that they may serve, "
            "and can take one."
        ),
    )

    # Cancellation
    late_cancellation_hours = models.PositiveIntegerField(
        _("notice period for cancellation (hours)"), default=24
    )

    # Compensation: when to warn about the yearly tax-free amount (Ehrenamtspauschale, § 3
    # Nr. 26a EStG). The amount is the law's, per calendar year: ``TaxFreeLimit``.
    tax_free_warning_ratio = models.DecimalField(
        _("warn at this share of the tax-free amount"),
        max_digits=3,
        decimal_places=2,
        default=Decimal("0.80"),
        validators=[MinValueValidator(Decimal("0.1")), MaxValueValidator(Decimal("1.0"))],
    )

    # Privacy
    retention_days = models.PositiveIntegerField(
        _("retention of personal data (days)"), default=730
    )

    # Matching weights
    weight_travel = models.FloatField(_("weight: travel"), default=1.0)
    weight_continuity = models.FloatField(_("weight: continuity"), default=1.0)
    weight_fairness = models.FloatField(_("weight: fair spread"), default=1.0)
    weight_preferences = models.FloatField(_("weight: preferences"), default=0.5)
    weight_reliability = models.FloatField(_("weight: reliability"), default=0.5)

    # Messages
    mail_sender = models.EmailField(_("sender address"), blank=True)
    mail_reply_to = models.EmailField(_("reply-to address"), blank=True)
    mail_footer = models.TextField(_("e-mail footer"), blank=True)

    class Meta:
        verbose_name = _("pool")
        verbose_name_plural = _("pools")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class TaxFreeLimit(models.Model):
    """The tax-free yearly amount for volunteers (Ehrenamtspauschale, § 3 Nr. 26a EStG), by
    the law in force: each row holds from 1 January of its year on, until the next row. A
    year's allowances are judged against the row of that year (720 € 2013-2020, 840 €
    2021-2025, 960 € from 2026; seeded by a migration)."""

    valid_from = models.DateField(_("valid from (1 January)"), unique=True)
    yearly_cents = models.PositiveIntegerField(_("tax-free yearly amount (cents)"))

    class Meta:
        verbose_name = _("tax-free yearly amount")
        verbose_name_plural = _("tax-free yearly amounts")
        ordering = ["-valid_from"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(valid_from__month=1, valid_from__day=1),
                name="tax_free_limit_from_january_1",
            )
        ]

    def __str__(self) -> str:
        return f"{self.yearly_cents / 100:.2f} € ab {self.valid_from:%Y}"


class CompensationRule(models.Model):
    """The pool's expense rates, valid from a day on; a report uses the rule valid that day."""

    pool = models.ForeignKey(Pool, on_delete=models.CASCADE, related_name="compensation_rules")
    valid_from = models.DateField(_("valid from"))
    hourly_rate_cents = models.PositiveIntegerField(_("rate per hour (cents)"), default=1500)
    rounding_minutes = models.PositiveSmallIntegerField(
        _("counted per started (minutes)"), default=30, validators=[MinValueValidator(1)]
    )
    travel_time_paid = models.BooleanField(_("travel time is paid"), default=True)
    travel_time_cap_minutes = models.PositiveIntegerField(
        _("travel time paid up to (minutes)"), default=60
    )
    km_rate_cents = models.PositiveIntegerField(_("per km (cents)"), default=30)
    late_cancellation_paid_minutes = models.PositiveIntegerField(
        _("paid on late cancellation by the institution (minutes)"), default=120
    )

    class Meta:
        verbose_name = _("compensation rule")
        verbose_name_plural = _("compensation rules")
        ordering = ["pool", "-valid_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["pool", "valid_from"], name="compensation_rule_unique_day"
            )
        ]

    def __str__(self) -> str:
        return f"{self.pool} ab {self.valid_from:%d.%m.%Y}"


class Coordinator(models.Model):
    """A staff member of the integration centre who steers one pool."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="coordinator"
    )
    pool = models.ForeignKey(Pool, on_delete=models.PROTECT, related_name="coordinators")
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    language = models.CharField(
        _("message language"),
        max_length=5,
        choices=MessageLanguage.choices,
        default=MessageLanguage.GERMAN,
    )

    class Meta:
        verbose_name = _("coordinator")
        verbose_name_plural = _("coordinators")

    def __str__(self) -> str:
        return self.user.get_full_name() or self.user.get_username()


class Town(models.Model):
    name = models.CharField(_("name"), max_length=120)
    district = models.CharField(_("district"), max_length=120, blank=True)
    latitude = models.FloatField(
        _("latitude"), validators=[MinValueValidator(-90), MaxValueValidator(90)]
    )
    longitude = models.FloatField(
        _("longitude"), validators=[MinValueValidator(-180), MaxValueValidator(180)]
    )

    class Meta:
        verbose_name = _("town")
        verbose_name_plural = _("towns")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["name", "district"], name="town_unique_name")
        ]

    def __str__(self) -> str:
        return self.name


class PostalCode(models.Model):
    code = models.CharField(_("postal code"), max_length=5, unique=True)
    town = models.ForeignKey(Town, on_delete=models.CASCADE, related_name="postal_codes")
    latitude = models.FloatField(_("latitude"))
    longitude = models.FloatField(_("longitude"))

    class Meta:
        verbose_name = _("postal code")
        verbose_name_plural = _("postal codes")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.town}"


class Institution(models.Model):
    pool = models.ForeignKey(Pool, on_delete=models.PROTECT, related_name="institutions")
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=32, choices=InstitutionKind.choices)
    town = models.ForeignKey(Town, on_delete=models.PROTECT, related_name="institutions")
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("institution")
        verbose_name_plural = _("institutions")
        ordering = ["name"]
        indexes = [models.Index(fields=["pool", "kind"])]

    def __str__(self) -> str:
        return self.name


class Location(models.Model):
    """A place where appointments happen: an address with coordinates."""

    institution = models.ForeignKey(Institution, on_delete=models.CASCADE, related_name="locations")
    name = models.CharField(_("name"), max_length=200)
    address = models.CharField(_("address"), max_length=200)
    postal_code = models.CharField(_("postal code"), max_length=5)
    town = models.ForeignKey(Town, on_delete=models.PROTECT, related_name="locations")
    latitude = models.FloatField(
        _("latitude"), validators=[MinValueValidator(-90), MaxValueValidator(90)]
    )
    longitude = models.FloatField(
        _("longitude"), validators=[MinValueValidator(-180), MaxValueValidator(180)]
    )

    class Meta:
        verbose_name = _("location")
        verbose_name_plural = _("locations")
        ordering = ["institution", "name"]

    def __str__(self) -> str:
        return f"{self.name}, {self.address}, {self.postal_code} {self.town}"


class Staff(models.Model):
    """A person working at an institution who may request appointments."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="staff"
    )
    institution = models.ForeignKey(Institution, on_delete=models.CASCADE, related_name="staff")
    role = models.CharField(
        _("role"), max_length=16, choices=StaffRole.choices, default=StaffRole.REQUESTER
    )
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    language = models.CharField(
        _("message language"),
        max_length=5,
        choices=MessageLanguage.choices,
        default=MessageLanguage.GERMAN,
    )
    # Set when a coordinator erased the person (Art. 17 GDPR); the row stays as a pseudonym.
    erased_at = models.DateTimeField(_("erased at"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("institution staff")
        verbose_name_plural = _("institution staff")

    def __str__(self) -> str:
        return f"{self.user.get_full_name() or self.user.get_username()} ({self.institution})"

    @property
    def is_admin(self) -> bool:
        return self.role == StaffRole.ADMIN


class FundingSource(models.Model):
    """Where appointments are paid from (state programme, district budget, ...)."""

    pool = models.ForeignKey(Pool, on_delete=models.CASCADE, related_name="funding_sources")
    name = models.CharField(_("name"), max_length=200)

    class Meta:
        verbose_name = _("funding source")
        verbose_name_plural = _("funding sources")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["pool", "name"], name="funding_source_unique")
        ]

    def __str__(self) -> str:
        return self.name


class Budget(models.Model):
    """An institution's yearly budget of hours from one funding source."""

    institution = models.ForeignKey(Institution, on_delete=models.CASCADE, related_name="budgets")
    funding_source = models.ForeignKey(
        FundingSource, on_delete=models.PROTECT, related_name="budgets"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    hours = models.DecimalField(
        _("hours"), max_digits=7, decimal_places=2, validators=[MinValueValidator(Decimal("0"))]
    )

    class Meta:
        verbose_name = _("budget")
        verbose_name_plural = _("budgets")
        ordering = ["-year", "institution"]
        constraints = [
            models.UniqueConstraint(
                fields=["institution", "funding_source", "year"], name="budget_unique_year"
            )
        ]

    def __str__(self) -> str:
        return f"{self.institution} · {self.funding_source} · {self.year}"
