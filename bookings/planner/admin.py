"""Admin for stored plans: review the proposed assignments, apply or discard a draft."""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from ..exceptions import BookingConflict
from .models import PlanItem, PlanRun
from .services import plan_apply, plan_discard


class PlanItemInline(admin.TabularInline):
    model = PlanItem
    extra = 0
    can_delete = False
    fields = ["booking", "mediator", "travel_km", "outcome", "detail"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(PlanRun)
class PlanRunAdmin(admin.ModelAdmin):
    list_display = [
        "pk",
        "pool",
        "starts_on",
        "ends_on",
        "status",
        "requests",
        "filled",
        "greedy_filled",
        "travel_km",
        "hours_gini",
        "created_at",
    ]
    list_filter = ["status", "pool"]
    readonly_fields = [f.name for f in PlanRun._meta.fields]
    inlines = [PlanItemInline]
    actions = ["apply_plans", "discard_plans"]

    def has_add_permission(self, request) -> bool:
        return False  # plans are computed: manage.py plan_bookings or POST /api/v1/plans/

    @admin.action(description=_("Apply the selected draft plans"))
    def apply_plans(self, request, queryset) -> None:
        for run in queryset:
            try:
                plan_apply(run=run, actor=request.user)
            except BookingConflict as exc:
                self.message_user(request, f"{run}: {exc}", messages.WARNING)
            else:
                self.message_user(request, _("Applied: %(run)s") % {"run": run})

    @admin.action(description=_("Discard the selected draft plans"))
    def discard_plans(self, request, queryset) -> None:
        for run in queryset:
            try:
                plan_discard(run=run, actor=request.user)
            except BookingConflict as exc:
                self.message_user(request, f"{run}: {exc}", messages.WARNING)
