"""Admin actions change bookings only through the services; status and events stay read-only."""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from bookings.constants import Status
from bookings.models import Booking, BookingEvent
from core.constants import ActorRole
from institutions.constants import StaffRole
from institutions.models import Staff
from mediators.models import Mediator

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:bookings_booking_changelist")


def act(client, action: str, *bookings, **extra):
    data = {"action": action, "_selected_action": [b.pk for b in bookings], **extra}
    return client.post(CHANGELIST, data)


def test_approving_in_the_admin_goes_through_the_service_and_records_the_event(
    coordinator_client, own
):
    response = act(coordinator_client, "approve", own.booking)

    assert response.status_code == 302
    own.booking.refresh_from_db()
    assert own.booking.status == Status.REQUESTED
    event = BookingEvent.objects.get(booking=own.booking)
    assert (event.actor, event.actor_role) == (own.coordinator.user, ActorRole.COORDINATOR)


def test_an_action_on_another_pools_booking_changes_nothing(coordinator_client, own, other):
    act(coordinator_client, "approve", other.booking)

    other.booking.refresh_from_db()
    assert other.booking.status == Status.AWAITING_APPROVAL
    assert not BookingEvent.objects.exists()


def test_cancelling_in_the_admin_asks_for_the_reason_first_and_then_cancels(
    coordinator_client, own
):
    response = act(coordinator_client, "cancel", own.booking)

    assert response.status_code == 200
    assert 'name="reason"' in response.content.decode()
    own.booking.refresh_from_db()
    assert own.booking.status == Status.AWAITING_APPROVAL

    response = act(coordinator_client, "cancel", own.booking, apply="1", reason="Schule zu")

    assert response.status_code == 302
    own.booking.refresh_from_db()
    assert own.booking.status == Status.CANCELLED
    assert own.booking.cancellation_reason == "Schule zu"
    assert BookingEvent.objects.get(booking=own.booking).reason == "Schule zu"


def test_a_refusal_without_a_reason_is_asked_again_and_changes_nothing(coordinator_client, own):
    response = act(coordinator_client, "refuse", own.booking, apply="1", reason="")

    assert response.status_code == 200
    own.booking.refresh_from_db()
    assert own.booking.status == Status.AWAITING_APPROVAL


def test_an_action_the_state_machine_forbids_reports_an_error_and_changes_nothing(
    coordinator_client, own
):
    act(coordinator_client, "approve", own.booking)
    events = BookingEvent.objects.count()

    response = act(coordinator_client, "approve", own.booking, follow=False)

    assert response.status_code == 302
    assert BookingEvent.objects.count() == events


def test_booking_status_cannot_be_changed_or_added_in_the_admin(coordinator_client, own):
    url = reverse("admin:bookings_booking_change", args=[own.booking.pk])

    coordinator_client.post(url, {"status": Status.CLOSED, "notes": "x"})

    own.booking.refresh_from_db()
    assert own.booking.status == Status.AWAITING_APPROVAL
    assert coordinator_client.get(reverse("admin:bookings_booking_add")).status_code == 403
    assert Booking.objects.count() == 1


def test_a_coordinator_adds_staff_with_an_account_to_an_own_institution(coordinator_client, own):
    response = coordinator_client.post(
        reverse("admin:institutions_staff_add"),
        {
            "first_name": "Petra",
            "last_name": "Neu",
            "email": "Petra.Neu@schule.example",
            "institution": own.institution.pk,
            "role": StaffRole.REQUESTER,
            "phone": "",
            "language": "de",
        },
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    staff = Staff.objects.get(user__email="petra.neu@schule.example")
    assert staff.institution == own.institution
    assert not staff.user.has_usable_password()


def test_staff_cannot_be_added_to_another_pools_institution(coordinator_client, own, other):
    users = get_user_model().objects.count()

    response = coordinator_client.post(
        reverse("admin:institutions_staff_add"),
        {
            "first_name": "Petra",
            "last_name": "Neu",
            "email": "petra@elsewhere.example",
            "institution": other.institution.pk,
            "role": StaffRole.REQUESTER,
            "language": "de",
        },
    )

    assert response.status_code == 200  # the form again, with an error
    assert get_user_model().objects.count() == users


def _inline_management(*prefixes: str) -> dict[str, str]:
    data = {}
    for prefix in prefixes:
        data |= {f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"}
    return data


def test_a_coordinator_onboards_a_mediator_with_coordinates_from_the_postal_code(
    coordinator_client, own
):
    data = {
        "first_name": "Lina",
        "last_name": "Darwish",
        "email": "lina@example.org",
        "gender": "female",
        "home_postal_code": "41751",
        "max_travel_km": "20",
        "max_hours_per_week": "8",
        "max_hours_per_month": "30",
        "declined_topics": "[]",
        "preferred_fields": "[]",
        "active": "on",
        "language": "de",
        **_inline_management("languages", "availability", "absences", "conflicts", "blocks"),
        "languages-TOTAL_FORMS": "1",
        "languages-0-language": "ara",
        "languages-0-level": "4",
    }
    from mediators.models import Language

    data["languages-0-language"] = str(Language.objects.get(code="ara").pk)

    response = coordinator_client.post(reverse("admin:mediators_mediator_add"), data)

    assert response.status_code == 302, response.content.decode()[:3000]
    mediator = Mediator.objects.get(user__email="lina@example.org")
    assert mediator.pool == own.pool
    assert (mediator.home_latitude, mediator.home_longitude) == (51.2530, 6.3370)
    assert [ml.language.code for ml in mediator.languages.all()] == ["ara"]
    from notifications.models import Message

    assert (
        Message.objects.filter(
            recipient_email="lina@example.org", kind="account_invitation"
        ).count()
        == 1
    )


def test_the_admin_refuses_a_new_mediator_without_any_language(coordinator_client, own):
    data = {
        "first_name": "Lina",
        "last_name": "Darwish",
        "email": "lina@example.org",
        "gender": "female",
        "home_postal_code": "41751",
        "max_travel_km": "20",
        "max_hours_per_week": "8",
        "max_hours_per_month": "30",
        "declined_topics": "[]",
        "preferred_fields": "[]",
        "active": "on",
        "language": "de",
        **_inline_management("languages", "availability", "absences", "conflicts", "blocks"),
    }

    response = coordinator_client.post(reverse("admin:mediators_mediator_add"), data)

    assert response.status_code == 200
    assert not Mediator.objects.filter(user__email="lina@example.org").exists()
    assert response.context["inline_admin_formsets"][0].formset.non_form_errors()
