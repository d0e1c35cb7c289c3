"""Bringing in an existing volunteer list: mediators from a CSV or XLSX file.

Reading is tablib's (on Python's csv module and openpyxl), never our own parser: CSV in
UTF-8 with or without a byte order mark, separated by ``;`` (as German Excel writes it) or
``,``; XLSX, the first sheet. The first row names the columns, in German or English
(``COLUMNS``); a template is ``import_template_rows``.

The import itself is ``mediator_list_import``: every row goes through the onboarding service
(``mediator_onboard``: the same rules as one by one, and the invitation), all in one
transaction. A dry run does the same and rolls it all back, so the preview shows exactly
what the import will do, row by row: created, skipped (an account with that e-mail exists
already) or refused with the reasons. A file with a refused row imports nothing.
"""

from __future__ import annotations

import csv
import datetime
import re
import unicodedata
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import tablib
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl.utils.exceptions import InvalidFileException

from core.exceptions import DomainError
from institutions.constants import MessageLanguage
from institutions.models import Pool, PostalCode

from .constants import Gender, LanguageLevel
from .models import Dialect, Language
from .services import LanguageSkill, mediator_onboard

MAX_UPLOAD_BYTES = 2 * 1024 * 1024
MAX_ROWS = 1000

# The columns, each with the headers accepted for it (compared without case, spaces,
# hyphens and underscores). The first header of each is the German template's.
COLUMNS: dict[str, tuple[str, ...]] = {
    "first_name": ("Vorname", "first name", "firstname", "given name"),
    "last_name": ("Nachname", "last name", "lastname", "familienname", "surname", "name"),
    "email": ("E-Mail", "email", "e-mail-adresse", "email address", "mail"),
    "phone": ("Telefon", "phone", "telefonnummer", "handy", "mobil", "mobile"),
    "home_postal_code": ("PLZ", "postal code", "postleitzahl", "postcode", "zip"),
    "town": ("Ort", "town", "wohnort", "stadt", "city"),
    "gender": ("Geschlecht", "gender"),
    "languages": ("Sprachen", "languages", "sprache", "language"),
    "language": ("Sprache der Nachrichten", "message language", "korrespondenzsprache"),
    "training_completed_on": (
        "Schulung am",
        "training completed on",
        "schulung",
        "schulung abgeschlossen am",
        "training",
    ),
    "pledge_signed_on": (
        "Verpflichtungserklärung am",
        "confidentiality pledge signed on",
        "verpflichtungserklärung",
        "schweigepflichterklärung",
        "pledge",
    ),
    "police_certificate_inspected_on": (
        "Führungszeugnis eingesehen am",
        "police certificate inspected on",
        "führungszeugnis eingesehen",
    ),
    "police_certificate_valid_until": (
        "Führungszeugnis gültig bis",
        "police certificate valid until",
    ),
    "iban": ("IBAN",),
}
REQUIRED_COLUMNS = ("first_name", "last_name", "email", "gender", "languages")
DATE_COLUMNS = (
    "training_completed_on",
    "pledge_signed_on",
    "police_certificate_inspected_on",
    "police_certificate_valid_until",
)
# What a row's error names, by the column (or the service's field).
LABELS = {
    "first_name": gettext_lazy("First name"),
    "last_name": gettext_lazy("Last name"),
    "email": gettext_lazy("E-mail"),
    "phone": gettext_lazy("Phone"),
    "home_postal_code": gettext_lazy("Postal code"),
    "home_latitude": gettext_lazy("Postal code"),
    "town": gettext_lazy("Town"),
    "gender": gettext_lazy("Gender"),
    "languages": gettext_lazy("Languages"),
    "language": gettext_lazy("Language of the messages"),
    "training_completed_on": gettext_lazy("Training completed on"),
    "pledge_signed_on": gettext_lazy("Confidentiality pledge signed on"),
    "police_certificate_inspected_on": gettext_lazy("Police certificate inspected on"),
    "police_certificate_valid_until": gettext_lazy("Police certificate valid until"),
    "iban": gettext_lazy("IBAN"),
}
GENDERS = {
    Gender.FEMALE: ("female", "f", "w", "weiblich", "frau"),
    Gender.MALE: ("male", "m", "männlich", "maennlich", "mann"),
    Gender.DIVERSE: ("diverse", "d", "divers", "x"),
}
LEVELS = {
    LanguageLevel.BASIC: ("1", "basic", "grundkenntnisse", "grundlagen"),
    LanguageLevel.GOOD: ("2", "good", "gut", "gute kenntnisse"),
    LanguageLevel.FLUENT: ("3", "fluent", "fließend", "fliessend", "verhandlungssicher"),
    LanguageLevel.NATIVE: ("4", "native", "muttersprache", "muttersprachlich", "erstsprache"),
}
# Items of the languages cell: "ara:4, ukr:3", "Arabisch/levantine (Muttersprache)".
LANGUAGE_ITEM_SEPARATORS = re.compile(r"[,;|\n]+")
LANGUAGE_ITEM = re.compile(r"^(?P<name>[^:()]+?)\s*(?:[:(]\s*(?P<level>[^)]*?)\s*\)?)?$")


class ImportFileError(DomainError):
    """The file cannot be read as a volunteer list (format, encoding, size, columns)."""


@dataclass(frozen=True)
class ImportRow:
    """One row of the file: its line (the header is line 1) and its cells as text."""

    line: int
    cells: dict[str, str]


@dataclass(frozen=True)
class ImportFile:
    rows: list[ImportRow]
    ignored_columns: list[str]


@dataclass
class RowOutcome:
    line: int
    name: str
    email: str
    languages: list[str] = field(default_factory=list)
    status: str = "new"  # "new", "duplicate" (an account exists), "error"
    errors: list[str] = field(default_factory=list)

    NEW = "new"
    DUPLICATE = "duplicate"
    ERROR = "error"


@dataclass(frozen=True)
class ImportResult:
    outcomes: list[RowOutcome]
    imported: bool

    @property
    def new(self) -> int:
        return sum(1 for outcome in self.outcomes if outcome.status == RowOutcome.NEW)

    @property
    def duplicates(self) -> int:
        return sum(1 for outcome in self.outcomes if outcome.status == RowOutcome.DUPLICATE)

    @property
    def errors(self) -> int:
        return sum(1 for outcome in self.outcomes if outcome.status == RowOutcome.ERROR)

    @property
    def can_import(self) -> bool:
        return self.errors == 0 and self.new > 0


def _key(header: Any) -> str:
    text = unicodedata.normalize("NFC", str(header or "")).casefold()
    return re.sub(r"[\s_\-:.]+", "", text)


HEADER_KEYS = {_key(header): column for column, headers in COLUMNS.items() for header in headers}


def _text(value: Any) -> str:
    """A cell as text: dates of a spreadsheet as ISO days, whole numbers without ".0"."""
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return value.date().isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return " ".join(str(value).split())


def _decode(content: bytes) -> str:
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImportFileError(
            _(
                'The file is not in UTF-8. In Excel, save it as "CSV UTF-8 (comma '
                'delimited)", or upload the XLSX file itself.'
            ),
            field="file",
        ) from None


def _dataset(name: str, content: bytes) -> tablib.Dataset:
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    is_zip = content.startswith(b"PK\x03\x04")
    if extension == "xls" or content.startswith(b"\xd0\xcf\x11\xe0"):
        raise ImportFileError(
            _("Old Excel files (.xls) cannot be read: save the list as XLSX or CSV."),
            field="file",
        )
    if extension == "xlsx" or is_zip:
        try:
            return tablib.Dataset().load(content, format="xlsx")
        except (zipfile.BadZipFile, InvalidFileException, KeyError, ValueError, OSError):
            raise ImportFileError(
                _("The file cannot be read as an Excel workbook (XLSX)."), field="file"
            ) from None
    if extension not in ("csv", "txt", ""):
        raise ImportFileError(_("Upload a CSV or an XLSX file."), field="file")
    text = _decode(content)
    if "\x00" in text:
        raise ImportFileError(_("Upload a CSV or an XLSX file."), field="file")
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") >= first_line.count(",") else ","
    try:
        return tablib.Dataset().load(text, format="csv", delimiter=delimiter)
    except tablib.InvalidDimensions:
        raise ImportFileError(
            _("A row of the file has more cells than the first row has column names."),
            field="file",
        ) from None
    except csv.Error:
        raise ImportFileError(_("The file cannot be read as CSV."), field="file") from None


def import_file_read(*, name: str, content: bytes) -> ImportFile:
    """The rows of an uploaded volunteer list, or ``ImportFileError`` saying why it cannot
    be read (too large, not CSV or XLSX, not UTF-8, no rows, a required column missing)."""
    if len(content) > MAX_UPLOAD_BYTES:
        raise ImportFileError(
            _("The file is larger than %(size)s MB.") % {"size": MAX_UPLOAD_BYTES // 2**20},
            field="file",
        )
    if not content.strip():
        raise ImportFileError(_("The file is empty."), field="file")
    dataset = _dataset(name, content)
    headers = list(dataset.headers or [])
    columns: dict[int, str] = {}
    ignored: list[str] = []
    for index, header in enumerate(headers):
        column = HEADER_KEYS.get(_key(header))
        if column is None or column in columns.values():
            if _text(header):
                ignored.append(_text(header))
            continue
        columns[index] = column
    found = set(columns.values())
    missing = [column for column in REQUIRED_COLUMNS if column not in found]
    if "home_postal_code" not in found and "town" not in found:
        missing.append("home_postal_code")
    if missing:
        raise ImportFileError(
            _("The file lacks the columns: %(columns)s. The first row must name them.")
            % {"columns": ", ".join(COLUMNS[column][0] for column in missing)},
            field="file",
        )
    rows: list[ImportRow] = []
    for number, values in enumerate(dataset, start=2):
        cells = {column: _text(values[index]) for index, column in columns.items()}
        if not any(cells.values()):
            continue
        rows.append(ImportRow(line=number, cells=cells))
    if not rows:
        raise ImportFileError(_("The file has no rows below the column names."), field="file")
    if len(rows) > MAX_ROWS:
        raise ImportFileError(
            _("The file has more than %(max)s rows: split it.") % {"max": MAX_ROWS},
            field="file",
        )
    return ImportFile(rows=rows, ignored_columns=ignored)


# --- one row ------------------------------------------------------------------------------


def _choice(value: str, choices: dict[Any, tuple[str, ...]]) -> Any:
    wanted = value.strip().casefold()
    for choice, names in choices.items():
        if wanted in names:
            return choice
    return None


def _day(value: str) -> datetime.date | None:
    value = value.strip()
    if not value:
        return None
    for fmt in ("%Y-%m-%d", "%d.%m.%Y", "%d.%m.%y"):
        try:
            return datetime.datetime.strptime(value, fmt).date()  # noqa: DTZ007 (a day)
        except ValueError:
            continue
    raise ValueError(value)


def _language(name: str) -> tuple[Language | None, Dialect | None]:
    language_part, _slash, dialect_part = name.partition("/")
    wanted = language_part.strip()
    language = (
        Language.objects.filter(code__iexact=wanted).first()
        or Language.objects.filter(name_de__iexact=wanted).first()
        or Language.objects.filter(name_en__iexact=wanted).first()
    )
    if language is None or not dialect_part.strip():
        return language, None
    wanted = dialect_part.strip()
    dialects = Dialect.objects.filter(language=language)
    dialect = (
        dialects.filter(code__iexact=wanted).first()
        or dialects.filter(name_de__iexact=wanted).first()
        or dialects.filter(name_en__iexact=wanted).first()
    )
    return language, dialect if dialect is not None else Dialect(pk=None)


def _skills(cell: str, errors: list[str]) -> list[LanguageSkill]:
    skills: list[LanguageSkill] = []
    for item in LANGUAGE_ITEM_SEPARATORS.split(cell):
        item = item.strip()
        if not item:
            continue
        match = LANGUAGE_ITEM.match(item)
        name = match.group("name") if match else item
        level_text = (match.group("level") if match else "") or ""
        language, dialect = _language(name)
        if language is None:
            errors.append(_("Unknown language: %(name)s.") % {"name": name})
            continue
        if dialect is not None and dialect.pk is None:
            errors.append(_("Unknown dialect: %(name)s.") % {"name": name})
            continue
        level = _choice(level_text, LEVELS) if level_text else LanguageLevel.FLUENT
        if level is None:
            errors.append(
                _("Unknown level %(level)s: give 1-4 or basic, good, fluent, native.")
                % {"level": level_text}
            )
            continue
        skills.append(LanguageSkill(language=language, dialect=dialect, level=int(level)))
    return skills


def _postal_code(cells: dict[str, str], errors: list[str]) -> str:
    code = cells.get("home_postal_code", "").strip()
    if code.isdigit() and len(code) == 4:  # a spreadsheet dropped the leading zero
        code = "0" + code
    town = cells.get("town", "").strip()
    if not code and town:
        first = PostalCode.objects.filter(town__name__iexact=town).order_by("code").first()
        if first is None:
            errors.append(
                _("Unknown town %(town)s: give the postal code of the home.") % {"town": town}
            )
        return first.code if first is not None else ""
    if not code:
        errors.append(_("Give the postal code of the home."))
    return code


def _row_fields(cells: dict[str, str], errors: list[str]) -> dict[str, Any]:
    """The onboarding service's arguments from the row's cells; what cannot be read is
    added to ``errors``."""
    data: dict[str, Any] = {}
    for column in ("first_name", "last_name"):
        data[column] = cells.get(column, "").strip()
        if not data[column]:
            errors.append(_("%(column)s is empty.") % {"column": LABELS[column]})
    data["email"] = cells.get("email", "").strip().lower()
    try:
        validate_email(data["email"])
    except ValidationError:
        errors.append(_("%(email)s is not an e-mail address.") % {"email": data["email"] or "–"})
    data["phone"] = cells.get("phone", "").strip()
    data["iban"] = cells.get("iban", "").strip()
    data["home_postal_code"] = _postal_code(cells, errors)
    gender = _choice(cells.get("gender", ""), GENDERS)
    if gender is None:
        errors.append(_("Give the gender: female, male or diverse (w, m, d)."))
    data["gender"] = gender
    message_language = cells.get("language", "").strip().lower() or MessageLanguage.GERMAN
    if message_language not in MessageLanguage.values:
        errors.append(
            _("Unknown language of the messages %(value)s: give one of %(choices)s.")
            % {"value": message_language, "choices": ", ".join(MessageLanguage.values)}
        )
    data["language"] = message_language
    for column in DATE_COLUMNS:
        try:
            data[column] = _day(cells.get(column, ""))
        except ValueError:
            errors.append(
                _("%(column)s: %(value)s is not a date (give DD.MM.YYYY).")
                % {"column": LABELS[column], "value": cells.get(column)}
            )
    data["languages"] = _skills(cells.get("languages", ""), errors)
    return data


def _service_errors(error: DomainError | ValidationError) -> list[str]:
    if isinstance(error, DomainError):
        label = LABELS.get(error.field)
        return [f"{label}: {error.message}" if label else str(error.message)]
    if hasattr(error, "error_dict"):
        return [
            f"{LABELS.get(name, name)}: {message}"
            for name, messages in error.message_dict.items()
            for message in messages
        ]
    return list(error.messages)


class _DryRun(Exception):
    """Raised to roll the whole import back (a dry run, or a refused row)."""


def mediator_list_import(*, pool: Pool, rows: Sequence[ImportRow], dry_run: bool) -> ImportResult:
    """Onboard a mediator for each row (``mediator_onboard``: account, profile, languages and
    the invitation), in one transaction. A row whose e-mail address has an account already
    is skipped; an address twice in the file, or a row the onboarding refuses, is an error.
    With an error, or as a dry run, the whole transaction is rolled back: nothing is kept,
    no invitation is sent. ``imported`` says whether the rows were kept."""
    user_model = get_user_model()
    outcomes: list[RowOutcome] = []
    seen: dict[str, int] = {}
    try:
        with transaction.atomic():
            for row in rows:
                errors: list[str] = []
                data = _row_fields(row.cells, errors)
                outcome = RowOutcome(
                    line=row.line,
                    name=f"{data['first_name']} {data['last_name']}".strip(),
                    email=data["email"],
                    languages=[
                        skill.language.code
                        + (f"/{skill.dialect.code}" if skill.dialect else "")
                        + f" ({LanguageLevel(skill.level).label})"
                        for skill in data["languages"]
                    ],
                )
                outcomes.append(outcome)
                email = data["email"]
                if email and email in seen:
                    errors.append(
                        _("The same e-mail address as in line %(line)s.") % {"line": seen[email]}
                    )
                elif email:
                    seen[email] = row.line
                if not errors and (
                    user_model.objects.filter(email__iexact=email).exists()
                    or user_model.objects.filter(username__iexact=email).exists()
                ):
                    outcome.status = RowOutcome.DUPLICATE
                    continue
                if not errors:
                    try:
                        with transaction.atomic():
                            mediator_onboard(pool=pool, **data)
                    except (DomainError, ValidationError) as error:
                        errors.extend(_service_errors(error))
                if errors:
                    outcome.status = RowOutcome.ERROR
                    outcome.errors = errors
            if dry_run or any(outcome.status == RowOutcome.ERROR for outcome in outcomes):
                raise _DryRun
    except _DryRun:
        return ImportResult(outcomes=outcomes, imported=False)
    return ImportResult(outcomes=outcomes, imported=True)


def import_template_rows() -> list[list[str]]:
    """The template: the German column names and two example rows."""
    headers = [COLUMNS[column][0] for column in COLUMNS]
    examples = [
        {
            "first_name": "Amira",
            "last_name": "Haddad",
            "email": "amira.haddad@example.org",
            "phone": "0162 1234567",
            "home_postal_code": "41747",
            "town": "Viersen",
            "gender": "w",
            "languages": "ara/levantine:4, ukr:3",
            "language": "de",
            "training_completed_on": "15.01.2026",
            "pledge_signed_on": "15.01.2026",
            "police_certificate_inspected_on": "20.01.2026",
            "police_certificate_valid_until": "20.01.2031",
            "iban": "DE89 3704 0044 0532 0130 00",
        },
        {
            "first_name": "Yusuf",
            "last_name": "Demir",
            "email": "yusuf.demir@example.org",
            "phone": "",
            "home_postal_code": "47906",
            "town": "Kempen",
            "gender": "m",
            "languages": "kmr (Muttersprache); Türkisch (fließend)",
            "language": "tr",
            "training_completed_on": "",
            "pledge_signed_on": "",
            "police_certificate_inspected_on": "",
            "police_certificate_valid_until": "",
            "iban": "",
        },
    ]
    return [headers, *[[row[column] for column in COLUMNS] for row in examples]]
