"""REST API v1: coordinators onboard and keep mediators; a mediator keeps the own profile."""

from __future__ import annotations

from django.core.validators import RegexValidator
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.generics import ListAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api.fields import DayField
from config.api.permissions import IsCoordinator, IsMediator
from config.api.read_log import ReadLoggedListMixin
from core.constants import Topic
from core.exceptions import DomainError
from core.read_log import READ, read_logged
from institutions.constants import MessageLanguage
from institutions.selectors import coordinator_of

from ..constants import Gender, LanguageLevel
from ..filters import MediatorFilter
from ..models import Mediator
from ..selectors import dialect_by_code, language_by_code, mediators_visible_to
from ..services import (
    MEDIATOR_EDITABLE,
    LanguageSkill,
    mediator_onboard,
    mediator_pause,
    mediator_resume,
    mediator_update,
)

LEVELS = {level.name.lower(): level.value for level in LanguageLevel}
LEVEL_NAMES = {value: name for name, value in LEVELS.items()}
POSTAL_CODE = RegexValidator(r"^\d{5}$", _("A postal code has five digits."))


class LanguageSkillSerializer(serializers.Serializer):
    """``{"code": "ara", "dialect": "levantine", "level": "fluent"}``"""

    code = serializers.CharField(max_length=3)
    dialect = serializers.CharField(max_length=40, required=False, allow_null=True, default=None)
    level = serializers.ChoiceField(choices=list(LEVELS), default="fluent")

    def validate(self, attrs):
        # In a PATCH the root is partial, so DRF skips required fields and defaults of
        # nested items; a language item is always given whole.
        if "code" not in attrs:
            raise serializers.ValidationError({"code": [_("This field is required.")]})
        language = language_by_code(attrs["code"])
        if language is None:
            raise serializers.ValidationError({"code": [_("Unknown language.")]})
        dialect = None
        if attrs.get("dialect"):
            dialect = dialect_by_code(language=language, code=attrs["dialect"])
            if dialect is None:
                raise serializers.ValidationError(
                    {"dialect": [_("This dialect does not belong to the language.")]}
                )
        level = LEVELS[attrs.get("level", "fluent")]
        return LanguageSkill(language=language, dialect=dialect, level=level)

    def to_representation(self, instance):
        return {
            "code": instance.language.code,
            "dialect": instance.dialect.code if instance.dialect_id else None,
            "level": LEVEL_NAMES[instance.level],
        }


class MediatorOutputSerializer(serializers.ModelSerializer):
    first_name = serializers.CharField(source="user.first_name")
    last_name = serializers.CharField(source="user.last_name")
    email = serializers.EmailField(source="user.email")
    languages = LanguageSkillSerializer(many=True)
    declined_topics = serializers.ListField(child=serializers.CharField())
    is_vetted = serializers.BooleanField()
    pool = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    shared = serializers.BooleanField(
        read_only=True,
        help_text="A mediator of another pool that shares its mediators with the caller's: "
        "read-only here, that pool's coordinators keep the profile.",
    )
    iban = serializers.SerializerMethodField(
        help_text="The IBAN for the allowances ('' when none is given): shown only to the "
        "mediator themself and to the coordinators of their own pool, null for anyone else "
        "(a sharing pool's coordinators)."
    )

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_iban(self, mediator: Mediator) -> str | None:
        request = self.context.get("request")
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        if mediator.user_id == user.pk:
            return mediator.iban
        coordinator = coordinator_of(user)
        if coordinator is not None and coordinator.pool_id == mediator.pool_id:
            return mediator.iban
        return None

    class Meta:
        model = Mediator
        fields = [
            "id",
            "pool",
            "shared",
            "first_name",
            "last_name",
            "email",
            "phone",
            "iban",
            "gender",
            "home_postal_code",
            "home_latitude",
            "home_longitude",
            "languages",
            "max_travel_km",
            "max_hours_per_week",
            "max_hours_per_month",
            "training_completed_on",
            "pledge_signed_on",
            "police_certificate_inspected_on",
            "police_certificate_valid_until",
            "is_vetted",
            "declined_topics",
            "active",
            "paused_reason",
            "self_unavailable",
            "self_unavailable_until",
            "language",
        ]
        read_only_fields = ["active", "paused_reason", "self_unavailable", "self_unavailable_until"]
        extra_kwargs = {
            "active": {
                "help_text": "false: paused by a coordinator (only coordinators pause and "
                "resume: POST .../pause/, .../resume/)."
            },
            "self_unavailable": {
                "help_text": "The mediator marked themselves unavailable (not offered "
                "anything), until self_unavailable_until (inclusive) or until they clear it."
            },
        }


class MediatorInputSerializer(serializers.Serializer):
    first_name = serializers.CharField(max_length=150)
    last_name = serializers.CharField(max_length=150)
    email = serializers.EmailField(max_length=150)
    phone = serializers.CharField(max_length=40, required=False, allow_blank=True)
    iban = serializers.CharField(
        max_length=64,
        required=False,
        allow_blank=True,
        help_text="The IBAN for the allowances; spaces are removed and the check digits "
        "checked ('' removes it).",
    )
    gender = serializers.ChoiceField(choices=Gender.choices)
    home_postal_code = serializers.CharField(max_length=5, validators=[POSTAL_CODE])
    home_latitude = serializers.FloatField(required=False, min_value=-90, max_value=90)
    home_longitude = serializers.FloatField(required=False, min_value=-180, max_value=180)
    languages = LanguageSkillSerializer(many=True, required=False, max_length=30)
    max_travel_km = serializers.IntegerField(required=False, min_value=0, max_value=300)
    max_hours_per_week = serializers.IntegerField(required=False, min_value=1, max_value=60)
    max_hours_per_month = serializers.IntegerField(required=False, min_value=1, max_value=240)
    training_completed_on = DayField(required=False, allow_null=True)
    pledge_signed_on = DayField(required=False, allow_null=True)
    police_certificate_inspected_on = DayField(required=False, allow_null=True)
    police_certificate_valid_until = DayField(required=False, allow_null=True)
    declined_topics = serializers.ListField(
        child=serializers.ChoiceField(choices=Topic.choices),
        required=False,
        max_length=len(Topic.choices),
    )
    active = serializers.BooleanField(
        required=False,
        help_text="Coordinators only: false pauses the mediator, true resumes them "
        "(as POST .../pause/ and .../resume/).",
    )
    paused_reason = serializers.CharField(
        max_length=200, required=False, allow_blank=True, help_text="With active=false."
    )
    language = serializers.ChoiceField(choices=MessageLanguage.choices, required=False)


class MediatorMeInputSerializer(MediatorInputSerializer):
    """What mediators keep current themselves; vetting and e-mail are the coordinator's, and
    so is the pause: ``active`` is accepted only unchanged (a whole profile sent back)."""

    email = None
    training_completed_on = None
    pledge_signed_on = None
    police_certificate_inspected_on = None
    police_certificate_valid_until = None
    paused_reason = None
    active = serializers.BooleanField(
        required=False, help_text="Read-only: only a coordinator pauses and resumes."
    )
    self_unavailable = serializers.BooleanField(
        required=False,
        help_text="Mark yourself unavailable: you are offered nothing until you clear it, or "
        "until self_unavailable_until (inclusive). Coordinators see it.",
    )
    self_unavailable_until = DayField(required=False, allow_null=True)


class PauseInputSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


def _split_languages(validated: dict) -> tuple[dict, list[LanguageSkill] | None]:
    data = dict(validated)
    languages = data.pop("languages", None)
    if "declined_topics" in data:
        data["declined_topics"] = sorted(set(data["declined_topics"]))
    return data, languages


def mediator_in_reach(request, pk: int) -> Mediator:
    return get_object_or_404(mediators_visible_to(request.user), pk=pk)


def mediator_kept_by_caller(request, pk: int) -> Mediator:
    """A mediator whose profile the caller keeps. Out of reach: 404; lent by a sharing pool
    (visible, but kept by that pool's coordinators): 403."""
    mediator = mediator_in_reach(request, pk)
    if mediator.shared:
        raise PermissionDenied(
            _("%(mediator)s belongs to %(pool)s: only its coordinators change the profile.")
            % {"mediator": mediator, "pool": mediator.pool.name}
        )
    return mediator


class MediatorListCreateApi(ReadLoggedListMixin, ListAPIView):
    """GET: the pool's mediators and those of the pools sharing mediators with it (marked
    ``shared``). POST: a coordinator onboards a mediator; home coordinates
    follow from the postal code (an unknown code needs latitude and longitude)."""

    permission_classes = [IsCoordinator]
    serializer_class = MediatorOutputSerializer
    filterset_class = MediatorFilter
    read_log_what = "api:mediator-list"
    read_log_ids = "mediator_ids"

    def get_queryset(self):
        return mediators_visible_to(self.request.user).order_by("user__last_name", "pk")

    @extend_schema(request=MediatorInputSerializer, responses={201: MediatorOutputSerializer})
    def post(self, request):
        serializer = MediatorInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data, languages = _split_languages(serializer.validated_data)
        data.pop("paused_reason", None)
        mediator = mediator_onboard(
            pool=request.user.coordinator.pool, languages=languages or [], **data
        )
        mediator = mediator_in_reach(request, mediator.pk)
        return Response(
            MediatorOutputSerializer(mediator, context={"request": request}).data,
            status=status.HTTP_201_CREATED,
        )


class MediatorDetailApi(APIView):
    """GET, PATCH: a coordinator reads and changes a mediator of the pool (vetting dates,
    languages, limits, active). ``languages`` replaces the whole list when given. A mediator
    lent by a sharing pool can be read, not changed (403)."""

    permission_classes = [IsCoordinator]

    @extend_schema(responses=MediatorOutputSerializer)
    def get(self, request, pk: int):
        mediator = mediator_in_reach(request, pk)
        read_logged(
            user=request.user, what="api:mediator-detail", action=READ, user_ids=[mediator.user_id]
        )
        return Response(MediatorOutputSerializer(mediator, context={"request": request}).data)

    @extend_schema(request=MediatorInputSerializer, responses=MediatorOutputSerializer)
    def patch(self, request, pk: int):
        mediator = mediator_kept_by_caller(request, pk)
        serializer = MediatorInputSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        data, languages = _split_languages(serializer.validated_data)
        active = data.pop("active", None)
        reason = data.pop("paused_reason", "")
        mediator_update(mediator=mediator, data=data, languages=languages)
        if active is False:
            mediator_pause(mediator=mediator, by=request.user, reason=reason)
        elif active is True and not mediator.active:
            mediator_resume(mediator=mediator, by=request.user)
        return Response(
            MediatorOutputSerializer(
                mediator_in_reach(request, pk), context={"request": request}
            ).data
        )


class MediatorPauseApi(APIView):
    """POST: a coordinator pauses a mediator of the pool (``reason`` optional): no offers and
    no matching until a coordinator resumes them. Only coordinators pause and resume."""

    permission_classes = [IsCoordinator]

    @extend_schema(request=PauseInputSerializer, responses=MediatorOutputSerializer)
    def post(self, request, pk: int):
        mediator = mediator_kept_by_caller(request, pk)
        serializer = PauseInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        mediator_pause(
            mediator=mediator, by=request.user, reason=serializer.validated_data["reason"]
        )
        return Response(
            MediatorOutputSerializer(
                mediator_in_reach(request, pk), context={"request": request}
            ).data
        )


class MediatorResumeApi(APIView):
    """POST: a coordinator ends a mediator's pause."""

    permission_classes = [IsCoordinator]

    @extend_schema(request=None, responses=MediatorOutputSerializer)
    def post(self, request, pk: int):
        mediator = mediator_kept_by_caller(request, pk)
        mediator_resume(mediator=mediator, by=request.user)
        return Response(
            MediatorOutputSerializer(
                mediator_in_reach(request, pk), context={"request": request}
            ).data
        )


class MediatorMeApi(APIView):
    """GET, PATCH: the mediator's own profile. Vetting dates, the e-mail address and the
    pause (``active``) are shown but kept by the coordinators; ``self_unavailable`` (with an
    optional ``self_unavailable_until``) is the mediator's own "offer me nothing for now"."""

    permission_classes = [IsMediator]

    @extend_schema(responses=MediatorOutputSerializer)
    def get(self, request):
        return Response(
            MediatorOutputSerializer(
                mediator_in_reach(request, request.user.mediator.pk), context={"request": request}
            ).data
        )

    @extend_schema(request=MediatorMeInputSerializer, responses=MediatorOutputSerializer)
    def patch(self, request):
        mediator = mediator_in_reach(request, request.user.mediator.pk)
        serializer = MediatorMeInputSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        data, languages = _split_languages(serializer.validated_data)
        if data.pop("active", mediator.active) != mediator.active:
            raise DomainError(
                _(
                    "Only a coordinator can pause or resume you. To be offered nothing for a "
                    "while, mark yourself unavailable."
                ),
                field="active",
            )
        mediator_update(
            mediator=mediator, data=data, languages=languages, allowed=MEDIATOR_EDITABLE
        )
        return Response(
            MediatorOutputSerializer(
                mediator_in_reach(request, mediator.pk), context={"request": request}
            ).data
        )
