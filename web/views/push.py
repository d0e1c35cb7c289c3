"""Push notifications on a mediator's devices: turn on (the browser's subscription, sent by
static/js/push.js), turn off per device, and the service worker that shows them.

The service worker here is the minimal one of this feature: /sw.js imports the push handling
from static/js/sw-push.js (``importScripts``), so that a fuller service worker of the site
only needs that one line as well."""

from __future__ import annotations

import json

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from notifications.push import push_enabled
from notifications.services import (
    PushSubscriptionInvalid,
    push_subscription_delete,
    push_subscription_save,
)

from .access import mediator_required

MAX_BODY = 4096


@require_POST
@mediator_required
def subscribe(request: HttpRequest) -> HttpResponse:
    """POST (JSON, with the CSRF token in X-CSRFToken): ``{"endpoint": ..., "keys":
    {"p256dh": ..., "auth": ...}}`` as ``PushSubscription.toJSON()`` gives it. 201 with the
    device's id; 400 with the reason for anything else (nothing stored); 404 when push is
    not configured."""
    if not push_enabled():
        return JsonResponse({"detail": _("Push notifications are not available.")}, status=404)
    if len(request.body) > MAX_BODY:
        return JsonResponse({"detail": _("This is not a push subscription.")}, status=400)
    try:
        data = json.loads(request.body or b"{}")
        endpoint = data["endpoint"]
        keys = data["keys"]
        p256dh, auth = keys["p256dh"], keys["auth"]
        if not all(isinstance(v, str) for v in (endpoint, p256dh, auth)):
            raise TypeError
    except (ValueError, KeyError, TypeError):
        return JsonResponse({"detail": _("This is not a push subscription.")}, status=400)
    try:
        device = push_subscription_save(
            user=request.user,
            endpoint=endpoint,
            p256dh=p256dh,
            auth=auth,
            label=device_label(request.headers.get("User-Agent", "")),
        )
    except PushSubscriptionInvalid:
        return JsonResponse({"detail": _("This is not a push subscription.")}, status=400)
    return JsonResponse({"id": device.pk, "label": device.label}, status=201)


@require_POST
@mediator_required
def device_delete(request: HttpRequest, pk: int) -> HttpResponse:
    if push_subscription_delete(user=request.user, pk=pk):
        messages.success(request, _("Push notifications are off on that device."))
    return redirect("web:mediator-profile")


def device_label(user_agent: str) -> str:
    """A name the mediator recognises their device by: browser and system."""
    ua = user_agent
    browser = next(
        (
            name
            for token, name in (
                ("Edg/", "Edge"),
                ("OPR/", "Opera"),
                ("SamsungBrowser", "Samsung Internet"),
                ("Firefox/", "Firefox"),
                ("Chrome/", "Chrome"),
                ("Chromium/", "Chromium"),
                ("Safari/", "Safari"),
            )
            if token in ua
        ),
        "Browser",
    )
    system = next(
        (
            name
            for token, name in (
                ("Android", "Android"),
                ("iPhone", "iPhone"),
                ("iPad", "iPad"),
                ("Windows", "Windows"),
                ("Mac OS X", "macOS"),
                ("CrOS", "ChromeOS"),
                ("Linux", "Linux"),
            )
            if token in ua
        ),
        "",
    )
    return f"{browser} ({system})" if system else browser
