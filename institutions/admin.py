"""Coordinators' back office for pools, towns, institutions, their places, staff and budgets."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from .admin_scoping import PoolScopedAdmin, PoolScopedMixin
from .models import (
    Budget,
    CompensationRule,
    Coordinator,
    FundingSource,
    Institution,
    Location,
    Pool,
    PostalCode,
    Staff,
    TaxFreeLimit,
    Town,
)
from .services import staff_create


@admin.register(TaxFreeLimit)
class TaxFreeLimitAdmin(admin.ModelAdmin):
    """The law's tax-free yearly amount (not a pool's setting): superusers keep it when the
    law changes; coordinators read it."""

    list_display = ("valid_from", "yearly_cents")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return request.user.is_superuser

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.is_superuser

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.is_superuser


class CompensationRuleInline(PoolScopedMixin, admin.TabularInline):
    model = CompensationRule
    extra = 0


class FundingSourceInline(PoolScopedMixin, admin.TabularInline):
    model = FundingSource
    extra = 0


@admin.register(Pool)
class PoolAdmin(PoolScopedAdmin):
    pool_lookup = "pk"
    list_display = ("name", "district", "state", "offer_strategy", "requires_approval")
    search_fields = ("name", "district")
    prepopulated_fields = {"slug": ("name",)}
    inlines = [CompensationRuleInline, FundingSourceInline]
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "name",
                    "slug",
                    "district",
                    "state",
                    "shares_mediators_with",
                    "helps_on_request",
                )
            },
        ),
        (
            _("Intake"),
            {
                "fields": (
                    "min_notice_working_days",
                    "refused_kinds",
                    "requires_approval",
                    "meeting_hosts",
                )
            },
        ),
        (
            _("Offers"),
            {
                "fields": (
                    "offer_strategy",
                    "broadcast_size",
                    "offer_ttl_minutes",
                    "fill_deadline_hours",
                    "standby_enabled",
                    "open_board",
                    "reminder_hours_before",
                    "late_cancellation_hours",
                )
            },
        ),
        (_("Compensation"), {"fields": ("tax_free_warning_ratio",)}),
        (
            _("Matching weights"),
            {
                "fields": (
                    "weight_travel",
                    "weight_continuity",
                    "weight_fairness",
                    "weight_preferences",
                    "weight_reliability",
                )
            },
        ),
        (
            _("Messages and privacy"),
            {"fields": ("mail_sender", "mail_reply_to", "mail_footer", "retention_days")},
        ),
    )

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if request.user.is_superuser:
            return ()
        return ("slug", "shares_mediators_with", "helps_on_request")

    def get_prepopulated_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return super().get_prepopulated_fields(request, obj) if request.user.is_superuser else {}

    def has_add_permission(self, request: HttpRequest) -> bool:
        return request.user.is_superuser

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.is_superuser


@admin.register(CompensationRule)
class CompensationRuleAdmin(PoolScopedAdmin):
    pool_lookup = "pool"
    list_display = (
        "pool",
        "valid_from",
        "hourly_rate_cents",
        "rounding_minutes",
        "travel_time_cap_minutes",
        "km_rate_cents",
        "late_cancellation_paid_minutes",
    )
    list_filter = ("pool",)


class PostalCodeInline(admin.TabularInline):
    model = PostalCode
    extra = 0


@admin.register(Town)
class TownAdmin(admin.ModelAdmin):
    list_display = ("name", "district", "latitude", "longitude")
    list_filter = ("district",)
    search_fields = ("name", "postal_codes__code")
    inlines = [PostalCodeInline]


@admin.register(PostalCode)
class PostalCodeAdmin(admin.ModelAdmin):
    list_display = ("code", "town", "latitude", "longitude")
    list_filter = ("town",)
    search_fields = ("code", "town__name")
    list_select_related = ("town",)


@admin.register(Coordinator)
class CoordinatorAdmin(PoolScopedAdmin):
    pool_lookup = "pool"
    list_display = ("__str__", "pool", "phone", "language")
    list_filter = ("pool",)
    search_fields = ("user__first_name", "user__last_name", "user__email")
    list_select_related = ("user", "pool")
    raw_id_fields = ("user",)


class LocationInline(PoolScopedMixin, admin.TabularInline):
    model = Location
    extra = 0
    fields = ("name", "address", "postal_code", "town", "latitude", "longitude")
    autocomplete_fields = ("town",)


class StaffInline(PoolScopedMixin, admin.TabularInline):
    """Staff accounts are added on the staff page (it sends the invitation)."""

    model = Staff
    extra = 0
    fields = ("user", "role", "phone", "language")
    readonly_fields = ("user",)
    show_change_link = True

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class BudgetInline(PoolScopedMixin, admin.TabularInline):
    model = Budget
    extra = 0


@admin.register(Institution)
class InstitutionAdmin(PoolScopedAdmin):
    pool_lookup = "pool"
    list_display = ("name", "kind", "town", "active", "pool")
    list_filter = ("kind", "town", "active", "pool")
    search_fields = ("name", "email", "locations__address")
    autocomplete_fields = ("town",)
    list_select_related = ("town", "pool")
    inlines = [LocationInline, StaffInline, BudgetInline]

    def get_list_display(self, request: HttpRequest) -> Any:
        shown = super().get_list_display(request)
        return shown if request.user.is_superuser else [f for f in shown if f != "pool"]

    def get_list_filter(self, request: HttpRequest) -> Any:
        shown = super().get_list_filter(request)
        return shown if request.user.is_superuser else [f for f in shown if f != "pool"]


@admin.register(Location)
class LocationAdmin(PoolScopedAdmin):
    pool_lookup = "institution__pool"
    list_display = ("name", "institution", "address", "postal_code", "town")
    list_filter = ("town",)
    search_fields = ("name", "address", "postal_code", "institution__name")
    autocomplete_fields = ("institution", "town")
    list_select_related = ("institution", "town")


class StaffAddForm(forms.ModelForm):
    """A new staff member: the account is created with the row (and invited by e-mail)."""

    first_name = forms.CharField(label=_("first name"), max_length=150)
    last_name = forms.CharField(label=_("last name"), max_length=150)
    email = forms.EmailField(label=_("e-mail"))

    class Meta:
        model = Staff
        fields = ("institution", "role", "phone", "language")

    def clean_email(self) -> str:
        email = self.cleaned_data["email"].strip().lower()
        if get_user_model().objects.filter(email__iexact=email).exists() or (
            get_user_model().objects.filter(username__iexact=email).exists()
        ):
            raise ValidationError(_("An account with this e-mail address exists already."))
        return email


@admin.register(Staff)
class StaffAdmin(PoolScopedAdmin):
    pool_lookup = "institution__pool"
    list_display = ("__str__", "institution", "role", "phone")
    list_filter = ("role", "institution__kind")
    search_fields = ("user__first_name", "user__last_name", "user__email", "institution__name")
    autocomplete_fields = ("institution",)
    list_select_related = ("user", "institution")

    def get_form(
        self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any
    ) -> Any:
        if obj is None:
            kwargs["form"] = StaffAddForm
            kwargs["fields"] = None
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is None:
            return ("first_name", "last_name", "email", "institution", "role", "phone", "language")
        return ("user", "institution", "role", "phone", "language")

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return ("user",) if obj is not None else ()

    def save_model(self, request: HttpRequest, obj: Staff, form: Any, change: bool) -> None:
        if change:
            super().save_model(request, obj, form, change)
            return
        data = form.cleaned_data
        created = staff_create(
            institution=data["institution"],
            email=data["email"],
            first_name=data["first_name"],
            last_name=data["last_name"],
            role=data["role"],
            phone=data.get("phone", ""),
            language=data.get("language") or "de",
        )
        obj.pk, obj.user = created.pk, created.user
        obj._state.adding = False


@admin.register(FundingSource)
class FundingSourceAdmin(PoolScopedAdmin):
    pool_lookup = "pool"
    list_display = ("name", "pool")
    search_fields = ("name",)


@admin.register(Budget)
class BudgetAdmin(PoolScopedAdmin):
    pool_lookup = "institution__pool"
    list_display = ("institution", "funding_source", "year", "hours")
    list_filter = ("year", "funding_source")
    search_fields = ("institution__name",)
    autocomplete_fields = ("institution",)
    list_select_related = ("institution", "funding_source")
