import factory
from django.contrib.auth import get_user_model

from institutions.constants import InstitutionKind, StaffRole
from institutions.models import (
    Budget,
    CompensationRule,
    Coordinator,
    FundingSource,
    Institution,
    Location,
    Pool,
    Staff,
    Town,
)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name", locale="de_DE")
    last_name = factory.Faker("last_name", locale="de_DE")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    password = factory.django.Password("secret-pass-123")


class PoolFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Pool

    name = factory.Sequence(lambda n: f"KI Pool {n}")
    slug = factory.Sequence(lambda n: f"pool-{n}")
    district = "Kreis Viersen"
    min_notice_working_days = 0


class CompensationRuleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CompensationRule

    pool = factory.SubFactory(PoolFactory)
    valid_from = factory.Faker("date_object")


class TownFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Town
        django_get_or_create = ("name", "district")

    name = factory.Sequence(lambda n: f"Stadt {n}")
    district = "Kreis Viersen"
    latitude = 51.2562
    longitude = 6.3905


class InstitutionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Institution

    pool = factory.SubFactory(PoolFactory)
    name = factory.Sequence(lambda n: f"Grundschule {n}")
    kind = InstitutionKind.SCHOOL
    town = factory.SubFactory(TownFactory)


class LocationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Location

    institution = factory.SubFactory(InstitutionFactory)
    name = "Hauptgebäude"
    address = factory.Sequence(lambda n: f"Schulstraße {n}")
    postal_code = "41747"
    town = factory.SelfAttribute("institution.town")
    latitude = 51.2562
    longitude = 6.3905


class StaffFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Staff

    user = factory.SubFactory(UserFactory)
    institution = factory.SubFactory(InstitutionFactory)
    role = StaffRole.REQUESTER


class CoordinatorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Coordinator

    user = factory.SubFactory(UserFactory)
    pool = factory.SubFactory(PoolFactory)


class FundingSourceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FundingSource

    pool = factory.SubFactory(PoolFactory)
    name = factory.Sequence(lambda n: f"Landesprogramm {n}")


class BudgetFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Budget

    institution = factory.SubFactory(InstitutionFactory)
    funding_source = factory.SubFactory(
        FundingSourceFactory, pool=factory.SelfAttribute("..institution.pool")
    )
    year = 2027
    hours = 10
