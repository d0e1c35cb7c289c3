"""Erasure (Art. 17 GDPR): a coordinator erases a mediator or staff member of the pool. The
personal data goes, the bookings keep a pseudonym so that the figures of past years still
add up, the account is deactivated and every token and session revoked; refused while the
person holds a confirmed booking in the future."""

from __future__ import annotations

import datetime
from importlib import import_module

import pytest
from django.conf import settings
from django.contrib.auth import SESSION_KEY, get_user_model
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse
from knox.models import AuthToken
from rest_framework.test import APIClient

from bookings.constants import OfferStatus, Status
from bookings.models import AccessLog, Booking, Offer
from bookings.privacy.erasure import ErasureRefused, person_erase
from bookings.selectors import mediator_statement, pool_statement_totals
from core.credentials import credentials_revoke_all
from mediators.models import AvailabilityDate, Mediator
from notifications.models import PushSubscription
from tests.bookings.factories import BookingFactory, OfferFactory
from tests.institutions.factories import CoordinatorFactory, StaffFactory
from tests.mediators.factories import (
    AbsenceFactory,
    AvailabilitySlotFactory,
    MediatorFactory,
    MediatorLanguageFactory,
)

from .conftest import PAST_YEAR, summary

pytestmark = pytest.mark.django_db


def signed_in_session(user) -> str:
    """A web session of ``user`` in the session store, as a sign-in leaves it."""
    store = import_module(settings.SESSION_ENGINE).SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store.create()
    return store.session_key


def figures(pool) -> dict:
    """The past year's figures without the names (the pseudonym replaces a name) and
    without today's count of active mediators (the erased person is no longer one)."""
    data = summary(pool, PAST_YEAR)
    for row in data["mediator_activity"]["mediators"]:
        row.pop("name")
    data["mediator_activity"].pop("active_mediators")
    return data


def test_erasing_a_mediator_keeps_the_figures_and_payouts_of_past_years(history):
    before = figures(history.pool)
    statements = [
        mediator_statement(mediator=history.mediator, year=2024, month=m).total_cents
        for m in range(3, 8)
    ]
    totals = pool_statement_totals(pool=history.pool, year=2024, month=3)
    api = APIClient()
    api.force_authenticate(history.coordinator.user)

    response = api.post(f"/api/v1/people/{history.mediator.user_id}/erase/")

    assert response.status_code == 200, response.content
    assert response.json()["pseudonym"].startswith("Gelöscht-")
    assert figures(history.pool) == before
    assert before["hours"] > 0
    assert [
        mediator_statement(mediator=history.mediator, year=2024, month=m).total_cents
        for m in range(3, 8)
    ] == statements
    after = pool_statement_totals(pool=history.pool, year=2024, month=3)
    assert [(r["mediator_id"], r["total_cents"]) for r in after] == [
        (r["mediator_id"], r["total_cents"]) for r in totals
    ]
    assert after[0]["last_name"] == response.json()["pseudonym"]


def test_an_erased_mediator_has_no_personal_data_left(history):
    mediator = history.mediator
    MediatorLanguageFactory(mediator=mediator)
    AvailabilitySlotFactory(mediator=mediator)
    AbsenceFactory(mediator=mediator)
    AvailabilityDate.objects.create(
        mediator=mediator,
        day=datetime.date(2030, 1, 5),
        start_time=datetime.time(9),
        end_time=datetime.time(13),
    )
    AuthToken.objects.create(user=mediator.user)
    PushSubscription.objects.create(
        user=mediator.user, endpoint="https://push.example.test/1", p256dh="k", auth="a"
    )
    PushSubscription.objects.create(
        user=history.staff.user, endpoint="https://push.example.test/2", p256dh="k", auth="a"
    )
    session = signed_in_session(mediator.user)
    other_session = signed_in_session(history.staff.user)

    result = person_erase(actor=history.coordinator.user, user=mediator.user)

    user = get_user_model().objects.get(pk=mediator.user_id)
    assert (user.first_name, user.last_name, user.email) == ("", result.pseudonym, "")
    assert user.username.startswith("erased-") and not user.has_usable_password()
    assert not user.is_active
    erased = Mediator.objects.get(pk=mediator.pk)
    assert (erased.phone, erased.home_postal_code, erased.home_latitude) == ("", "", None)
    assert erased.police_certificate_valid_until is None and erased.training_completed_on is None
    assert not erased.active and erased.erased_at is not None
    related_rows = ("languages", "availability", "availability_dates", "absences", "conflicts")
    for related in (*related_rows, "blocks"):
        assert not getattr(erased, related).exists(), related
    assert not AuthToken.objects.filter(user=user).exists()
    assert not Session.objects.filter(pk=session).exists()
    assert Session.objects.filter(pk=other_session).exists()
    assert result.credentials_revoked == 2
    # The devices push notifications went to are gone; other people's stay.
    assert not PushSubscription.objects.filter(user=user).exists()
    assert PushSubscription.objects.filter(user=history.staff.user).exists()
    # The bookings still name the (pseudonymous) mediator.
    assert Booking.objects.filter(mediator=erased).count() == len(history.old + history.recent) - 1
    assert AccessLog.objects.filter(action="erase", user_ids=f",{user.pk},").count() == 1


def test_erasing_a_person_twice_keeps_the_first_pseudonym(history):
    first = person_erase(actor=history.coordinator.user, user=history.mediator.user)

    second = person_erase(actor=history.coordinator.user, user=history.mediator.user)

    assert second.pseudonym == first.pseudonym
    assert get_user_model().objects.get(pk=history.mediator.user_id).last_name == first.pseudonym
    assert AccessLog.objects.filter(action="erase").count() == 1


def test_erasure_is_refused_while_the_mediator_holds_a_future_confirmed_booking(history):
    BookingFactory(
        pool=history.pool,
        institution=history.staff.institution,
        mediator=history.mediator,
        status=Status.CONFIRMED,
        starts_at=datetime.datetime.now(tz=datetime.UTC) + datetime.timedelta(days=3),
    )
    api = APIClient()
    api.force_authenticate(history.coordinator.user)

    response = api.post(
        f"/api/v1/people/{history.mediator.user_id}/erase/", HTTP_ACCEPT_LANGUAGE="en"
    )

    assert response.status_code == 409
    assert response.json()["code"] == "erasure_refused"
    assert "confirmed booking in the future" in response.json()["detail"]
    mediator = Mediator.objects.select_related("user").get(pk=history.mediator.pk)
    assert mediator.active and mediator.erased_at is None and mediator.phone == "0176 555"
    assert mediator.user.is_active and mediator.user.last_name == history.mediator.user.last_name


def test_erasing_staff_keeps_their_bookings_under_a_pseudonym_without_contact_data(history):
    result = person_erase(actor=history.coordinator.user, user=history.staff.user)

    bookings = Booking.objects.filter(pk__in=[b.pk for b in history.old + history.recent])
    assert set(bookings.values_list("requested_by", flat=True)) == {history.staff.user_id}
    assert set(bookings.values_list("contact_name", "contact_phone")) == {("", "")}
    user = get_user_model().objects.get(pk=history.staff.user_id)
    assert (user.last_name, user.is_active) == (result.pseudonym, False)


def test_staff_who_requested_a_future_confirmed_booking_cannot_be_erased(history):
    BookingFactory(
        pool=history.pool,
        institution=history.staff.institution,
        requested_by=history.staff.user,
        mediator=MediatorFactory(pool=history.pool),
        status=Status.CONFIRMED,
        starts_at=datetime.datetime.now(tz=datetime.UTC) + datetime.timedelta(days=3),
    )

    with pytest.raises(ErasureRefused):
        person_erase(actor=history.coordinator.user, user=history.staff.user)

    assert get_user_model().objects.get(pk=history.staff.user_id).is_active


def test_pending_offers_of_an_erased_mediator_are_declined(history):
    offer = OfferFactory(
        mediator=history.mediator,
        booking__institution=history.staff.institution,
        booking__starts_at=datetime.datetime.now(tz=datetime.UTC) + datetime.timedelta(days=9),
    )

    person_erase(actor=history.coordinator.user, user=history.mediator.user)

    assert Offer.objects.get(pk=offer.pk).status == OfferStatus.DECLINED


def test_only_a_coordinator_of_the_pool_may_erase(history):
    api = APIClient()
    api.force_authenticate(CoordinatorFactory().user)  # another pool
    assert api.post(f"/api/v1/people/{history.mediator.user_id}/erase/").status_code == 404
    api.force_authenticate(history.staff.user)
    assert api.post(f"/api/v1/people/{history.mediator.user_id}/erase/").status_code == 403
    api.force_authenticate(history.coordinator.user)
    own = history.coordinator.user_id  # coordinators are not erased here
    assert api.post(f"/api/v1/people/{own}/erase/").status_code == 404
    assert get_user_model().objects.filter(is_active=False).count() == 0


def test_the_erasure_page_asks_for_confirmation_and_then_erases(history):
    page = Client()
    page.force_login(history.coordinator.user)
    url = reverse("web:coordinator-person-erase", args=[history.mediator.user_id])

    shown = page.get(url)
    unconfirmed = page.post(url)
    erased = page.post(url, {"confirm": "yes"})

    assert shown.status_code == 200 and b'name="confirm"' in shown.content
    assert unconfirmed.status_code == 400
    assert erased.status_code == 302
    assert not get_user_model().objects.get(pk=history.mediator.user_id).is_active


def test_the_erasure_page_says_why_it_refuses(history):
    BookingFactory(
        pool=history.pool,
        institution=history.staff.institution,
        mediator=history.mediator,
        status=Status.CONFIRMED,
        starts_at=datetime.datetime.now(tz=datetime.UTC) + datetime.timedelta(days=3),
    )
    page = Client()
    page.force_login(history.coordinator.user)

    response = page.post(
        reverse("web:coordinator-person-erase", args=[history.mediator.user_id]),
        {"confirm": "yes"},
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert response.status_code == 409
    assert "confirmed booking in the future" in response.content.decode()
    assert get_user_model().objects.get(pk=history.mediator.user_id).is_active


def test_credentials_revoke_all_deletes_the_persons_tokens_and_sessions_only():
    mine, other = StaffFactory().user, StaffFactory().user
    AuthToken.objects.create(user=mine)
    AuthToken.objects.create(user=other)
    signed_in_session(mine)
    theirs = signed_in_session(other)

    assert credentials_revoke_all(mine) == 2

    assert not AuthToken.objects.filter(user=mine).exists()
    assert AuthToken.objects.filter(user=other).exists()
    assert list(Session.objects.values_list("pk", flat=True)) == [theirs]


def test_an_erased_person_leaves_no_second_factor_and_no_sign_in_records(history):
    from axes.models import AccessAttempt
    from axes.models import AccessLog as SignInLog
    from django_otp.plugins.otp_static.models import StaticDevice
    from django_otp.plugins.otp_totp.models import TOTPDevice

    user = history.mediator.user
    username = user.get_username()
    TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    StaticDevice.objects.create(user=user, name="recovery")
    AccessAttempt.objects.create(username=username, ip_address="192.0.2.7", failures_since_start=2)
    SignInLog.objects.create(username=username, ip_address="192.0.2.7", user_agent="Firefox")
    someone_else = SignInLog.objects.create(username="schule", ip_address="192.0.2.8")

    person_erase(actor=history.coordinator.user, user=user)

    assert not TOTPDevice.objects.filter(user=user).exists()
    assert not StaticDevice.objects.filter(user=user).exists()
    assert not AccessAttempt.objects.filter(username=username).exists()
    assert not SignInLog.objects.filter(username=username).exists()
    assert SignInLog.objects.filter(pk=someone_else.pk).exists()
