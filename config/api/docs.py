"""The OpenAPI schema and its two docs pages (Swagger UI, Redoc; served from this site, no
CDN). They need a signed-in user unless ``settings.API_DOCS_PUBLIC`` is on (off by default):
the schema answers 401 to the anonymous, the pages send them to the sign-in page.

The pages run under the site's Content-Security-Policy with the one exception they need
(``DOCS_CSP``, on these two pages only): Redoc and Swagger UI write their styles into
``<style>`` elements at run time, Redoc parses the schema in a web worker made from a
``blob:`` URL. No inline script: Swagger UI's start script is a file of its own
(``SpectacularSwaggerSplitView``), the templates' inline styles and web fonts are left out
(templates/drf_spectacular/)."""

from __future__ import annotations

from csp.constants import SELF, UNSAFE_INLINE
from csp.decorators import csp_update
from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from drf_spectacular.views import (
    SpectacularAPIView,
    SpectacularRedocView,
    SpectacularSwaggerSplitView,
)
from rest_framework.permissions import BasePermission

DOCS_CSP = {"style-src": [UNSAFE_INLINE], "worker-src": [SELF, "blob:"]}


class DocsPermission(BasePermission):
    """Signed in (token or session), or the docs are public by setting."""

    def has_permission(self, request, view) -> bool:
        return settings.API_DOCS_PUBLIC or bool(request.user and request.user.is_authenticated)


class SchemaApi(SpectacularAPIView):
    permission_classes = [DocsPermission]


class _DocsPage:
    permission_classes = [DocsPermission]

    def dispatch(self, request, *args, **kwargs):
        if not settings.API_DOCS_PUBLIC and not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        return super().dispatch(request, *args, **kwargs)  # type: ignore[misc]


class SwaggerPage(_DocsPage, SpectacularSwaggerSplitView):
    pass


class RedocPage(_DocsPage, SpectacularRedocView):
    pass


def docs_page(view_class):
    """The page's view with the docs' CSP exception."""
    return csp_update(DOCS_CSP)(view_class.as_view(url_name="schema"))
