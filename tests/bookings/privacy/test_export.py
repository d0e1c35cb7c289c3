"""Access to one's data (Art. 15 GDPR): a person downloads everything the product holds
about them as JSON, from the profile page and through the API; a coordinator produces it
for a person of the pool."""

from __future__ import annotations

import datetime
import json

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from bookings.models import AccessLog
from bookings.privacy.selectors import EXPORT_FORMAT, personal_data_export
from mediators.models import AvailabilityDate
from notifications.models import PushSubscription
from tests.institutions.factories import CoordinatorFactory
from tests.mediators.factories import (
    AbsenceFactory,
    AvailabilitySlotFactory,
    MediatorLanguageFactory,
)

from .conftest import NOW

pytestmark = pytest.mark.django_db


def test_a_mediator_downloads_profile_languages_availability_bookings_and_money(history):
    mediator = history.mediator
    MediatorLanguageFactory(mediator=mediator)
    AvailabilitySlotFactory(mediator=mediator)
    AbsenceFactory(mediator=mediator)
    AvailabilityDate.objects.create(
        mediator=mediator,
        day=datetime.date(2026, 6, 6),
        start_time=datetime.time(9),
        end_time=datetime.time(0),
    )
    api = APIClient()
    api.force_authenticate(mediator.user)

    response = api.get("/api/v1/me/export/")

    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    data = response.json()
    assert data["format"] == EXPORT_FORMAT
    assert data["account"]["email"] == mediator.user.email
    assert data["mediator"]["phone"] == "0176 555"
    assert [row["language"] for row in data["mediator"]["languages"]] == ["ara"]
    assert len(data["mediator"]["availability"]) == 1
    assert len(data["mediator"]["absences"]) == 1
    assert data["mediator"]["availability_dates"] == [
        {"day": "2026-06-06", "from": "09:00", "until": "00:00"}
    ]
    held = [b for b in history.old + history.recent if b.mediator_id == mediator.pk]
    assert sorted(b["id"] for b in data["bookings"]) == sorted(b.pk for b in held)
    assert len(data["allowances"]) == 5  # the closed bookings
    assert any(b["report"] for b in data["bookings"])
    assert data["access_log"] == []  # read nothing yet (this download is logged after)


def test_the_bookings_show_only_what_the_person_may_see(history):
    data = personal_data_export(history.mediator.user)

    closed = next(b for b in data["bookings"] if b["status"] == "closed")
    # A mediator sees the institution's contact once the booking is held by them.
    assert closed["contact_name"] == "Frau Beispiel"
    # Feedback is for coordinators only: it is not in the mediator's export.
    assert "Frau Y" not in json.dumps(data)


def test_staff_get_the_bookings_they_requested_and_the_messages_sent_to_them(history):
    data = personal_data_export(history.staff.user)

    assert data["staff"]["institution"] == history.staff.institution.name
    assert len(data["bookings"]) == len(history.old + history.recent)
    assert len(data["messages"]) == len(history.old + history.recent)
    assert {row["action"] for row in data["access_log"]} == {"read"}


def test_the_download_is_access_logged_and_shows_who_read_the_data(history):
    api = APIClient()
    api.force_authenticate(history.coordinator.user)

    response = api.get(f"/api/v1/people/{history.mediator.user_id}/export/")

    assert response.status_code == 200
    row = AccessLog.objects.get(what="export:personal-data")
    assert (row.user_id, row.user_ids) == (
        history.coordinator.user_id,
        f",{history.mediator.user_id},",
    )
    mine = personal_data_export(history.mediator.user)
    assert [r["what"] for r in mine["reads_of_your_data"]] == ["export:personal-data"]


def test_a_coordinator_of_another_pool_gets_404_and_staff_403(history):
    api = APIClient()
    api.force_authenticate(CoordinatorFactory().user)
    assert api.get(f"/api/v1/people/{history.mediator.user_id}/export/").status_code == 404
    api.force_authenticate(history.staff.user)
    assert api.get(f"/api/v1/people/{history.mediator.user_id}/export/").status_code == 403
    assert not AccessLog.objects.filter(what="export:personal-data").exists()


def test_the_profile_page_offers_the_download(history):
    page = Client()
    page.force_login(history.mediator.user)

    profile = page.get(reverse("web:mediator-profile"))
    download = page.get(reverse("web:my-data"))

    assert reverse("web:my-data") in profile.content.decode()
    assert download.status_code == 200
    assert download["Content-Type"] == "application/json"
    assert json.loads(download.content)["account"]["id"] == history.mediator.user_id


def test_a_coordinator_downloads_a_persons_data_from_the_mediator_page(history):
    page = Client()
    page.force_login(history.coordinator.user)

    detail = page.get(reverse("web:coordinator-mediator", args=[history.mediator.pk]))
    url = reverse("web:coordinator-person-export", args=[history.mediator.user_id])
    download = page.get(url)

    assert url in detail.content.decode()
    assert json.loads(download.content)["mediator"]["id"] == history.mediator.pk


def test_a_mediators_push_devices_are_in_the_export_without_their_keys(history):
    user = history.mediator.user
    PushSubscription.objects.create(
        user=user,
        endpoint="https://push.example.test/send/device-secret-path",
        p256dh="public-key-of-the-device",
        auth="auth-secret-of-the-device",
        label="Firefox on Android",
        created_at=NOW,
        last_success_at=NOW,
    )
    PushSubscription.objects.create(
        user=history.staff.user,
        endpoint="https://push.example.test/send/someone-else",
        p256dh="k",
        auth="a",
        label="Someone else's phone",
        created_at=NOW,
    )

    data = personal_data_export(user, now=NOW)

    assert data["push_devices"] == [
        {
            "device": "Firefox on Android",
            "created_at": NOW.isoformat(),
            "last_success_at": NOW.isoformat(),
        }
    ]
    text = json.dumps(data)
    for secret in ("device-secret-path", "public-key-of-the-device", "auth-secret-of-the-device"):
        assert secret not in text
    assert "Someone else" not in text
