"""Coordinators' back office for bookings: read-only records, changed only through actions
that call the services (approve, refuse or cancel with a reason, no-show)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils.formats import date_format
from django.utils.timezone import localtime
from django.utils.translation import gettext_lazy as _

from core.exceptions import DomainError
from institutions.admin_scoping import PoolScopedAdmin, ReadOnlyInline, coordinator_pool_id

from .exceptions import BookingConflict
from .models import (
    AccessLog,
    Alert,
    Allowance,
    Booking,
    BookingEvent,
    BookingSeries,
    Feedback,
    Offer,
    OfferOverride,
    Report,
    Standby,
)
from .services import booking_approve, booking_cancel, booking_mark_no_show, booking_refuse


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000
    )


class BookingEventInline(ReadOnlyInline):
    model = BookingEvent
    fields = ("created_at", "from_status", "to_status", "actor", "actor_role", "reason")
    readonly_fields = fields
    ordering = ("created_at", "pk")


class OfferInline(ReadOnlyInline):
    model = Offer
    fields = (
        "mediator",
        "status",
        "rank",
        "score",
        "round",
        "created_at",
        "expires_at",
        "responded_at",
    )
    readonly_fields = fields


class ReadOnlyAdmin(PoolScopedAdmin):
    """Records written by the services: viewed here, never added, edited or deleted."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return [f.name for f in self.model._meta.fields] + [
            f.name for f in self.model._meta.many_to_many
        ]


@admin.register(Booking)
class BookingAdmin(ReadOnlyAdmin):
    pool_lookup = "pool"
    list_display = (
        "id",
        "starts_at",
        "language",
        "dialect",
        "institution",
        "mediator",
        "status",
        "mode",
        "case_reference",
        "late_cancellation",
    )
    list_filter = ("status", "mode", "field", "language", "institution__kind", "late_cancellation")
    search_fields = ("=id", "case_reference", "institution__name", "mediator__user__last_name")
    date_hierarchy = "starts_at"
    list_select_related = ("language", "dialect", "institution", "mediator__user")
    inlines = [BookingEventInline, OfferInline]
    actions = ["approve", "refuse", "cancel", "mark_no_show"]

    @admin.action(description=_("Approve the selected requests"), permissions=["change"])
    def approve(self, request: HttpRequest, queryset: QuerySet[Booking]) -> None:
        self._each(request, queryset, lambda b: booking_approve(booking=b, actor=request.user))

    @admin.action(description=_("Mark the selected bookings as no-show"), permissions=["change"])
    def mark_no_show(self, request: HttpRequest, queryset: QuerySet[Booking]) -> None:
        self._each(request, queryset, lambda b: booking_mark_no_show(booking=b, actor=request.user))

    @admin.action(
        description=_("Refuse the selected requests (with a reason)"), permissions=["change"]
    )
    def refuse(self, request: HttpRequest, queryset: QuerySet[Booking]) -> HttpResponse | None:
        return self._with_reason(
            request,
            queryset,
            action="refuse",
            title=_("Refuse requests"),
            do=lambda b, reason: booking_refuse(booking=b, actor=request.user, reason=reason),
        )

    @admin.action(
        description=_("Cancel the selected bookings (with a reason)"), permissions=["change"]
    )
    def cancel(self, request: HttpRequest, queryset: QuerySet[Booking]) -> HttpResponse | None:
        return self._with_reason(
            request,
            queryset,
            action="cancel",
            title=_("Cancel bookings"),
            do=lambda b, reason: booking_cancel(booking=b, actor=request.user, reason=reason),
        )

    def _with_reason(
        self,
        request: HttpRequest,
        queryset: QuerySet[Booking],
        *,
        action: str,
        title: Any,
        do: Callable[[Booking, str], Any],
    ) -> HttpResponse | None:
        """First show a form that asks for the reason, then apply the service to each."""
        form = ReasonForm(request.POST if "apply" in request.POST else None)
        if form.is_bound and form.is_valid():
            reason = form.cleaned_data["reason"]
            self._each(request, queryset, lambda b: do(b, reason))
            return None
        return TemplateResponse(
            request,
            "admin/bookings/booking/action_reason.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.model._meta,
                "title": title,
                "question": _("Give the reason; the institution and the mediator will read it."),
                "bookings": list(queryset.select_related("institution")),
                "form": form,
                "action": action,
                "submit_label": title,
            },
        )

    def _each(
        self, request: HttpRequest, queryset: QuerySet[Booking], do: Callable[[Booking], Any]
    ) -> None:
        done = 0
        for booking in queryset:
            try:
                do(booking)
            except (BookingConflict, DomainError, PermissionDenied) as exc:
                self.message_user(request, f"#{booking.pk}: {exc}", messages.ERROR)
            else:
                done += 1
        if done:
            self.message_user(
                request, _("%(count)d booking(s) changed.") % {"count": done}, messages.SUCCESS
            )


@admin.register(BookingSeries)
class BookingSeriesAdmin(ReadOnlyAdmin):
    """Series of appointments, read only: the rule as requested and the dates it became
    (each a booking of its own, changed on the booking)."""

    pool_lookup = "institution__pool"
    list_display = (
        "id",
        "institution",
        "interval_weeks",
        "until",
        "count",
        "dates",
        "created_by",
        "created_at",
    )
    list_select_related = ("institution", "created_by")
    search_fields = ("institution__name", "=id")
    date_hierarchy = "created_at"

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).prefetch_related("bookings")

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return [*super().get_readonly_fields(request, obj), "dates"]

    @admin.display(description=_("dates"))
    def dates(self, obj: BookingSeries) -> str:
        """The series' dates in order, local time, with each date's status."""
        rows = sorted(obj.bookings.all(), key=lambda b: (b.series_position or 0, b.pk))
        return "; ".join(
            f"{date_format(localtime(b.starts_at), 'SHORT_DATETIME_FORMAT')} "
            f"({b.get_status_display()})"
            for b in rows
        )


@admin.register(Offer)
class OfferAdmin(ReadOnlyAdmin):
    pool_lookup = "booking__pool"
    list_display = ("id", "booking", "mediator", "status", "rank", "expires_at")
    list_filter = ("status",)
    search_fields = ("=booking__id", "mediator__user__last_name")
    list_select_related = ("booking", "mediator__user")


@admin.register(OfferOverride)
class OfferOverrideAdmin(ReadOnlyAdmin):
    """Who asked a mediator anyway, waiving which rules, and why (read only)."""

    pool_lookup = "offer__booking__pool"
    list_display = ("created_at", "offer", "waived_rules", "reason", "created_by")
    list_select_related = ("offer", "created_by")


@admin.register(Standby)
class StandbyAdmin(ReadOnlyAdmin):
    pool_lookup = "booking__pool"
    list_display = ("booking", "mediator", "created_at", "released_at")


@admin.register(Alert)
class AlertAdmin(ReadOnlyAdmin):
    pool_lookup = "pool"
    list_display = ("created_at", "kind", "booking", "message", "resolved_at")
    list_filter = ("kind", ("resolved_at", admin.EmptyFieldListFilter))
    search_fields = ("message", "=booking__id")


@admin.register(Report)
class ReportAdmin(ReadOnlyAdmin):
    pool_lookup = "booking__pool"
    list_display = ("booking", "actual_minutes", "travel_km", "status", "reported_at")
    list_filter = ("status",)
    search_fields = ("=booking__id",)


@admin.register(Feedback)
class FeedbackAdmin(ReadOnlyAdmin):
    pool_lookup = "booking__pool"
    list_display = ("booking", "rating", "comment", "created_at")
    list_filter = ("rating",)


@admin.register(Allowance)
class AllowanceAdmin(ReadOnlyAdmin):
    pool_lookup = "booking__pool"
    list_display = ("day", "mediator", "booking", "kind", "amount_cents")
    list_filter = ("kind",)
    search_fields = ("mediator__user__last_name", "=booking__id")
    date_hierarchy = "day"


class IdInputFilter(admin.SimpleListFilter):
    """A list filter with a text field for an id (rendered by admin/id_input_filter.html)."""

    template = "admin/id_input_filter.html"

    def lookups(self, request: HttpRequest, model_admin: Any) -> Any:
        return ((None, None),)  # one dummy choice, so that the filter is shown

    def choices(self, changelist: Any) -> Any:
        yield {
            "parameter_name": self.parameter_name,
            "value": self.value() or "",
            "others": [
                (key, value)
                for key, values in changelist.get_filters_params().items()
                if key != self.parameter_name
                for value in (values if isinstance(values, list) else [values])
            ],
        }

    def id_value(self) -> int | None:
        value = self.value()
        return int(value) if value and value.isdigit() else None


class PersonFilter(IdInputFilter):
    title = _("person (user id)")
    parameter_name = "person"

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        person = self.id_value()
        if person is None:
            return queryset
        return queryset.filter(Q(user_id=person) | Q(user_ids__contains=f",{person},"))


class BookingIdFilter(IdInputFilter):
    title = _("booking (id)")
    parameter_name = "booking"

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        booking = self.id_value()
        if booking is None:
            return queryset
        return queryset.filter(Q(booking_id=booking) | Q(booking_ids__contains=f",{booking},"))


@admin.register(AccessLog)
class AccessLogAdmin(ReadOnlyAdmin):
    """The pool's access log: filter by person (a user id: rows by them or naming them),
    booking (its reads, changes and the lists that showed it), action and time (the date
    hierarchy). The API has the same filters (``GET /api/v1/access-log/``)."""

    read_log = False  # reading the log is not logged again
    list_display = ("at", "user", "action", "booking", "what", "count")
    list_filter = (PersonFilter, BookingIdFilter, "action")
    search_fields = ("user__username", "what")
    date_hierarchy = "at"

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        qs = AccessLog.objects.select_related("user")
        if request.user.is_superuser:
            return qs
        pool_id = coordinator_pool_id(request)
        if pool_id is None:
            return qs.none()
        return qs.filter(Q(pool_id=pool_id) | Q(booking__pool_id=pool_id))


# The batch planner's stored plans register themselves.
from .planner import admin as planner_admin  # noqa: E402, F401
