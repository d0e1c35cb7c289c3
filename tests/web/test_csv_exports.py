"""Every CSV export cleans every cell against formula injection (core.spreadsheets): text that
starts with = + - @, a tab or a carriage return gets a leading apostrophe, in every column
of every export; numbers stay numbers."""

import csv
import datetime
import io
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from bookings.constants import AllowanceKind, Status
from bookings.models import Allowance
from core.spreadsheets import csv_text, safe_cell
from tests.bookings.factories import BookingFactory
from tests.clock import frozen
from tests.institutions.factories import InstitutionFactory
from tests.mediators.factories import LanguageFactory

from .conftest import BERLIN

pytestmark = pytest.mark.django_db

DANGEROUS = ["=1+1", "+1", "-1", "@SUM(A1)", "\t=cmd", "\r=cmd"]


def cells(text: str) -> list[str]:
    return [value for row in csv.reader(io.StringIO(text, newline="")) for value in row]


def assert_no_formula(text: str) -> None:
    starts = [value for value in cells(text) if value[:1] in ("=", "+", "-", "@", "\t", "\r")]
    assert starts == []


@pytest.mark.parametrize("value", DANGEROUS)
def test_text_that_would_start_a_formula_is_quoted(value):
    assert safe_cell(value) == "'" + value
    assert cells(csv_text([[value]])) == ["'" + value]


@pytest.mark.parametrize("value", ["Viersen", "", "1+1", "a=b", 5, -5, 2.5, None])
def test_other_values_stay_as_they_are(value):
    assert safe_cell(value) == value


def test_no_module_writes_csv_but_the_shared_helper():
    """A new export cannot bypass the cleaning: csv.writer appears in core.spreadsheets only."""
    root = Path(settings.BASE_DIR)
    writers = {
        str(path.relative_to(root))
        for app in (
            "core",
            "config",
            "institutions",
            "mediators",
            "bookings",
            "notifications",
            "web",
            "demo",
        )
        for path in (root / app).rglob("*.py")
        if re.search(r"csv\.(writer|DictWriter)\(", path.read_text())
    }
    assert writers == {"core/spreadsheets.py"}


@frozen(datetime.datetime(2026, 4, 15, 9, 0, tzinfo=BERLIN))
def test_the_statistics_export_cleans_every_column(client, coordinator, pool):
    institution = InstitutionFactory(pool=pool, town__name="-Viersen", name="=HYPERLINK(1)")
    language = LanguageFactory(code="@ti", name_de="@Tigrinya", name_en="@Tigrinya")
    BookingFactory(
        institution=institution,
        language=language,
        starts_at=datetime.datetime(2026, 3, 2, 9, tzinfo=BERLIN),
        status=Status.UNFILLED,
    )
    client.force_login(coordinator.user)

    response = client.get(
        "/api/v1/stats/export/", {"from": "2026-03-01", "to": "2026-03-31", "format": "csv"}
    )

    assert response.status_code == 200
    text = response.content.decode()
    assert "'-Viersen" in text and "'@ti" in text
    assert_no_formula(text)


def test_the_mediator_statement_cleans_every_column(page_for, mediator):
    language = LanguageFactory(code="@su", name_de="@SUM(A1)", name_en="@SUM(A1)")
    booking = BookingFactory(
        institution=InstitutionFactory(pool=mediator.pool, name="\t=cmd|' /C calc'!A0"),
        language=language,
        status=Status.CLOSED,
        mediator=mediator,
        starts_at=timezone.now() - datetime.timedelta(days=40),
    )
    day = booking.starts_at.astimezone(BERLIN).date()
    Allowance.objects.create(
        mediator=mediator,
        booking=booking,
        kind=AllowanceKind.APPOINTMENT,
        day=day,
        amount_cents=2250,
    )

    response = page_for(mediator.user).get(
        reverse("web:mediator-statement"), {"month": f"{day:%Y-%m}", "format": "csv"}
    )

    text = response.content.decode()
    assert response["Content-Type"].startswith("text/csv")
    assert "'\t=cmd" in text and "'@su" in text
    assert "22.50" in text
    assert_no_formula(text)
