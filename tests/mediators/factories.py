import datetime

import factory

from mediators.constants import Gender, LanguageLevel
from mediators.models import (
    Absence,
    AvailabilitySlot,
    ConflictOfInterest,
    Dialect,
    InstitutionBlock,
    Language,
    Mediator,
    MediatorLanguage,
)
from tests.institutions.factories import InstitutionFactory, PoolFactory, UserFactory


class LanguageFactory(factory.django.DjangoModelFactory):
    """Languages are seeded by a migration; get_or_create reuses the seeded rows."""

    class Meta:
        model = Language
        django_get_or_create = ("code",)

    code = "ara"
    name_de = "Arabisch"
    name_en = "Arabic"


class DialectFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Dialect
        django_get_or_create = ("language", "code")

    language = factory.SubFactory(LanguageFactory)
    code = "levantine"
    name_de = "Levantinisch"
    name_en = "Levantine"


class MediatorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Mediator

    user = factory.SubFactory(UserFactory)
    pool = factory.SubFactory(PoolFactory)
    gender = Gender.FEMALE
    home_postal_code = "41747"
    home_latitude = 51.2562
    home_longitude = 6.3905
    training_completed_on = datetime.date(2025, 1, 15)
    pledge_signed_on = datetime.date(2025, 1, 15)
    police_certificate_inspected_on = datetime.date(2025, 2, 1)
    police_certificate_valid_until = datetime.date(2030, 2, 1)


class MediatorLanguageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MediatorLanguage

    mediator = factory.SubFactory(MediatorFactory)
    language = factory.SubFactory(LanguageFactory)
    level = LanguageLevel.FLUENT


class AvailabilitySlotFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AvailabilitySlot

    mediator = factory.SubFactory(MediatorFactory)
    weekday = 0
    start_time = datetime.time(8, 0)
    end_time = datetime.time(18, 0)


class AbsenceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Absence

    mediator = factory.SubFactory(MediatorFactory)
    starts_on = datetime.date(2027, 3, 1)
    ends_on = datetime.date(2027, 3, 5)


class ConflictOfInterestFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ConflictOfInterest

    mediator = factory.SubFactory(MediatorFactory)
    case_reference = "FALL-001"


class InstitutionBlockFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = InstitutionBlock

    mediator = factory.SubFactory(MediatorFactory)
    institution = factory.SubFactory(
        InstitutionFactory, pool=factory.SelfAttribute("..mediator.pool")
    )
