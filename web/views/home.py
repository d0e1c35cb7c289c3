"""Home (sends each role to its start page) and sign-in with the user's own language."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from core.constants import ActorRole
from core.roles import actor_role_of

from .front_door import front_door

START_PAGES = {
    ActorRole.INSTITUTION: "web:institution-bookings",
    ActorRole.MEDIATOR: "web:mediator-offers",
    ActorRole.COORDINATOR: "web:coordinator-worklist",
}


def home(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return front_door(request)
    role = actor_role_of(request.user)
    if role in START_PAGES:
        return redirect(START_PAGES[role])
    if request.user.is_staff:
        return redirect("admin:index")
    return render(request, "web/no_role.html")


def profile_language(user) -> str | None:
    """The message language kept in the user's profile, if any."""
    for relation in ("mediator", "staff", "coordinator"):
        profile = getattr(user, relation, None)
        if profile is not None:
            return profile.language
    return None


class SignInView(auth_views.LoginView):
    """Sign in; afterwards the pages speak the language of the user's profile, unless the
    visitor has already chosen one with the language switch."""

    def form_valid(self, form):
        response = super().form_valid(form)
        language = profile_language(form.get_user())
        chosen = self.request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if language in dict(settings.LANGUAGES) and not chosen:
            response.set_cookie(
                settings.LANGUAGE_COOKIE_NAME,
                language,
                max_age=settings.LANGUAGE_COOKIE_AGE,
                samesite="Lax",
            )
        return response
