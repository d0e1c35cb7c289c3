"""Coordinators' pages about the pool's mediators as a whole: the searchable list, the import
of a volunteer list (preview, then import) and the monthly payouts for the accounting
office."""

from __future__ import annotations

import datetime
import json

from django.contrib import messages
from django.core import signing
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from bookings.selectors.payouts import paid_months_of, payout_for
from bookings.services.payouts import payout_month_mark_paid
from core.exceptions import Conflict, DomainError
from core.i18n import reader_language
from core.read_log import EXPORT, read_logged
from core.spreadsheets import german_excel_csv
from core.time import local_date
from mediators.filters import MediatorDirectoryFilter
from mediators.importing import (
    ImportFileError,
    ImportRow,
    import_file_read,
    import_template_rows,
    mediator_list_import,
)
from mediators.selectors import mediator_directory

from ..forms import show_domain_error
from ..forms.directory import ImportConfirmForm, ImportUploadForm
from ..forms.mediator import StatementMonthForm
from ..payouts import payout_csv, payout_filename, payout_xlsx
from ..templatetags.web_tags import euro
from .access import coordinator_required

MEDIATORS_PER_PAGE = 25
IMPORT_SALT = "web.mediator-import"
IMPORT_MAX_AGE = 60 * 60  # a preview can be imported within an hour


@coordinator_required
def mediators(request: HttpRequest) -> HttpResponse:
    """Search and filter the mediators in reach, 25 a page; the page links keep the
    filters."""
    today = local_date(timezone.now())
    reader = reader_language()
    found = MediatorDirectoryFilter(
        request.GET,
        queryset=mediator_directory(request.user),
        today=today,
        language_label=lambda language: language.name_for(reader),
    )
    page = Paginator(found.qs, MEDIATORS_PER_PAGE).get_page(request.GET.get("page"))
    page.object_list = list(page.object_list)
    read_logged(
        user=request.user,
        what="page:coordinator-mediators",
        user_ids=[mediator.user_id for mediator in page.object_list],
        count=page.paginator.count,
        query=request.GET.urlencode(),
    )
    return render(
        request,
        "web/coordinator/mediators.html",
        {"filter": found, "page": page, "today": today, "filtered": found.form.has_changed()},
    )


# --- import -------------------------------------------------------------------------------


def _signed(rows: list[ImportRow]) -> str:
    data = [{"line": row.line, "cells": row.cells} for row in rows]
    return signing.dumps(data, salt=IMPORT_SALT, compress=True)


def _unsigned(text: str) -> list[ImportRow]:
    data = signing.loads(text, salt=IMPORT_SALT, max_age=IMPORT_MAX_AGE)
    return [ImportRow(line=int(row["line"]), cells=dict(row["cells"])) for row in data]


@coordinator_required
def mediator_import(request: HttpRequest) -> HttpResponse:
    """Step 1: upload; the answer is the dry run's preview, row by row. Step 2: the
    previewed rows (signed, so they are exactly those shown) are imported in one
    transaction, with the invitations."""
    pool = request.user.coordinator.pool
    upload = ImportUploadForm()
    context: dict = {"form": upload}
    if request.method == "POST" and "rows" in request.POST:
        confirm = ImportConfirmForm(request.POST)
        try:
            rows = _unsigned(confirm.data.get("rows", ""))
        except (signing.BadSignature, ValueError, KeyError, TypeError, json.JSONDecodeError):
            messages.error(request, _("The preview has expired: upload the file again."))
            return redirect("web:coordinator-mediator-import")
        result = mediator_list_import(pool=pool, rows=rows, dry_run=False)
        if result.imported:
            messages.success(
                request,
                _("Imported and invited: %(new)s; skipped (account exists): %(skipped)s.")
                % {"new": result.new, "skipped": result.duplicates},
            )
            return redirect("web:coordinator-mediators")
        context.update(result=result, confirm=ImportConfirmForm(initial={"rows": _signed(rows)}))
        return render(request, "web/coordinator/mediator_import.html", context, status=400)
    if request.method == "POST":
        upload = ImportUploadForm(request.POST, request.FILES)
        context["form"] = upload
        if upload.is_valid():
            file = upload.cleaned_data["file"]
            try:
                read = import_file_read(name=file.name, content=file.read())
            except ImportFileError as error:
                show_domain_error(upload, error)
            else:
                result = mediator_list_import(pool=pool, rows=read.rows, dry_run=True)
                context.update(
                    result=result,
                    ignored_columns=read.ignored_columns,
                    file_name=file.name,
                    confirm=ImportConfirmForm(initial={"rows": _signed(read.rows)}),
                )
        status = 400 if upload.errors else 200
        return render(request, "web/coordinator/mediator_import.html", context, status=status)
    return render(request, "web/coordinator/mediator_import.html", context)


@coordinator_required
def mediator_import_template(request: HttpRequest) -> HttpResponse:
    """The template of a volunteer list: CSV for German Excel."""
    response = HttpResponse(
        german_excel_csv(import_template_rows()), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = 'attachment; filename="mediators_template.csv"'
    return response


# --- payouts ------------------------------------------------------------------------------


def _previous_month(today: datetime.date) -> tuple[int, int]:
    return (today.year, today.month - 1) if today.month > 1 else (today.year - 1, 12)


@coordinator_required
def payouts(request: HttpRequest) -> HttpResponse:
    """The month's payout list (by default the month before), its CSV and XLSX, and
    whether it has been paid."""
    pool = request.user.coordinator.pool
    today = local_date(timezone.now())
    form = StatementMonthForm(request.GET)
    year, month = form.chosen(today=today) if request.GET.get("month") else _previous_month(today)
    payout = payout_for(pool=pool, year=year, month=month)
    file_format = request.GET.get("format")
    read_logged(
        user=request.user,
        what=f"page:coordinator-payouts{':' + file_format if file_format else ''}",
        action=EXPORT if file_format else "list",
        mediator_ids=[line.mediator_id for line in payout.lines],
        count=len(payout.lines),
        query=request.GET.urlencode(),
    )
    if file_format == "csv":
        response = HttpResponse(payout_csv(payout), content_type="text/csv; charset=utf-8")
    elif file_format == "xlsx":
        response = HttpResponse(
            payout_xlsx(payout),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    else:
        return render(
            request,
            "web/coordinator/payouts.html",
            {
                "form": form,
                "payout": payout,
                "month_value": f"{year}-{month:02d}",
                "month_over": (year, month) < (today.year, today.month),
                "paid_months": paid_months_of(pool),
            },
        )
    response["Content-Disposition"] = (
        f'attachment; filename="{payout_filename(pool, payout, file_format)}"'
    )
    return response


@coordinator_required
@require_POST
def payouts_mark_paid(request: HttpRequest) -> HttpResponse:
    form = StatementMonthForm(request.POST)
    if not form.is_valid() or not form.cleaned_data.get("month"):
        messages.error(request, _("Choose a month."))
        return redirect("web:coordinator-payouts")
    year, month = form.chosen(today=local_date(timezone.now()))
    back = f"?month={year}-{month:02d}"
    try:
        paid = payout_month_mark_paid(
            pool=request.user.coordinator.pool,
            year=year,
            month=month,
            actor=request.user,
            now=timezone.now(),
        )
    except (DomainError, Conflict) as error:
        messages.error(request, str(getattr(error, "message", error)))
    else:
        messages.success(
            request,
            _("%(month)s is marked as paid (%(total)s).")
            % {"month": f"{month:02d}/{year}", "total": euro(paid.total_cents)},
        )
    return redirect(reverse("web:coordinator-payouts") + back)
