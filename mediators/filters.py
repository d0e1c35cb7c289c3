"""Query-parameter filters of the mediator list: the API's (``MediatorFilter``) and the
coordinators' directory page (``MediatorDirectoryFilter``)."""

import datetime

import django_filters
from django.db.models import Exists, OuterRef, Q, Value
from django.db.models.functions import Concat
from django.utils.translation import gettext_lazy as _

from institutions.models import PostalCode, Town

from .constants import Gender
from .models import Language, Mediator, MediatorLanguage

# A police certificate "expires soon" within this many days (as the work list warns).
CERTIFICATE_SOON_DAYS = 60


class MediatorFilter(django_filters.FilterSet):
    active = django_filters.BooleanFilter()
    gender = django_filters.ChoiceFilter(choices=Gender.choices)
    language = django_filters.CharFilter(method="filter_language", max_length=3)
    home_postal_code = django_filters.CharFilter(max_length=5)

    class Meta:
        model = Mediator
        fields = ["active", "gender", "language", "home_postal_code"]

    def filter_language(self, queryset, name, value):
        """Mediators who speak the language (ISO 639-3 code), without duplicating rows."""
        speaks = MediatorLanguage.objects.filter(mediator=OuterRef("pk"), language__code=value)
        return queryset.filter(Exists(speaks))


class Vetting:
    VETTED = "vetted"
    NOT_VETTED = "not_vetted"
    CERTIFICATE_VALID = "certificate_valid"
    CERTIFICATE_SOON = "certificate_soon"
    CERTIFICATE_MISSING = "certificate_missing"

    choices = (
        (VETTED, _("vetted (training and pledge)")),
        (NOT_VETTED, _("not yet vetted")),
        (CERTIFICATE_VALID, _("police certificate valid")),
        (CERTIFICATE_SOON, _("police certificate expires within 60 days")),
        (CERTIFICATE_MISSING, _("police certificate expired or missing")),
    )


class Standing:
    ACTIVE = "active"
    PAUSED = "paused"

    choices = ((ACTIVE, _("active")), (PAUSED, _("paused")))


class MediatorDirectoryFilter(django_filters.FilterSet):
    """The coordinators' mediator list: search by name, e-mail or phone; filter by language,
    town (of the home postal code), vetting and whether the mediator is paused. ``today``
    is the local day the certificate filters judge by."""

    q = django_filters.CharFilter(
        label=_("Name, e-mail or phone"), method="filter_text", max_length=100
    )
    language = django_filters.ModelChoiceFilter(
        label=_("Language"),
        queryset=Language.objects.order_by("name_de"),
        method="filter_language",
        empty_label=_("all languages"),
    )
    town = django_filters.ModelChoiceFilter(
        label=_("Town"),
        queryset=Town.objects.order_by("name"),
        method="filter_town",
        empty_label=_("all towns"),
    )
    vetting = django_filters.ChoiceFilter(
        label=_("Vetting"),
        choices=Vetting.choices,
        method="filter_vetting",
        empty_label=_("any"),
    )
    standing = django_filters.ChoiceFilter(
        label=_("Active or paused"),
        choices=Standing.choices,
        method="filter_standing",
        empty_label=_("any"),
    )

    class Meta:
        model = Mediator
        fields: list[str] = []

    def __init__(self, *args, today: datetime.date, language_label=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today
        if language_label is not None:
            # Languages by name in the reader's language, not by code.
            self.form.fields["language"].label_from_instance = language_label

    def filter_text(self, queryset, name, value):
        words = value.split()
        if not words:
            return queryset
        queryset = queryset.annotate(
            _full_name=Concat("user__first_name", Value(" "), "user__last_name")
        )
        for word in words:
            queryset = queryset.filter(
                Q(_full_name__icontains=word)
                | Q(user__email__icontains=word)
                | Q(phone__icontains=word)
            )
        return queryset

    def filter_language(self, queryset, name, value):
        speaks = MediatorLanguage.objects.filter(mediator=OuterRef("pk"), language=value)
        return queryset.filter(Exists(speaks))

    def filter_town(self, queryset, name, value):
        lives = PostalCode.objects.filter(code=OuterRef("home_postal_code"), town=value)
        return queryset.filter(Exists(lives))

    def filter_vetting(self, queryset, name, value):
        today = self.today
        soon = today + datetime.timedelta(days=CERTIFICATE_SOON_DAYS)
        vetted = Q(training_completed_on__isnull=False, pledge_signed_on__isnull=False)
        conditions = {
            Vetting.VETTED: vetted,
            Vetting.NOT_VETTED: ~vetted,
            Vetting.CERTIFICATE_VALID: Q(police_certificate_valid_until__gte=today),
            Vetting.CERTIFICATE_SOON: Q(
                police_certificate_valid_until__gte=today,
                police_certificate_valid_until__lte=soon,
            ),
            Vetting.CERTIFICATE_MISSING: Q(police_certificate_valid_until__lt=today)
            | Q(police_certificate_valid_until__isnull=True),
        }
        return queryset.filter(conditions[value])

    def filter_standing(self, queryset, name, value):
        return queryset.filter(active=value == Standing.ACTIVE)
