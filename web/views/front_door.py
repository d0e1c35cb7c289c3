"""The front door for visitors who are not signed in: what the service is and who runs it,
how institutions get an account, and the form to apply as a mediator (with its privacy
notice). Coordinators accept or decline applications from their work list."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.exceptions import DomainError
from mediators.applications.selectors import applications_visible_to, pools_taking_applications
from mediators.applications.services import (
    APPLICATION_KEEP_DAYS,
    APPLICATION_OPEN_KEEP_DAYS,
    ApplicationDecided,
    application_accept,
    application_decline,
    application_submit,
)

from ..forms import show_domain_error
from ..forms.applications import AcceptForm, ApplicationForm, DeclineForm
from ..throttles import application_allowed
from .access import coordinator_required


def _pools():
    return list(pools_taking_applications())


def front_door(request: HttpRequest) -> HttpResponse:
    return render(request, "web/front_door/home.html", {"pools": _pools()})


def privacy_notice(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "web/front_door/privacy.html",
        {
            "pools": _pools(),
            "keep_days": APPLICATION_KEEP_DAYS,
            "open_keep_days": APPLICATION_OPEN_KEEP_DAYS,
        },
    )


def apply(request: HttpRequest) -> HttpResponse:
    pools = pools_taking_applications()
    if not pools.exists():
        raise Http404
    initial = {"language": (get_language() or "de").split("-")[0]}
    form = ApplicationForm(request.POST or None, pools=pools, initial=initial)
    if request.method == "POST":
        if not application_allowed(request):
            return render(request, "web/front_door/too_many.html", status=429)
        if form.is_bot:
            form.add_error(None, _("Your application could not be sent. Please try again."))
            return render(request, "web/front_door/apply.html", {"form": form}, status=400)
        if form.is_valid():
            try:
                application_submit(**form.application_data)
            except DomainError as error:
                show_domain_error(form, error)
            else:
                return redirect("web:apply-sent")
        return render(request, "web/front_door/apply.html", {"form": form}, status=400)
    return render(request, "web/front_door/apply.html", {"form": form})


def apply_sent(request: HttpRequest) -> HttpResponse:
    return render(request, "web/front_door/sent.html")


def _application(request: HttpRequest, pk: int):
    # Decided ones too: a second click says so instead of "not found".
    application = applications_visible_to(request.user).filter(pk=pk).first()
    if application is None:
        raise Http404
    return application


@coordinator_required
@require_POST
def application_accept_page(request: HttpRequest, pk: int) -> HttpResponse:
    application = _application(request, pk)
    form = AcceptForm(request.POST, application=application)
    if not form.is_valid():
        messages.error(request, _("Choose one of the levels for each language."))
        return redirect("web:coordinator-worklist")
    try:
        mediator = application_accept(application=application, by=request.user, levels=form.levels)
    except ApplicationDecided as error:
        messages.info(request, str(error.message))
    except DomainError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("%(name)s has been invited by e-mail.") % {"name": mediator})
        return redirect("web:coordinator-mediator", pk=mediator.pk)
    return redirect("web:coordinator-worklist")


@coordinator_required
@require_POST
def application_decline_page(request: HttpRequest, pk: int) -> HttpResponse:
    application = _application(request, pk)
    form = DeclineForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Write a few words to the applicant."))
        return redirect("web:coordinator-worklist")
    try:
        application_decline(
            application=application, by=request.user, message=form.cleaned_data["message"]
        )
    except DomainError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(
            request, _("The application has been declined; the applicant gets your message.")
        )
    return redirect("web:coordinator-worklist")


def favicon(request: HttpRequest) -> HttpResponse:
    """/favicon.ico, which browsers and feed readers ask for without reading the page: the
    icon's static file (its hashed name in production)."""
    return redirect(static("favicon.ico"), permanent=False)
