from django.db import models
from django.utils.translation import gettext_lazy as _


class InstitutionKind(models.TextChoices):
    SCHOOL = "school", _("School")
    KINDERGARTEN = "kindergarten", _("Kindergarten / day care")
    YOUTH_OFFICE = "youth_office", _("Youth office")
    SOCIAL_OFFICE = "social_office", _("Social office")
    JOB_CENTRE = "job_centre", _("Job centre")
    HEALTH_OFFICE = "health_office", _("Health office")
    COUNSELLING = "counselling", _("Counselling service")
    SHARED_ACCOMMODATION = "shared_accommodation", _("Shared accommodation")
    OTHER = "other", _("Other")


class StaffRole(models.TextChoices):
    REQUESTER = "requester", _("Requester")
    ADMIN = "admin", _("Institution admin")


class OfferStrategy(models.TextChoices):
    CASCADE = "cascade", _("Cascade (one after another)")
    BROADCAST = "broadcast", _("Broadcast (top k at once)")


class MessageLanguage(models.TextChoices):
    GERMAN = "de", "Deutsch"
    ENGLISH = "en", "English"
    ARABIC = "ar", "العربية"
    FARSI = "fa", "فارسی"
    UKRAINIAN = "uk", "Українська"
    TURKISH = "tr", "Türkçe"


# Federal state codes as used by the `holidays` library (subdiv of Germany).
class FederalState(models.TextChoices):
    BW = "BW", "Baden-Württemberg"
    BY = "BY", "Bayern"
    BE = "BE", "Berlin"
    BB = "BB", "Brandenburg"
    HB = "HB", "Bremen"
    HH = "HH", "Hamburg"
    HE = "HE", "Hessen"
    MV = "MV", "Mecklenburg-Vorpommern"
    NI = "NI", "Niedersachsen"
    NW = "NW", "Nordrhein-Westfalen"
    RP = "RP", "Rheinland-Pfalz"
    SL = "SL", "Saarland"
    SN = "SN", "Sachsen"
    ST = "ST", "Sachsen-Anhalt"
    SH = "SH", "Schleswig-Holstein"
    TH = "TH", "Thüringen"
