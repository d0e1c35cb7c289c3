from django.db import models
from django.utils.translation import gettext_lazy as _


class Gender(models.TextChoices):
    FEMALE = "female", _("female")
    MALE = "male", _("male")
    DIVERSE = "diverse", _("diverse")


class LanguageLevel(models.IntegerChoices):
    """Levels usable for mediation start at GOOD."""

    BASIC = 1, _("basic")
    GOOD = 2, _("good")
    FLUENT = 3, _("fluent")
    NATIVE = 4, _("native")


USABLE_LEVEL = LanguageLevel.GOOD
