"""The signed-in person's API tokens: the list (never the tokens themselves, only their first
characters, when they were made and when they expire) and revoking one or all of them. A
section of the mediator's profile page; a page of its own for every role."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from knox.models import AuthToken

from core.credentials import token_revoke, tokens_of


def tokens_context(request: HttpRequest) -> dict:
    return {"api_tokens": list(tokens_of(request.user))}


@login_required
def api_tokens(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        if request.POST.get("revoke_all"):
            AuthToken.objects.filter(user=request.user).delete()
            messages.success(request, _("All your API tokens have been revoked."))
        elif token_revoke(user=request.user, token_key=request.POST.get("revoke", "")[:32]):
            messages.success(request, _("The API token has been revoked."))
        else:
            messages.error(request, _("There is no such API token (any more)."))
        target = request.POST.get("next", "")
        if not url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            target = ""
        return redirect(target or "web:api-tokens")
    return render(request, "web/api_tokens.html", tokens_context(request))
