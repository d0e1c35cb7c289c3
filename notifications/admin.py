"""Back office: the outbox (failed messages and a resend action) for coordinators."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .models import Message, PushSubscription
from .services import message_resend


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    list_display = (
        "created_at",
        "kind",
        "channel",
        "recipient_email",
        "status",
        "attempts",
        "booking",
        "short_error",
    )
    list_filter = ("status", "kind", "channel")
    search_fields = ("recipient_email", "idempotency_key", "booking__id")
    date_hierarchy = "created_at"
    list_select_related = ("booking",)
    actions = ["resend"]
    readonly_fields = [f.name for f in Message._meta.fields if f.name != "rendered"]
    exclude = ("rendered",)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Message]:
        qs = super().get_queryset(request)
        if request.user.is_superuser:
            return qs
        coordinator = getattr(request.user, "coordinator", None)
        return qs.filter(pool_id=coordinator.pool_id) if coordinator is not None else qs.none()

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description=_("last error"))
    def short_error(self, obj: Message) -> str:
        return obj.last_error[:80]

    @admin.action(description=_("Send the selected messages again"))
    def resend(self, request: HttpRequest, queryset: QuerySet[Message]) -> None:
        count = sum(message_resend(message=message) for message in queryset)
        self.message_user(
            request,
            ngettext(
                "%(count)d message will be sent again.",
                "%(count)d messages will be sent again.",
                count,
            )
            % {"count": count},
            messages.SUCCESS,
        )


@admin.register(PushSubscription)
class PushSubscriptionAdmin(admin.ModelAdmin):
    """The devices with push notifications: only to delete them (e.g. all of them after a
    rotation of the VAPID keys); the mediators turn them on themselves."""

    list_display = ("user", "label", "created_at", "last_success_at")
    readonly_fields = (
        "user",
        "endpoint",
        "p256dh",
        "auth",
        "label",
        "created_at",
        "last_success_at",
    )
    search_fields = ("user__username", "label")

    def get_queryset(self, request: HttpRequest) -> QuerySet[PushSubscription]:
        qs = super().get_queryset(request)
        return qs if request.user.is_superuser else qs.none()

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
