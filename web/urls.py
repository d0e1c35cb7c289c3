"""URLs of the pages. Each role has its own prefix; the REST API lives under /api/v1/."""

from django.contrib.auth import views as auth_views
from django.urls import include, path, reverse_lazy

from .views import home, institution, stats

app_name = "web"

urlpatterns = [
    path("", home.home, name="home"),
    path("coordinator/statistics/", stats.dashboard, name="stats-dashboard"),
    # institution staff
    path("institution/request/", institution.request_booking, name="institution-request"),
    path("institution/bookings/", institution.bookings, name="institution-bookings"),
    path("institution/bookings/<int:pk>/", institution.booking_detail, name="institution-booking"),
    path("institution/bookings/<int:pk>/cancel/", institution.cancel, name="institution-cancel"),
    path(
        "institution/bookings/<int:pk>/report/",
        institution.review_report,
        name="institution-review-report",
    ),
    path("institution/calendar-feed/", institution.feed, name="institution-feed"),
]

# Django's own auth views with our templates; names stay Django's ("login", "logout", ...).
auth_urlpatterns = [
    path("accounts/login/", home.SignInView.as_view(), name="login"),
    path(
        "accounts/set-password/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(
            template_name="registration/set_password.html",
            success_url=reverse_lazy("password_reset_complete"),
            post_reset_login=False,
        ),
        name="set-password",
    ),
    path("accounts/", include("django.contrib.auth.urls")),
]
