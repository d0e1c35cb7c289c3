from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from web.urls import auth_urlpatterns

# An outage raised outside a view answers 503; everything else goes on to the 500 handler.
handler500 = "ops.outages.server_error"

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
    path("api/v1/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/v1/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
    path("api/v1/redoc/", SpectacularRedocView.as_view(url_name="schema"), name="api-redoc"),
]
