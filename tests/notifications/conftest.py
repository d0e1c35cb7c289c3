"""Fixtures for the notifications tests: a booking with both sides that have addresses."""

import datetime

import pytest

from bookings.constants import Status
from bookings.state_machine import transition
from core.constants import ActorRole
from tests.bookings.factories import BookingFactory
from tests.institutions.factories import StaffFactory, UserFactory
from tests.mediators.factories import MediatorFactory

UTC = datetime.UTC


@pytest.fixture
def staff(db):
    return StaffFactory(
        user=UserFactory(username="lehrerin", first_name="Lea", last_name="Lehrer"),
        phone="02162 1234",
        institution__pool__mail_sender="ki@kreis-viersen.example",
        institution__pool__mail_reply_to="team@kreis-viersen.example",
        institution__pool__mail_footer="Kommunales Integrationszentrum Kreis Viersen",
    )


@pytest.fixture
def mediator(staff):
    return MediatorFactory(
        pool=staff.institution.pool,
        user=UserFactory(username="mona", first_name="Mona", last_name="Mittler"),
        phone="0170 555",
        language="en",
    )


@pytest.fixture
def booking(staff):
    return BookingFactory(
        institution=staff.institution,
        requested_by=staff.user,
        contact_name="Lea Lehrer",
        contact_phone="02162 1234",
        case_reference="FALL-0815",
        notes="Vater von Ahmad K. kommt mit",
    )


def confirm(booking, mediator):
    """Confirm through the state machine, as the matching engine does."""
    return transition(
        booking,
        to=Status.CONFIRMED,
        actor_role=ActorRole.SYSTEM,
        changes={"mediator": mediator},
    )


@pytest.fixture
def confirmed(booking, mediator):
    return confirm(booking, mediator)


def able_to_take(booking):
    """The booking's mediator speaks its language and is free on its local day (the
    appointment kept clear of midnight), so that a change of duration keeps them: a change
    keeps the mediator only while every hard rule holds (bookings.services.reschedule)."""
    from core.time import BERLIN, add_minutes
    from tests.mediators.factories import AvailabilitySlotFactory, MediatorLanguageFactory

    booking.refresh_from_db()
    if booking.starts_at.astimezone(BERLIN).hour >= 22:
        booking.starts_at -= datetime.timedelta(hours=3)
        booking.ends_at = add_minutes(booking.starts_at, booking.duration_minutes)
        booking.save(update_fields=["starts_at", "ends_at"])
    MediatorLanguageFactory(mediator=booking.mediator, language=booking.language)
    AvailabilitySlotFactory(
        mediator=booking.mediator,
        weekday=booking.starts_at.astimezone(BERLIN).weekday(),
        start_time=datetime.time(0),
        end_time=datetime.time(23, 59),
    )
    return booking
