"""Coordinators' back office for languages and mediators: onboarding, vetting, languages,
weekly availability, absences, conflicts of interest and blocks; applications to become a
mediator (read-mostly)."""

from __future__ import annotations

import datetime
import json
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from institutions.admin_scoping import PoolScopedAdmin, PoolScopedMixin
from institutions.selectors import coordinates_for_postal_code, pool_of

from .applications.selectors import application_export
from .models import (
    Absence,
    AvailabilitySlot,
    ConflictOfInterest,
    Dialect,
    InstitutionBlock,
    Language,
    Mediator,
    MediatorApplication,
    MediatorLanguage,
)
from .services import (
    PROFILE_FIELDS,
    LanguageSkill,
    eligibility_changed,
    mediator_onboard,
    mediator_pause,
    mediator_resume,
    mediator_update,
)
from .signals import EligibilityChange


class DialectInline(admin.TabularInline):
    model = Dialect
    extra = 0


@admin.register(Language)
class LanguageAdmin(admin.ModelAdmin):
    list_display = ("code", "name_de", "name_en")
    search_fields = ("code", "name_de", "name_en")
    inlines = [DialectInline]


@admin.register(Dialect)
class DialectAdmin(admin.ModelAdmin):
    list_display = ("language", "code", "name_de", "name_en")
    list_filter = ("language",)
    search_fields = ("code", "name_de", "name_en", "language__code", "language__name_de")
    list_select_related = ("language",)


class MediatorLanguageInline(PoolScopedMixin, admin.TabularInline):
    """A mediator speaks at least one language: the admin refuses an empty list."""

    model = MediatorLanguage
    extra = 0
    min_num = 1
    autocomplete_fields = ("language", "dialect")

    def get_formset(self, request: HttpRequest, obj: Any = None, **kwargs: Any) -> Any:
        kwargs["validate_min"] = True
        return super().get_formset(request, obj, **kwargs)


class AvailabilitySlotInline(PoolScopedMixin, admin.TabularInline):
    model = AvailabilitySlot
    extra = 0


class AbsenceInline(PoolScopedMixin, admin.TabularInline):
    model = Absence
    extra = 0


class ConflictOfInterestInline(PoolScopedMixin, admin.TabularInline):
    model = ConflictOfInterest
    extra = 0
    fields = (
        "institution",
        "case_reference",
        "reason",
        "recorded_by",
        "created_at",
        "lifted_at",
        "lifted_by",
        "lift_reason",
    )
    readonly_fields = ("recorded_by", "created_at", "lifted_at", "lifted_by", "lift_reason")


class InstitutionBlockInline(PoolScopedMixin, admin.TabularInline):
    model = InstitutionBlock
    extra = 0
    autocomplete_fields = ("institution",)


class PoliceCertificateFilter(admin.SimpleListFilter):
    title = _("police certificate")
    parameter_name = "certificate"

    def lookups(self, request: HttpRequest, model_admin: Any) -> Any:
        return (
            ("expired", _("expired")),
            ("expiring", _("expires within 60 days")),
            ("valid", _("valid")),
            ("none", _("none")),
        )

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        today = timezone.localdate()
        soon = today + datetime.timedelta(days=60)
        if self.value() == "expired":
            return queryset.filter(police_certificate_valid_until__lt=today)
        if self.value() == "expiring":
            return queryset.filter(
                police_certificate_valid_until__gte=today, police_certificate_valid_until__lte=soon
            )
        if self.value() == "valid":
            return queryset.filter(police_certificate_valid_until__gte=today)
        if self.value() == "none":
            return queryset.filter(police_certificate_valid_until__isnull=True)
        return queryset


class MediatorAddForm(forms.ModelForm):
    """Onboarding: the account is created with the profile (coordinates from the postal code)."""

    first_name = forms.CharField(label=_("first name"), max_length=150)
    last_name = forms.CharField(label=_("last name"), max_length=150)
    email = forms.EmailField(label=_("e-mail"))

    class Meta:
        model = Mediator
        fields = (
            "pool",
            "gender",
            "phone",
            "home_postal_code",
            "home_latitude",
            "home_longitude",
            "max_travel_km",
            "max_hours_per_week",
            "max_hours_per_month",
            "training_completed_on",
            "pledge_signed_on",
            "police_certificate_inspected_on",
            "police_certificate_valid_until",
            "declined_topics",
            "preferred_towns",
            "preferred_fields",
            "active",
            "language",
        )

    def clean_email(self) -> str:
        email = self.cleaned_data["email"].strip().lower()
        users = get_user_model().objects
        if (
            users.filter(email__iexact=email).exists()
            or users.filter(username__iexact=email).exists()
        ):
            raise ValidationError(_("An account with this e-mail address exists already."))
        return email

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        code = data.get("home_postal_code") or ""
        if data.get("home_latitude") is None and coordinates_for_postal_code(code) is None:
            self.add_error(
                "home_latitude",
                _("Unknown postal code: give the latitude and longitude of the home."),
            )
        return data


@admin.register(Mediator)
class MediatorAdmin(PoolScopedAdmin):
    pool_lookup = "pool"
    list_display = (
        "__str__",
        "languages_spoken",
        "home_postal_code",
        "gender",
        "active",
        "self_unavailable",
        "vetted",
        "police_certificate_valid_until",
    )
    list_filter = (
        "active",
        "self_unavailable",
        "gender",
        PoliceCertificateFilter,
        ("languages__language", admin.RelatedOnlyFieldListFilter),
    )
    search_fields = ("user__first_name", "user__last_name", "user__email", "phone")
    list_select_related = ("user",)
    autocomplete_fields = ("preferred_towns",)
    inlines = [
        MediatorLanguageInline,
        AvailabilitySlotInline,
        AbsenceInline,
        ConflictOfInterestInline,
        InstitutionBlockInline,
    ]
    actions = ["pause", "activate"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Mediator]:
        return (
            super()
            .get_queryset(request)
            .prefetch_related("languages__language", "languages__dialect")
            .distinct()
        )

    def get_form(
        self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any
    ) -> Any:
        if obj is None:
            kwargs["form"] = MediatorAddForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        fields = [
            f
            for f in super().get_fields(request, obj)
            if f not in ("first_name", "last_name", "email")
        ]
        if obj is None:
            return ["first_name", "last_name", "email", *[f for f in fields if f != "user"]]
        return fields

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        paused = ("paused_reason", "paused_at", "paused_by")
        return ("user", *paused) if obj is not None else paused

    @admin.display(description=_("languages"))
    def languages_spoken(self, obj: Mediator) -> str:
        return ", ".join(str(ml) for ml in obj.languages.all())

    @admin.display(description=_("vetted"), boolean=True)
    def vetted(self, obj: Mediator) -> bool:
        return obj.is_vetted

    def save_model(self, request: HttpRequest, obj: Mediator, form: Any, change: bool) -> None:
        """Through the services: a new postal code moves the home coordinates."""
        data = form.cleaned_data
        if change:
            changed = {k: data[k] for k in form.changed_data if k in PROFILE_FIELDS}
            pausing = "active" in form.changed_data
            if pausing:
                obj.active = form.initial.get("active", not data["active"])
            mediator_update(mediator=obj, data=changed)  # saves the other fields as well
            if pausing:
                self._pause_or_resume(request, obj, active=data["active"])
            return
        # A new mediator is written in save_related, which sees the languages (inlines):
        # the service onboards the account, the profile and the languages together.

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        """The inlines (languages, availability, absences, conflicts, blocks) are saved by
        the admin itself: a changed one is an eligibility change like the services' own
        (offers withdrawn, unfilled requests tried again; ``mediators.signals``). A new
        mediator is onboarded here with the languages of its inline."""
        if not change:
            created = self._onboard(request, form, formsets)
            for formset in formsets:
                if formset.model is MediatorLanguage:  # written by the service: logged as added
                    formset.new_objects = list(created.languages.all())
                    formset.changed_objects, formset.deleted_objects = [], []
            formsets = [fs for fs in formsets if fs.model is not MediatorLanguage]
        super().save_related(request, form, formsets, change)
        if change and any(formset.has_changed() for formset in formsets):
            eligibility_changed(mediator=form.instance, reason=EligibilityChange.PROFILE)

    def _onboard(self, request: HttpRequest, form: Any, formsets: Any) -> Mediator:
        obj, data = form.instance, form.cleaned_data
        languages = [
            LanguageSkill(
                language=row.cleaned_data["language"],
                dialect=row.cleaned_data.get("dialect"),
                level=row.cleaned_data["level"],
            )
            for formset in formsets
            if formset.model is MediatorLanguage
            for row in formset.forms
            if row.cleaned_data and not row.cleaned_data.get("DELETE")
        ]
        profile = {
            k: v
            for k, v in data.items()
            if k in PROFILE_FIELDS and k not in ("first_name", "last_name", "email", "gender")
        }
        profile.pop("home_postal_code", None)
        created = mediator_onboard(
            pool=data.get("pool") or pool_of(request.user),
            email=data["email"],
            first_name=data["first_name"],
            last_name=data["last_name"],
            gender=data["gender"],
            home_postal_code=data["home_postal_code"],
            languages=languages,
            **profile,
        )
        created.preferred_fields = data.get("preferred_fields") or []
        created.save(update_fields=["preferred_fields"])
        # The admin saves the other inlines and the preferred towns against ``obj``.
        obj.pk, obj.user, obj.pool = created.pk, created.user, created.pool
        obj._state.adding = False
        return created

    @admin.action(description=_("Pause the selected mediators"), permissions=["change"])
    def pause(self, request: HttpRequest, queryset: QuerySet[Mediator]) -> None:
        self._set_active(request, queryset, active=False)

    @admin.action(description=_("Activate the selected mediators"), permissions=["change"])
    def activate(self, request: HttpRequest, queryset: QuerySet[Mediator]) -> None:
        self._set_active(request, queryset, active=True)

    def _set_active(
        self, request: HttpRequest, queryset: QuerySet[Mediator], *, active: bool
    ) -> None:
        count = 0
        for mediator in queryset:
            self._pause_or_resume(request, mediator, active=active)
            count += 1
        self.message_user(
            request,
            ngettext("%(count)d mediator changed.", "%(count)d mediators changed.", count)
            % {"count": count},
            messages.SUCCESS,
        )

    @staticmethod
    def _pause_or_resume(request: HttpRequest, mediator: Mediator, *, active: bool) -> None:
        """Through the one place of a pause (mediators.services)."""
        if active:
            mediator_resume(mediator=mediator, by=request.user)
        else:
            mediator_pause(mediator=mediator, by=request.user)


@admin.register(MediatorApplication)
class MediatorApplicationAdmin(PoolScopedAdmin):
    """Applications to become a mediator, read-mostly: coordinators accept or decline them on
    the work list (the services send the e-mails); here they find one by name or e-mail,
    correct a typo in the contact details of an open one, and download what an applicant
    without an account asks for (Art. 15). A decided application is read-only."""

    pool_lookup = "pool"
    list_display = ("__str__", "email", "pool", "status", "created_at", "decided_at")
    list_filter = ("status", "pool")
    search_fields = ("first_name", "last_name", "email")
    date_hierarchy = "created_at"
    ordering = ("-created_at", "-pk")
    actions = ["export_json"]
    # Correctable while open: how to reach the applicant and where they live.
    OPEN_EDITABLE = ("first_name", "last_name", "email", "phone", "postal_code", "town")
    fields = (
        "pool",
        "first_name",
        "last_name",
        "email",
        "phone",
        "gender",
        "postal_code",
        "town",
        "languages",
        "language_levels",
        "other_languages",
        "availability",
        "language",
        "consented_at",
        "created_at",
        "status",
        "decided_at",
        "decided_by",
        "decline_message",
        "mediator",
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).select_related("pool", "decided_by")

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is not None and obj.status == MediatorApplication.Status.OPEN:
            return [name for name in self.fields if name not in self.OPEN_EDITABLE]
        return self.fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # applications come through the public form

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is not None and obj.status != MediatorApplication.Status.OPEN:
            return False  # decided: no free edits
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.is_superuser  # the nightly purge deletes them

    @admin.action(description=_("Download as JSON (the applicant's data, Art. 15 GDPR)"))
    def export_json(self, request: HttpRequest, queryset: QuerySet) -> HttpResponse | None:
        applications = list(queryset.order_by("created_at", "pk")[:2])
        if len(applications) != 1:
            self.message_user(
                request, _("Choose exactly one application to download."), messages.ERROR
            )
            return None
        application = applications[0]
        response = HttpResponse(
            json.dumps(application_export(application), ensure_ascii=False, indent=2),
            content_type="application/json; charset=utf-8",
        )
        response["Content-Disposition"] = (
            f'attachment; filename="application-{application.pk}.json"'
        )
        return response
