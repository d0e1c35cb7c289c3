"""Mediators, their languages, availability, absences, vetting and neutrality."""

import datetime

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from core.text import case_reference_key
from core.time import MIDNIGHT, time_label
from institutions.constants import MessageLanguage

from .constants import Gender, LanguageLevel
from .language_names import language_name


class Language(models.Model):
    """A language by its ISO 639-3 code."""

    code = models.CharField(_("ISO 639-3 code"), max_length=3, unique=True)
    name_de = models.CharField(_("German name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=100)

    class Meta:
        verbose_name = _("language")
        verbose_name_plural = _("languages")
        ordering = ["name_de"]

    def __str__(self) -> str:
        return f"{self.name_de} ({self.code})"

    def name_for(self, language_code: str) -> str:
        """German and English as we name it; Arabic, Persian, Ukrainian and Turkish from CLDR,
        or English where CLDR has no name."""
        return language_name(
            code=self.code, name_de=self.name_de, name_en=self.name_en, language_code=language_code
        )


class Dialect(models.Model):
    language = models.ForeignKey(Language, on_delete=models.CASCADE, related_name="dialects")
    code = models.SlugField(_("code"), max_length=40)
    name_de = models.CharField(_("German name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=100)

    class Meta:
        verbose_name = _("dialect")
        verbose_name_plural = _("dialects")
        ordering = ["language", "name_de"]
        constraints = [
            models.UniqueConstraint(fields=["language", "code"], name="dialect_unique_code")
        ]

    def __str__(self) -> str:
        return f"{self.language.name_de}: {self.name_de}"

    def name_for(self, language_code: str) -> str:
        """German as we name it; in any other language the English name translated by the
        catalogue (``mediators/data/languages.py`` marks the English names for translation),
        or the English name where the catalogue has none (a dialect added later)."""
        if language_code.startswith("de"):
            return self.name_de
        with translation.override(language_code):
            return translation.gettext(self.name_en)


class Mediator(models.Model):
    """A volunteer language mediator of one pool."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="mediator"
    )
    pool = models.ForeignKey(
        "institutions.Pool", on_delete=models.PROTECT, related_name="mediators"
    )
    gender = models.CharField(_("gender"), max_length=10, choices=Gender.choices)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    # For the monthly payout (stored without spaces, upper case; checked by
    # ``mediators.services.iban_normalise``).
    iban = models.CharField(_("IBAN"), max_length=34, blank=True)
    home_postal_code = models.CharField(_("home postal code"), max_length=5)
    home_latitude = models.FloatField(_("home latitude"), null=True, blank=True)
    home_longitude = models.FloatField(_("home longitude"), null=True, blank=True)
    max_travel_km = models.PositiveSmallIntegerField(
        _("travel range (km)"), default=20, validators=[MaxValueValidator(300)]
    )
    max_hours_per_week = models.PositiveSmallIntegerField(
        _("hour limit per week"),
        default=10,
        validators=[MinValueValidator(1), MaxValueValidator(60)],
    )
    max_hours_per_month = models.PositiveSmallIntegerField(
        _("hour limit per month"),
        default=30,
        validators=[MinValueValidator(1), MaxValueValidator(240)],
    )
    # Vetting: only dates are kept, never a document (§ 72a SGB VIII).
    training_completed_on = models.DateField(_("training completed on"), null=True, blank=True)
    pledge_signed_on = models.DateField(
        _("confidentiality pledge signed on"), null=True, blank=True
    )
    police_certificate_inspected_on = models.DateField(
        _("extended police certificate inspected on"), null=True, blank=True
    )
    police_certificate_valid_until = models.DateField(
        _("extended police certificate valid until"), null=True, blank=True
    )
    declined_topics = models.JSONField(_("topics the mediator declines"), default=list, blank=True)
    preferred_towns = models.ManyToManyField(
        "institutions.Town", blank=True, related_name="+", verbose_name=_("preferred towns")
    )
    preferred_fields = models.JSONField(_("preferred fields of action"), default=list, blank=True)
    # Paused by a coordinator (mediators.services.mediator_pause / mediator_resume): only a
    # coordinator pauses and resumes; the mediator cannot change it.
    active = models.BooleanField(
        _("active"), default=True, help_text=_("Only coordinators pause and resume a mediator.")
    )
    paused_reason = models.CharField(_("reason for the pause"), max_length=200, blank=True)
    paused_at = models.DateTimeField(_("paused at"), null=True, blank=True)
    paused_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("paused by"),
    )
    # The mediator's own "not available for now", separate from a coordinator's pause:
    # until the given local day (inclusive), or until they clear it.
    self_unavailable = models.BooleanField(_("unavailable for now (own choice)"), default=False)
    self_unavailable_until = models.DateField(
        _("unavailable until (inclusive)"), null=True, blank=True
    )
    language = models.CharField(
        _("message language"),
        max_length=5,
        choices=MessageLanguage.choices,
        default=MessageLanguage.GERMAN,
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # Set when a coordinator erased the person (Art. 17 GDPR): the row stays as a pseudonym
    # for the bookings and allowances of past years, without personal data.
    erased_at = models.DateTimeField(_("erased at"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("mediator")
        verbose_name_plural = _("mediators")
        ordering = ["user__last_name", "user__first_name"]
        indexes = [models.Index(fields=["pool", "active"])]

    def __str__(self) -> str:
        return self.user.get_full_name() or self.user.get_username()

    def self_unavailable_on(self, day: datetime.date) -> bool:
        """The mediator marked themselves unavailable, and that covers ``day``."""
        return self.self_unavailable and (
            self.self_unavailable_until is None or day <= self.self_unavailable_until
        )

    @property
    def is_vetted(self) -> bool:
        return bool(self.training_completed_on and self.pledge_signed_on)

    def police_certificate_valid_on(self, day: datetime.date) -> bool:
        return bool(
            self.police_certificate_valid_until and self.police_certificate_valid_until >= day
        )


class MediatorLanguage(models.Model):
    mediator = models.ForeignKey(Mediator, on_delete=models.CASCADE, related_name="languages")
    language = models.ForeignKey(Language, on_delete=models.PROTECT, related_name="+")
    dialect = models.ForeignKey(
        Dialect, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    level = models.PositiveSmallIntegerField(
        _("level"), choices=LanguageLevel.choices, default=LanguageLevel.FLUENT
    )

    class Meta:
        verbose_name = _("language of a mediator")
        verbose_name_plural = _("languages of a mediator")
        constraints = [
            models.UniqueConstraint(
                fields=["mediator", "language", "dialect"],
                name="mediator_language_unique",
                nulls_distinct=False,
            )
        ]
        indexes = [models.Index(fields=["language", "level"])]

    def __str__(self) -> str:
        return f"{self.language.code}{'/' + self.dialect.code if self.dialect_id else ''}"


class AvailabilitySlot(models.Model):
    """A weekly slot in local wall-clock time (Europe/Berlin); weekday 0 is Monday.

    ``end_time`` 00:00 means 24:00, the end of the day (``core.time.MIDNIGHT``). Slots of one
    weekday never overlap; slots that touch (08:00-12:00, 12:00-16:00) join.
    """

    mediator = models.ForeignKey(Mediator, on_delete=models.CASCADE, related_name="availability")
    weekday = models.PositiveSmallIntegerField(
        _("weekday"),
        validators=[MaxValueValidator(6)],
        choices=[
            (0, _("Monday")),
            (1, _("Tuesday")),
            (2, _("Wednesday")),
            (3, _("Thursday")),
            (4, _("Friday")),
            (5, _("Saturday")),
            (6, _("Sunday")),
        ],
    )
    start_time = models.TimeField(_("from"))
    end_time = models.TimeField(_("until"))

    class Meta:
        verbose_name = _("availability slot")
        verbose_name_plural = _("availability slots")
        ordering = ["weekday", "start_time"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(start_time__lt=models.F("end_time"))
                | models.Q(end_time=MIDNIGHT),
                name="slot_start_before_end",
            ),
            models.CheckConstraint(condition=models.Q(weekday__lte=6), name="slot_weekday_range"),
        ]

    def __str__(self) -> str:
        return (
            f"{self.get_weekday_display()} {time_label(self.start_time)}–"
            f"{time_label(self.end_time, end=True)}"
        )

    @property
    def ends_at_midnight(self) -> bool:
        return self.end_time == MIDNIGHT


class AvailabilityDate(models.Model):
    """One-off availability: a date with hours in local wall-clock time (Europe/Berlin), in
    addition to the weekly slots ("Saturday 12.12. 9-13"), like a calendar's date override.

    ``end_time`` 00:00 means 24:00. Times of one date never overlap (the service refuses it);
    those that touch join. A date's times cover an appointment on their own: they are not
    joined with the weekly slots of that weekday.
    """

    mediator = models.ForeignKey(
        Mediator, on_delete=models.CASCADE, related_name="availability_dates"
    )
    day = models.DateField(_("date"))
    start_time = models.TimeField(_("from"))
    end_time = models.TimeField(_("until"))

    class Meta:
        verbose_name = _("one-off availability")
        verbose_name_plural = _("one-off availability")
        ordering = ["day", "start_time"]
        indexes = [models.Index(fields=["mediator", "day"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(start_time__lt=models.F("end_time"))
                | models.Q(end_time=MIDNIGHT),
                name="availability_date_start_before_end",
            ),
        ]

    def __str__(self) -> str:
        return (
            f"{self.day:%d.%m.%Y} {time_label(self.start_time)}–"
            f"{time_label(self.end_time, end=True)}"
        )


class Absence(models.Model):
    """Whole local days (inclusive) on which the mediator is not available."""

    mediator = models.ForeignKey(Mediator, on_delete=models.CASCADE, related_name="absences")
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("until (inclusive)"))
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("absence")
        verbose_name_plural = _("absences")
        ordering = ["starts_on"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(starts_on__lte=models.F("ends_on")),
                name="absence_start_before_end",
            )
        ]

    def __str__(self) -> str:
        return f"{self.starts_on:%d.%m.%Y}–{self.ends_on:%d.%m.%Y}"


class ConflictOfInterestQuerySet(models.QuerySet["ConflictOfInterest"]):
    def active(self) -> "ConflictOfInterestQuerySet":
        """The conflicts that hold: declared and not lifted."""
        return self.filter(lifted_at__isnull=True)


class ConflictOfInterest(models.Model):
    """The mediator knows the family of this case: never offered that case again.

    A case is the institution's: the same reference at another institution is another
    case. ``institution`` is empty only on records from before institutions were kept,
    whose institution could not be derived; those match the reference at every
    institution. ``reference_key`` is the compared form (``core.text.case_reference_key``),
    set on every save.

    A conflict is lifted, never deleted: the row keeps who declared it and when
    (``recorded_by``, ``created_at``, ``reason``) and who lifted it, when and why
    (``lifted_by``, ``lifted_at``, ``lift_reason``). Only active rows (``objects.active()``,
    not lifted) bind matching; at most one per mediator and case is active.
    """

    mediator = models.ForeignKey(Mediator, on_delete=models.CASCADE, related_name="conflicts")
    institution = models.ForeignKey(
        "institutions.Institution",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("institution"),
    )
    case_reference = models.CharField(_("case reference"), max_length=64)
    reference_key = models.CharField(_("compared form"), max_length=255, editable=False, default="")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    reason = models.CharField(_("reason"), max_length=500, blank=True)
    lifted_at = models.DateTimeField(_("lifted at"), null=True, blank=True)
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    lift_reason = models.CharField(_("reason for lifting"), max_length=500, blank=True)

    objects = ConflictOfInterestQuerySet.as_manager()

    class Meta:
        verbose_name = _("conflict of interest")
        verbose_name_plural = _("conflicts of interest")
        constraints = [
            models.UniqueConstraint(
                fields=["mediator", "institution", "reference_key"],
                condition=models.Q(lifted_at__isnull=True),
                name="conflict_one_active_per_case",
                nulls_distinct=False,
            ),
            models.CheckConstraint(
                condition=models.Q(lifted_at__isnull=False) | models.Q(lift_reason=""),
                name="conflict_lift_reason_only_when_lifted",
            ),
        ]
        indexes = [models.Index(fields=["reference_key", "institution"])]

    def __str__(self) -> str:
        return f"{self.mediator} × {self.case_reference}"

    def save(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        self.reference_key = case_reference_key(self.case_reference)
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "reference_key"}
        super().save(*args, **kwargs)


class InstitutionBlock(models.Model):
    """The mediator is not offered bookings of this institution."""

    mediator = models.ForeignKey(Mediator, on_delete=models.CASCADE, related_name="blocks")
    institution = models.ForeignKey(
        "institutions.Institution", on_delete=models.CASCADE, related_name="mediator_blocks"
    )
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("block for an institution")
        verbose_name_plural = _("blocks for institutions")
        constraints = [
            models.UniqueConstraint(
                fields=["mediator", "institution"], name="block_unique_institution"
            )
        ]

    def __str__(self) -> str:
        return f"{self.mediator} ⟂ {self.institution}"


class MediatorApplication(models.Model):
    """A person who speaks a language and applies, on the public page, to become a mediator of
    a pool. Coordinators accept it (the mediator is onboarded and invited) or decline it with
    a message. It holds personal data: a decided application loses it after
    ``APPLICATION_KEEP_DAYS`` (mediators.applications.services.applications_purge)."""

    class Status(models.TextChoices):
        OPEN = "open", _("open")
        ACCEPTED = "accepted", _("accepted")
        DECLINED = "declined", _("declined")

    pool = models.ForeignKey(
        "institutions.Pool", on_delete=models.CASCADE, related_name="mediator_applications"
    )
    first_name = models.CharField(_("first name"), max_length=150)
    last_name = models.CharField(_("last name"), max_length=150)
    email = models.EmailField(_("e-mail"))
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    gender = models.CharField(_("gender"), max_length=10, choices=Gender.choices)
    postal_code = models.CharField(_("postal code"), max_length=5)
    town = models.CharField(_("town"), max_length=120)
    languages = models.ManyToManyField(Language, related_name="+", verbose_name=_("languages"))
    other_languages = models.CharField(_("other languages"), max_length=200, blank=True)
    # The level the applicant gives for each language ({"ar": 4, ...}; LanguageLevel values);
    # a language without one is recorded as ``APPLIED_LEVEL`` unless the coordinator says
    # otherwise when accepting.
    language_levels = models.JSONField(_("language levels"), default=dict, blank=True)
    availability = models.TextField(_("availability"), max_length=1000)
    language = models.CharField(
        _("message language"),
        max_length=5,
        choices=MessageLanguage.choices,
        default=MessageLanguage.GERMAN,
    )
    consented_at = models.DateTimeField(_("consented to the privacy notice at"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.OPEN
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    decline_message = models.TextField(_("message to the applicant"), blank=True)
    mediator = models.OneToOneField(
        Mediator,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="application",
    )
    created_at = models.DateTimeField(_("received at"))

    class Meta:
        verbose_name = _("application to become a mediator")
        verbose_name_plural = _("applications to become a mediator")
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["pool", "status"], name="application_pool_status")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status="open") | models.Q(decided_at__isnull=False),
                name="application_decided_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def levels_given(self) -> list[tuple[Language, int | None]]:
        """Each language applied for with the level the applicant gave (None if not)."""
        given = self.language_levels or {}
        return [(language, given.get(language.code)) for language in self.languages.all()]
