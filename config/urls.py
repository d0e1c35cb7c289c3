from django.contrib import admin
from django.http import HttpResponse
from django.urls import include, path

import config.security  # noqa: F401  (the sign-in stamp of the sessions' absolute lifetime)
from config.api.docs import RedocPage, SchemaApi, SwaggerPage, docs_page
from web.urls import auth_urlpatterns

urlpatterns = [
    path("", include("ops.urls")),
    path("admin/", admin.site.urls),
    path("", include("notifications.urls")),
    path("", include("bookings.messages.urls")),
    path("api/v1/stats/", include("bookings.stats.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("web.urls")),
    path("", include(auth_urlpatterns)),
    path("api/v1/", include(("config.api_urls", "api"), namespace="api")),
    path("api/v1/schema/", SchemaApi.as_view(), name="schema"),
    path("api/v1/docs/", docs_page(SwaggerPage), name="api-docs"),
    path("api/v1/redoc/", docs_page(RedocPage), name="api-redoc"),
    # The containers' health check (plain HTTP from inside, exempt from the HTTPS redirect).
    path("healthz/", lambda request: HttpResponse("ok", content_type="text/plain"), name="healthz"),
]

# Under /api/ every error is JSON (config/errors.py); the pages keep Django's.
handler400 = "config.errors.bad_request"
handler403 = "config.errors.permission_denied"
handler404 = "config.errors.not_found"
# An outage (database or broker unreachable) raised outside a view answers 503 with
# Retry-After (ops/outages.py); every other error goes on to config.errors.server_error.
handler500 = "ops.outages.server_error"
