"""What every page's layout needs: the visitor's role, the navigation and the languages."""

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language_info
from django.utils.translation import gettext_lazy as _

from core.constants import ActorRole
from core.roles import actor_role_of

NAVIGATION = {
    ActorRole.INSTITUTION: [
        ("web:institution-request", _("Request an appointment")),
        ("web:institution-bookings", _("Our bookings")),
        ("web:institution-feed", _("Calendar feed")),
    ],
    ActorRole.MEDIATOR: [
        ("web:mediator-offers", _("Offers")),
        ("web:mediator-board", _("Open requests")),
        ("web:mediator-assignments", _("Assignments")),
        ("web:mediator-availability", _("Availability")),
        ("web:mediator-absences", _("Absences")),
        ("web:mediator-profile", _("Profile")),
        ("web:mediator-statement", _("Statement")),
        ("web:mediator-feed", _("Calendar feed")),
    ],
    ActorRole.COORDINATOR: [
        ("web:coordinator-worklist", _("Work list")),
        ("web:coordinator-bookings", _("Bookings")),
        ("web:coordinator-planner", _("Planner")),
        ("web:coordinator-mediators", _("Mediators")),
        ("web:coordinator-payouts", _("Payouts")),
        ("web:stats-dashboard", _("Statistics")),
        ("web:coordinator-security", _("Sign-in security")),
    ],
}


def navigation(request):
    user = getattr(request, "user", None)
    role = actor_role_of(user)
    current = request.path_info
    items = []
    for name, label in NAVIGATION.get(role, []):
        url = reverse(name)
        items.append({"url": url, "label": label, "current": current.startswith(url)})
    codes = getattr(request, "page_languages", None) or [code for code, _n in settings.LANGUAGES]
    languages = [{"code": code, "name": get_language_info(code)["name_local"]} for code in codes]
    return {
        "role": role,
        "nav_items": items,
        "page_languages": languages,
        "two_factor_url": reverse("two-factor"),
        "show_admin_link": bool(user and user.is_authenticated and user.is_staff),
        # When the page was made: the "offline" note of a copy kept by the service worker.
        "page_time": timezone.now(),
    }
