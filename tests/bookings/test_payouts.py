"""The monthly payout for the district's accounting office: one line per mediator with the
amount, the IBAN and the bookings; CSV as German Excel reads it and XLSX with real numbers;
a month is marked as paid once, never twice."""

import csv
import datetime
import io
import threading
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import translation
from openpyxl import load_workbook

from bookings.constants import AllowanceKind, Status
from bookings.models import Allowance, PayoutMonth
from bookings.selectors.payouts import payout_for
from bookings.services.payouts import MonthAlreadyPaid, payout_month_mark_paid
from core.exceptions import DomainError
from tests.bookings.lifecycle import berlin, coordinator_of, held_booking
from tests.institutions.factories import PoolFactory
from tests.mediators.factories import MediatorFactory
from web.payouts import payout_csv, payout_xlsx

pytestmark = pytest.mark.django_db

NOW = berlin(2026, 12, 6, 9, 0)  # the clock of this module


def allowance(mediator, cents, day, kind=AllowanceKind.APPOINTMENT, booking=None):
    booking = booking or held_booking(
        status=Status.CLOSED,
        mediator=mediator,
        starts_at=berlin(day.year, day.month, day.day, 9, 0),
    )
    return Allowance.objects.create(
        mediator=mediator, booking=booking, kind=kind, day=day, amount_cents=cents
    )


@pytest.fixture
def november():
    """Two mediators of a pool with allowances in November 2026, one outside the pool."""
    pool = PoolFactory()
    amira = MediatorFactory(
        pool=pool, user__first_name="Amira", user__last_name="Haddad", iban="DE89370400440532013000"
    )
    yusuf = MediatorFactory(pool=pool, user__first_name="Yusuf", user__last_name="Demir")
    first = allowance(amira, 4_500, datetime.date(2026, 11, 3))
    allowance(
        amira, 300, datetime.date(2026, 11, 3), AllowanceKind.LATE_CANCELLATION, first.booking
    )
    second = allowance(amira, 123_450, datetime.date(2026, 11, 20))
    third = allowance(yusuf, 3_000, datetime.date(2026, 11, 30))
    allowance(yusuf, 9_999, datetime.date(2026, 12, 1))  # next month
    allowance(MediatorFactory(), 7_000, datetime.date(2026, 11, 10))  # another pool
    return {
        "pool": pool,
        "amira": amira,
        "yusuf": yusuf,
        "bookings": (first.booking_id, second.booking_id, third.booking_id),
    }


def test_one_line_per_mediator_with_amount_iban_and_bookings(november):
    first, second, third = november["bookings"]

    payout = payout_for(pool=november["pool"], year=2026, month=11)

    assert [
        (line.name, line.iban, line.total_cents, line.booking_ids) for line in payout.lines
    ] == [
        ("Yusuf Demir", "", 3_000, [third]),
        ("Amira Haddad", "DE89370400440532013000", 128_250, [first, second]),
    ]
    assert payout.total_cents == 131_250 and payout.paid is None


def test_the_csv_reads_in_german_excel_with_semicolons_and_decimal_commas(november):
    with translation.override("de"):
        text = payout_csv(payout_for(pool=november["pool"], year=2026, month=11))

    assert text.startswith("\ufeff"), "UTF-8 with a byte order mark"
    assert "\r\n" in text
    rows = list(csv.reader(io.StringIO(text.removeprefix("\ufeff")), delimiter=";"))
    assert rows[0] == ["Nachname", "Vorname", "IBAN", "Buchungen", "Betrag (EUR)"]
    first, second, third = november["bookings"]
    assert rows[1] == ["Demir", "Yusuf", "", str(third), "30,00"]
    assert rows[2] == ["Haddad", "Amira", "DE89370400440532013000", f"{first}, {second}", "1282,50"]
    assert rows[3][0] == "Summe" and rows[3][4] == "1312,50"
    amounts = [Decimal(row[4].replace(",", ".")) for row in rows[1:3]]
    assert sum(amounts) == Decimal(rows[3][4].replace(",", "."))


def test_the_xlsx_keeps_real_numbers(november):
    workbook = load_workbook(
        io.BytesIO(payout_xlsx(payout_for(pool=november["pool"], year=2026, month=11)))
    )
    sheet = workbook.active

    values = list(sheet.iter_rows(values_only=True))
    assert [row[4] for row in values[1:]] == [30, 1282.5, 1312.5]
    assert all(isinstance(row[4], int | float) for row in values[1:])
    assert values[2][2] == "DE89370400440532013000"


def test_marking_a_month_paid_records_who_when_and_how_much(november):
    coordinator = coordinator_of(november["pool"])

    paid = payout_month_mark_paid(
        pool=november["pool"], year=2026, month=11, actor=coordinator.user, now=NOW
    )

    assert (paid.total_cents, paid.mediators, paid.paid_by, paid.paid_at) == (
        131_250,
        2,
        coordinator.user,
        NOW,
    )
    assert payout_for(pool=november["pool"], year=2026, month=11).paid == paid


def test_a_month_cannot_be_paid_twice(november):
    coordinator = coordinator_of(november["pool"])
    payout_month_mark_paid(
        pool=november["pool"], year=2026, month=11, actor=coordinator.user, now=NOW
    )

    with translation.override("en"), pytest.raises(MonthAlreadyPaid) as refused:
        payout_month_mark_paid(
            pool=november["pool"], year=2026, month=11, actor=coordinator.user, now=NOW
        )

    assert "11/2026 was marked as paid on" in str(refused.value)
    assert "cannot be paid twice" in str(refused.value)
    assert PayoutMonth.objects.count() == 1


@pytest.mark.parametrize(
    ("year", "month", "why"),
    [
        (2026, 12, "once it is over"),  # the running month
        (2026, 10, "no allowances"),
        (2026, 13, "Choose a month"),
    ],
)
def test_a_running_or_empty_month_is_not_marked_paid(november, year, month, why):
    coordinator = coordinator_of(november["pool"])

    with translation.override("en"), pytest.raises(DomainError) as refused:
        payout_month_mark_paid(
            pool=november["pool"], year=year, month=month, actor=coordinator.user, now=NOW
        )

    assert why in str(refused.value.message)
    assert not PayoutMonth.objects.exists()


def test_another_pool_pays_its_own_month(november):
    other = PoolFactory()
    allowance(MediatorFactory(pool=other), 1_000, datetime.date(2026, 11, 2))
    payout_month_mark_paid(
        pool=november["pool"],
        year=2026,
        month=11,
        actor=coordinator_of(november["pool"]).user,
        now=NOW,
    )

    payout_month_mark_paid(
        pool=other, year=2026, month=11, actor=coordinator_of(other).user, now=NOW
    )

    assert PayoutMonth.objects.count() == 2


@pytest.mark.postgres  # two connections at once: row locks, as in production
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_coordinators_marking_at_once_pay_the_month_once():
    pool = PoolFactory()
    allowance(MediatorFactory(pool=pool), 1_000, datetime.date(2026, 11, 2))
    users = [coordinator_of(pool).user, coordinator_of(pool).user]
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def mark(user):
        try:
            barrier.wait()
            payout_month_mark_paid(pool=pool, year=2026, month=11, actor=user, now=NOW)
            outcomes.append("paid")
        except MonthAlreadyPaid:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=mark, args=(user,)) for user in users]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["paid", "refused"]
    assert PayoutMonth.objects.count() == 1
