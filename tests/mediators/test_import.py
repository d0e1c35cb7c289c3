"""Bringing in a volunteer list: CSV as German Excel writes it or XLSX, a dry run that shows
row by row what would happen, duplicates found by e-mail, and an import that keeps all rows
with their invitations or none."""

import csv
import datetime
import io

import pytest
from django.contrib.auth import get_user_model
from django.utils import translation
from openpyxl import Workbook

from mediators.importing import (
    MAX_UPLOAD_BYTES,
    ImportFileError,
    RowOutcome,
    import_file_read,
    import_template_rows,
    mediator_list_import,
)
from mediators.models import Mediator, MediatorLanguage
from notifications.constants import MessageKind
from notifications.models import Message
from tests.institutions.factories import PoolFactory, UserFactory
from tests.mediators.factories import DialectFactory, LanguageFactory

pytestmark = pytest.mark.django_db

GERMAN_HEADER = (
    "Vorname;Nachname;E-Mail;Telefon;PLZ;Ort;Geschlecht;Sprachen;Schulung am;"
    "Verpflichtungserklärung am;Führungszeugnis eingesehen am;Führungszeugnis gültig bis;IBAN"
)
AMIRA = (
    "Amira;Haddad;amira@example.org;0162 1234567;41747;Viersen;w;ara/levantine:4, ukr:3;"
    "15.01.2026;15.01.2026;20.01.2026;20.01.2031;DE89 3704 0044 0532 0130 00"
)
YUSUF = "Yusuf;Demir;yusuf@example.org;;;Kempen;m;Türkisch (fließend);;;;;"


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def levantine():
    return DialectFactory(
        language=LanguageFactory(code="ara"), code="levantine", name_de="Levantinisch"
    )


def german_excel_csv(*lines: str, bom: bool = True) -> bytes:
    text = "\r\n".join(lines) + "\r\n"
    return ("\ufeff" if bom else "").encode() + text.encode("utf-8")


def read(content: bytes, name: str = "liste.csv"):
    return import_file_read(name=name, content=content).rows


def footprint():
    """Accounts, mediators, their languages and the outbox: what an import writes."""
    return (
        get_user_model().objects.count(),
        Mediator.objects.count(),
        MediatorLanguage.objects.count(),
        Message.objects.count(),
    )


def test_the_dry_run_previews_every_row_and_writes_nothing():
    rows = read(german_excel_csv(GERMAN_HEADER, AMIRA, YUSUF))
    before = footprint()

    result = mediator_list_import(pool=PoolFactory(), rows=rows, dry_run=True)

    assert [(o.line, o.name, o.status) for o in result.outcomes] == [
        (2, "Amira Haddad", RowOutcome.NEW),
        (3, "Yusuf Demir", RowOutcome.NEW),
    ]
    assert result.outcomes[0].languages == ["ara/levantine (native)", "ukr (fluent)"]
    assert result.can_import and not result.imported
    assert footprint() == before, "a dry run keeps no account and sends no invitation"


def test_the_import_creates_the_mediators_with_languages_vetting_and_invitations():
    pool = PoolFactory()
    rows = read(german_excel_csv(GERMAN_HEADER, AMIRA, YUSUF))

    result = mediator_list_import(pool=pool, rows=rows, dry_run=False)

    assert result.imported and result.new == 2
    amira = Mediator.objects.get(user__email="amira@example.org")
    assert (amira.pool, amira.gender, amira.phone) == (pool, "female", "0162 1234567")
    assert amira.police_certificate_valid_until == datetime.date(2031, 1, 20)
    assert amira.is_vetted and amira.iban == "DE89370400440532013000"
    assert sorted(
        (row.language.code, row.dialect.code if row.dialect else None, row.level)
        for row in amira.languages.all()
    ) == [("ara", "levantine", 4), ("ukr", None, 3)]
    yusuf = Mediator.objects.get(user__email="yusuf@example.org")
    assert yusuf.home_postal_code.startswith("479"), "the town gives the postal code"
    assert not yusuf.is_vetted
    invitations = Message.objects.filter(kind=MessageKind.ACCOUNT_INVITATION)
    assert sorted(invitations.values_list("recipient_email", flat=True)) == [
        "amira@example.org",
        "yusuf@example.org",
    ]


def test_a_comma_separated_file_without_bom_with_english_headers_is_read():
    content = german_excel_csv(
        "First name,Last name,Email,Postal code,Gender,Languages",
        "Olena,Koval,olena@example.org,41334,female,ukr:4",
        bom=False,
    )

    (row,) = read(content)

    assert row.cells["first_name"] == "Olena" and row.cells["languages"] == "ukr:4"


def test_an_xlsx_list_with_date_cells_is_read():
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["Vorname", "Nachname", "E-Mail", "PLZ", "Geschlecht", "Sprachen", "Schulung am"])
    sheet.append(
        ["Olena", "Koval", "olena@example.org", 41334, "w", "ukr", datetime.date(2026, 2, 3)]
    )
    buffer = io.BytesIO()
    workbook.save(buffer)

    (row,) = read(buffer.getvalue(), name="liste.xlsx")
    result = mediator_list_import(pool=PoolFactory(), rows=[row], dry_run=False)

    assert result.imported
    olena = Mediator.objects.get(user__email="olena@example.org")
    assert olena.training_completed_on == datetime.date(2026, 2, 3)
    assert olena.home_postal_code == "41334"


def test_each_bad_row_is_explained_by_its_line():
    rows = read(
        german_excel_csv(
            GERMAN_HEADER,
            AMIRA,
            "Kemal;Aydın;kemal@example.org;;99999;;m;Klingonisch:4;;;;;",
            "Sara;Ali;sara@example;;41747;;x;ara:7;32.13.2026;;;;",
            "Noor;Haidari;noor@example.org;;41747;;;;;;;;",
        )
    )

    result = mediator_list_import(pool=PoolFactory(), rows=rows, dry_run=True)

    by_line = {o.line: o for o in result.outcomes}
    assert by_line[2].status == RowOutcome.NEW
    assert by_line[3].status == RowOutcome.ERROR
    assert by_line[3].errors == ["Unknown language: Klingonisch."]
    assert by_line[4].errors == [
        "sara@example is not an e-mail address.",
        "Training completed on: 32.13.2026 is not a date (give DD.MM.YYYY).",
        "Unknown level 7: give 1-4 or basic, good, fluent, native.",
    ]
    assert "Give the gender: female, male or diverse (w, m, d)." in by_line[5].errors
    assert "Languages: A mediator speaks at least one language: give one." not in by_line[5].errors
    assert not result.can_import


def test_an_unknown_postal_code_is_the_onboardings_own_refusal():
    rows = read(german_excel_csv(GERMAN_HEADER, AMIRA.replace(";41747;", ";10115;")))

    (outcome,) = mediator_list_import(pool=PoolFactory(), rows=rows, dry_run=True).outcomes

    assert outcome.errors == [
        "Postal code: Unknown postal code: give the latitude and longitude of the home."
    ]


def test_duplicates_are_found_by_email_in_the_file_and_among_the_accounts():
    UserFactory(username="yusuf@example.org", email="Yusuf@Example.org")
    rows = read(german_excel_csv(GERMAN_HEADER, AMIRA, YUSUF, AMIRA.replace("Amira;", "Amina;")))

    result = mediator_list_import(pool=PoolFactory(), rows=rows, dry_run=True)

    assert [o.status for o in result.outcomes] == [
        RowOutcome.NEW,
        RowOutcome.DUPLICATE,
        RowOutcome.ERROR,
    ]
    assert result.outcomes[2].errors == ["The same e-mail address as in line 2."]


def test_a_list_with_one_bad_row_imports_nobody_and_invites_nobody():
    rows = read(german_excel_csv(GERMAN_HEADER, AMIRA, YUSUF.replace(";m;", ";?;")))
    before = footprint()

    result = mediator_list_import(pool=PoolFactory(), rows=rows, dry_run=False)

    assert not result.imported and result.errors == 1
    assert footprint() == before


def test_existing_accounts_are_skipped_and_the_others_imported():
    UserFactory(username="yusuf@example.org", email="yusuf@example.org")
    rows = read(german_excel_csv(GERMAN_HEADER, AMIRA, YUSUF))

    result = mediator_list_import(pool=PoolFactory(), rows=rows, dry_run=False)

    assert result.imported and (result.new, result.duplicates) == (1, 1)
    assert not Mediator.objects.filter(user__email="yusuf@example.org").exists()
    assert Message.objects.filter(kind=MessageKind.ACCOUNT_INVITATION).count() == 1


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("liste.csv", GERMAN_HEADER.encode("cp1252") + b"\r\n", "not in UTF-8"),
        ("liste.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "Old Excel files"),
        ("liste.xlsx", b"PK\x03\x04 not a workbook", "cannot be read as an Excel workbook"),
        ("liste.pdf", b"%PDF-1.7", "Upload a CSV or an XLSX file."),
        ("liste.csv", b"", "The file is empty."),
        ("liste.csv", german_excel_csv(GERMAN_HEADER), "no rows below the column names"),
        ("liste.csv", german_excel_csv("Name;Telefon", "Haddad;0162"), "lacks the columns"),
        ("liste.csv", b"a;b\r\n" + b"x" * (MAX_UPLOAD_BYTES + 1), "larger than"),
        ("liste.csv", german_excel_csv(GERMAN_HEADER, AMIRA + ";zu viel"), "more cells"),
    ],
)
def test_a_file_that_cannot_be_read_is_refused_with_the_reason(name, content, message):
    with pytest.raises(ImportFileError) as refused:
        import_file_read(name=name, content=content)

    assert message in str(refused.value.message)


def test_the_template_is_itself_a_list_the_import_reads():
    out = io.StringIO()
    csv.writer(out, delimiter=";").writerows(import_template_rows())

    rows = read(out.getvalue().encode())
    result = mediator_list_import(pool=PoolFactory(), rows=rows, dry_run=True)

    assert [o.status for o in result.outcomes] == [RowOutcome.NEW, RowOutcome.NEW]
