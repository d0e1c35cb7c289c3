"""The booking pages offer each role exactly the actions it may take in the booking's state:
the mediator reports a started appointment or gives back one that has not started; staff
cancel until the appointment is completed and review a submitted report; coordinators
approve or refuse what waits for approval and cancel the rest until completed."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from bookings.constants import ReportStatus, Status
from bookings.models import Report
from tests.bookings.factories import BookingFactory, OfferFactory
from tests.institutions.factories import InstitutionFactory
from tests.mediators.factories import MediatorFactory

pytestmark = pytest.mark.django_db

CANCELLABLE = {
    Status.AWAITING_APPROVAL,
    Status.REQUESTED,
    Status.OFFERED,
    Status.CONFIRMED,
    Status.UNFILLED,
}
HOLDING = {Status.CONFIRMED, Status.COMPLETED, Status.CLOSED, Status.NO_SHOW}


def starts(hours: int) -> datetime.datetime:
    return timezone.now() + datetime.timedelta(hours=hours)


def booking_in(status, *, institution, mediator=None, hours=72, report=None):
    if mediator is None and status in HOLDING:
        mediator = MediatorFactory(pool=institution.pool)
    booking = BookingFactory(
        institution=institution, status=status, mediator=mediator, starts_at=starts(hours)
    )
    if report is not None:
        Report.objects.create(
            booking=booking, actual_minutes=60, travel_km=Decimal("3.0"), status=report
        )
    return booking


def actions_on(page, url_name, booking, names):
    html = page.get(reverse(url_name, args=[booking.pk])).content.decode()
    return {name for name, url in names(booking).items() if f'"{url}"' in html}


def mediator_actions(booking):
    return {
        "report": reverse("web:mediator-report", args=[booking.pk]),
        "give_back": reverse("web:mediator-give-back", args=[booking.pk]),
    }


def institution_actions(booking):
    return {
        "cancel": reverse("web:institution-cancel", args=[booking.pk]),
        "review": reverse("web:institution-review-report", args=[booking.pk]),
    }


def coordinator_actions(booking):
    return {
        action: reverse("web:coordinator-decide", args=[booking.pk, action])
        for action in ("approve", "refuse", "cancel")
    }


@pytest.mark.parametrize(
    ("status", "hours", "expected"),
    [
        (Status.CONFIRMED, 72, {"give_back"}),
        (Status.CONFIRMED, -2, {"report"}),
        (Status.COMPLETED, -48, set()),
        (Status.CLOSED, -48, set()),
        (Status.NO_SHOW, -48, set()),
        (Status.CANCELLED, 72, set()),
    ],
)
def test_the_assigned_mediator_sees_give_back_before_the_start_and_the_report_after(
    page_for, mediator, status, hours, expected
):
    booking = booking_in(
        status, institution=InstitutionFactory(pool=mediator.pool), mediator=mediator, hours=hours
    )

    shown = actions_on(page_for(mediator.user), "web:mediator-booking", booking, mediator_actions)

    assert shown == expected


def test_a_mediator_with_an_open_offer_sees_no_action_on_the_booking(page_for, mediator):
    booking = booking_in(Status.OFFERED, institution=InstitutionFactory(pool=mediator.pool))
    OfferFactory(booking=booking, mediator=mediator)

    shown = actions_on(page_for(mediator.user), "web:mediator-booking", booking, mediator_actions)

    assert shown == set()


@pytest.mark.parametrize("status", list(Status))
def test_staff_may_cancel_until_the_appointment_is_completed(page_for, staff, status):
    booking = booking_in(status, institution=staff.institution)

    shown = actions_on(
        page_for(staff.user), "web:institution-booking", booking, institution_actions
    )

    assert shown == ({"cancel"} if status in CANCELLABLE else set())


@pytest.mark.parametrize(
    ("report", "expected"),
    [(ReportStatus.SUBMITTED, {"review"}), (ReportStatus.DISPUTED, set()), (None, set())],
)
def test_staff_review_a_submitted_report_only(page_for, staff, report, expected):
    booking = booking_in(Status.COMPLETED, institution=staff.institution, hours=-48, report=report)

    shown = actions_on(
        page_for(staff.user), "web:institution-booking", booking, institution_actions
    )

    assert shown == expected


@pytest.mark.parametrize("status", list(Status))
def test_coordinators_approve_or_refuse_what_waits_and_cancel_the_rest_until_completed(
    page_for, coordinator, status
):
    booking = booking_in(status, institution=InstitutionFactory(pool=coordinator.pool))

    shown = actions_on(
        page_for(coordinator.user), "web:coordinator-booking", booking, coordinator_actions
    )

    if status == Status.AWAITING_APPROVAL:
        assert shown == {"approve", "refuse"}
    else:
        assert shown == ({"cancel"} if status in CANCELLABLE else set())
