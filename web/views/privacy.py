"""Pages of the GDPR duties: everyone downloads their own data; coordinators download a
person's data and erase a mediator or staff member of the pool (with confirmation)."""

from __future__ import annotations

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from bookings.privacy.erasure import ErasureRefused, person_erase
from bookings.privacy.selectors import person_in_reach, personal_data_export
from bookings.services.access_log import access_log_list
from core.read_log import EXPORT
from core.roles import actor_role_of

from .access import coordinator_required


def _download(request: HttpRequest, person) -> HttpResponse:
    data = personal_data_export(person)
    access_log_list(
        user=request.user,
        what="export:personal-data",
        action=EXPORT,
        user_ids=[person.pk],
        count=1,
    )
    response = HttpResponse(
        json.dumps(data, ensure_ascii=False, indent=2), content_type="application/json"
    )
    response["Content-Disposition"] = f'attachment; filename="personal-data-{person.pk}.json"'
    return response


@login_required
def my_data(request: HttpRequest) -> HttpResponse:
    """Everything the product holds about the signed-in person, as a JSON download."""
    if actor_role_of(request.user) is None:
        raise PermissionDenied
    return _download(request, request.user)


@coordinator_required
def person_export(request: HttpRequest, user_id: int) -> HttpResponse:
    return _download(request, person_in_reach(request.user, user_id))


@coordinator_required
def person_erase_page(request: HttpRequest, user_id: int) -> HttpResponse:
    """GET: what erasure does, and a confirmation; POST (confirmed): erase."""
    person = person_in_reach(request.user, user_id)
    status = 200
    if request.method == "POST":
        if request.POST.get("confirm") != "yes":
            messages.error(request, _("Tick the box to confirm the erasure."))
            status = 400
        else:
            try:
                result = person_erase(actor=request.user, user=person)
            except ErasureRefused as refusal:
                messages.error(request, str(refusal))
                status = 409
            else:
                messages.success(
                    request,
                    _("The person has been erased. Their bookings now show %(pseudonym)s.")
                    % {"pseudonym": result.pseudonym},
                )
                return redirect("web:coordinator-mediators")
    mediator = getattr(person, "mediator", None)
    return render(
        request,
        "web/coordinator/person_erase.html",
        {"person": person, "mediator": mediator, "staff": getattr(person, "staff", None)},
        status=status,
    )
