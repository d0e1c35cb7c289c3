"""The installable app: the web manifest (in the reader's language) and the service worker,
served from the site's root so that its scope covers every page (web/offline.py)."""

from __future__ import annotations

import json

from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.urls import reverse
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.translation import get_language, get_language_bidi
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from ..offline import KEEP_HEADER, KEY_HEADER

THEME_COLOUR = "#0b4f8a"  # --brand in static/css/app.css
ICONS = (
    ("img/app-icon-192.png", "192x192", "any"),
    ("img/app-icon-512.png", "512x512", "any"),
    ("img/app-icon-maskable-512.png", "512x512", "maskable"),
)


@require_safe
def manifest(request: HttpRequest) -> HttpResponse:
    """/manifest.webmanifest: what a phone needs to put the mediator pages on its home
    screen, named in the reader's language."""
    content = {
        "id": "/mediator/",
        "name": _("Language mediator pool"),
        "short_name": _("Mediator pool"),
        "description": _("Your offers and appointments as a language mediator."),
        "lang": get_language(),
        "dir": "rtl" if get_language_bidi() else "ltr",
        "start_url": reverse("web:mediator-assignments"),
        "scope": "/",
        "display": "standalone",
        "background_color": "#ffffff",
        "theme_color": THEME_COLOUR,
        "icons": [
            {"src": static(path), "sizes": sizes, "type": "image/png", "purpose": purpose}
            for path, sizes, purpose in ICONS
        ],
    }
    response = HttpResponse(
        json.dumps(content, ensure_ascii=False, indent=2),
        content_type="application/manifest+json; charset=utf-8",
    )
    patch_vary_headers(response, ["Accept-Language", "Cookie"])
    patch_cache_control(response, no_cache=True)
    return response


@require_safe
def service_worker(request: HttpRequest) -> HttpResponse:
    """/sw.js: the service worker, never taken from a cache (the browser checks it on every
    visit), its scope the whole site."""
    script = render_to_string(
        "web/app/sw.js",
        {
            "key_header": KEY_HEADER,
            "keep_header": KEEP_HEADER,
            "static_prefix": static(""),
            # Push notifications' handlers (notifications, clicks): their own file.
            "push_script": json.dumps(static("js/sw-push.js")),
        },
    )
    response = HttpResponse(script, content_type="text/javascript; charset=utf-8")
    response["Service-Worker-Allowed"] = "/"
    patch_cache_control(response, no_cache=True, no_store=True, max_age=0)
    return response
