import datetime

import factory
from django.utils import timezone

from bookings.constants import Field, Mode, OfferStatus, Status
from bookings.models import Booking, Offer
from core.time import add_minutes
from tests.institutions.factories import InstitutionFactory, LocationFactory
from tests.mediators.factories import LanguageFactory


class BookingFactory(factory.django.DjangoModelFactory):
    """A booking row written directly, for tests that need a given state.

    Tests of the lifecycle itself go through ``bookings.services``.
    """

    class Meta:
        model = Booking

    institution = factory.SubFactory(InstitutionFactory)
    pool = factory.SelfAttribute("institution.pool")
    language = factory.SubFactory(LanguageFactory)
    starts_at = factory.LazyFunction(lambda: timezone.now() + datetime.timedelta(days=14))
    duration_minutes = 60
    ends_at = factory.LazyAttribute(lambda b: add_minutes(b.starts_at, b.duration_minutes))
    mode = Mode.ON_SITE
    location = factory.SubFactory(
        LocationFactory, institution=factory.SelfAttribute("..institution")
    )
    field = Field.SCHOOL
    status = Status.REQUESTED


class OfferFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Offer

    booking = factory.SubFactory(BookingFactory, status=Status.OFFERED)
    mediator = factory.SubFactory(
        "tests.mediators.factories.MediatorFactory", pool=factory.SelfAttribute("..booking.pool")
    )
    status = OfferStatus.PENDING
    expires_at = factory.LazyFunction(lambda: timezone.now() + datetime.timedelta(hours=24))
