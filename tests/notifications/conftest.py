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
