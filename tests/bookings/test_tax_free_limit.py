"""The tax-free yearly amount (Ehrenamtspauschale) is the law's of each calendar year: 840 €
up to 2025, 960 € from 2026. The mediator is told, not only the coordinators: an e-mail in
their language at 80 % and at 100 %, once each per year, and a banner on the statement."""

import datetime

import pytest
from django.urls import reverse

from bookings.constants import AllowanceKind, Status, TaxFreeState
from bookings.models import Allowance
from bookings.selectors.statements import mediator_statement, mediator_tax_free_status
from bookings.services.compensation import AllowanceAmount, allowance_write
from institutions.models import TaxFreeLimit
from notifications.constants import MessageKind
from notifications.models import Message
from tests.bookings.lifecycle import berlin, held_booking
from tests.mediators.factories import MediatorFactory

pytestmark = pytest.mark.django_db


def allowance(mediator, cents, day):
    booking = held_booking(
        status=Status.CLOSED,
        mediator=mediator,
        starts_at=berlin(day.year, day.month, day.day, 9, 0),
    )
    return allowance_write(
        booking=booking,
        kind=AllowanceKind.APPOINTMENT,
        amount=AllowanceAmount(amount_cents=cents, breakdown={}),
    )[0]


def notices(mediator):
    return list(
        Message.objects.filter(kind=MessageKind.TAX_FREE_NOTICE, recipient_user=mediator.user)
        .order_by("pk")
        .values_list("context__year", "context__threshold", "language")
    )


def test_the_limit_is_kept_with_its_validity_per_calendar_year():
    assert {(r.valid_from.year, r.yearly_cents) for r in TaxFreeLimit.objects.all()} >= {
        (2021, 84_000),
        (2026, 96_000),
    }
    mediator = MediatorFactory()
    Allowance.objects.create(
        mediator=mediator,
        booking=held_booking(status=Status.CLOSED, mediator=mediator),
        kind=AllowanceKind.APPOINTMENT,
        day=datetime.date(2025, 11, 3),
        amount_cents=85_000,
    )

    in_2025 = mediator_tax_free_status(mediator=mediator, year=2025)
    in_2026 = mediator_tax_free_status(mediator=mediator, year=2026)

    assert (in_2025.limit_cents, in_2025.warning_cents) == (84_000, 67_200)
    assert in_2025.state == TaxFreeState.EXCEEDED  # 850 € are above 2025's 840 €
    assert (in_2026.limit_cents, in_2026.total_cents) == (96_000, 0)


def test_the_mediator_is_told_at_80_and_at_100_percent_once_each_in_their_language():
    mediator = MediatorFactory(language="uk")
    day = datetime.date(2027, 3, 1)

    allowance(mediator, 70_000, day)  # 700 € of 960 €
    assert notices(mediator) == []
    allowance(mediator, 10_000, day + datetime.timedelta(days=1))  # 800 €: above 768 €
    allowance(mediator, 1_500, day + datetime.timedelta(days=2))
    allowance(mediator, 15_000, day + datetime.timedelta(days=3))  # 965 €: the limit
    allowance(mediator, 1_500, day + datetime.timedelta(days=4))

    assert notices(mediator) == [(2027, "warning", "uk"), (2027, "limit", "uk")]
    assert all(m.rendered for m in Message.objects.filter(kind=MessageKind.TAX_FREE_NOTICE))


def test_the_2025_notice_is_judged_against_840_euros():
    mediator = MediatorFactory()

    allowance(mediator, 84_000, datetime.date(2025, 12, 1))

    assert notices(mediator) == [(2025, "limit", "de")]


def test_the_statement_shows_a_banner_from_80_percent(client):
    mediator = MediatorFactory()
    client.force_login(mediator.user)
    url = reverse("web:mediator-statement")
    allowance(mediator, 50_000, datetime.date(2027, 5, 3))

    below = client.get(url, {"month": "2027-05"}).content.decode()
    allowance(mediator, 30_000, datetime.date(2027, 5, 4))
    warned = client.get(url, {"month": "2027-05"}).content.decode()
    allowance(mediator, 20_000, datetime.date(2027, 5, 5))
    reached = client.get(url, {"month": "2027-05"}).content.decode()

    assert "data-tax-free" not in below
    assert 'data-tax-free="warning"' in warned and "83 %" in warned
    assert 'data-tax-free="limit"' in reached
    assert mediator_statement(mediator=mediator, year=2027, month=5).tax_free.reached == "limit"
