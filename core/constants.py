"""Choices and limits that several apps name: who acts, the topics of an appointment (a
mediator may decline some), the length of a case reference (bookings carry one, a mediator's
conflict of interest names one)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

CASE_REFERENCE_MAX_LENGTH = 64


class ActorRole(models.TextChoices):
    INSTITUTION = "institution", _("institution")
    MEDIATOR = "mediator", _("mediator")
    COORDINATOR = "coordinator", _("coordinator")
    SYSTEM = "system", _("system")


class Topic(models.TextChoices):
    """Topics a mediator may decline."""

    PARENTS_TEACHER = "parents_teacher", _("Parent-teacher talk")
    SCHOOL_CAREER = "school_career", _("School career and transitions")
    CHILD_DEVELOPMENT = "child_development", _("Child development")
    CHILD_PROTECTION = "child_protection", _("Child protection")
    DISABILITY = "disability", _("Disability and special needs")
    HEALTH_PREVENTION = "health_prevention", _("Health prevention")
    PREGNANCY = "pregnancy", _("Pregnancy and birth")
    MENTAL_HEALTH = "mental_health", _("Mental health")
    ADDICTION = "addiction", _("Addiction")
    DOMESTIC_VIOLENCE = "domestic_violence", _("Domestic violence")
    RESIDENCE = "residence", _("Residence and asylum procedure")
    HOUSING = "housing", _("Housing")
    DEBT = "debt", _("Debt and money")
    EMPLOYMENT = "employment", _("Work and job search")
    BEREAVEMENT = "bereavement", _("Bereavement")
    OTHER = "other", _("Other")
