"""How a booking is rendered to one caller: the fields each role may see (selectors decide,
``booking_view_for``), in a list row and in the detail with events, report and feedback.

Other booking endpoints (matching, offers) answer with ``booking_response``.
"""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers, status
from rest_framework.response import Response

from config.api.fields import BerlinDateTimeField
from core.constants import ActorRole

from ..constants import ReleaseReason, RescheduleOutcome, Status
from ..matching.hard_rules import HardRule
from ..selectors import (
    BookingView,
    booking_after_change,
    booking_detail_queryset,
    booking_view_for,
    last_reschedule_for,
)


class BookingInstitutionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class BookingLocationSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    address = serializers.CharField()
    postal_code = serializers.CharField()
    town = serializers.CharField(source="town.name")
    latitude = serializers.FloatField()
    longitude = serializers.FloatField()


class BookingMediatorSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    first_name = serializers.CharField()
    last_name = serializers.CharField()
    phone = serializers.CharField(allow_null=True, help_text="Shown once confirmed.")


class BookingEventSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    at = BerlinDateTimeField()
    from_status = serializers.ChoiceField(choices=["", *Status.values])
    to_status = serializers.ChoiceField(choices=Status.choices)
    actor_role = serializers.ChoiceField(choices=ActorRole.choices)
    actor = serializers.CharField(allow_null=True, help_text="Shown to coordinators.")
    reason = serializers.CharField(allow_null=True, help_text="Hidden from mediators.")


class BookingReportSerializer(serializers.Serializer):
    status = serializers.CharField()
    actual_minutes = serializers.IntegerField()
    travel_km = serializers.DecimalField(max_digits=6, decimal_places=1)
    travel_minutes = serializers.IntegerField()
    ticket_cents = serializers.IntegerField()
    reported_at = BerlinDateTimeField()
    dispute_reason = serializers.CharField()


class BookingFeedbackSerializer(serializers.Serializer):
    rating = serializers.IntegerField()
    comment = serializers.CharField()
    created_at = BerlinDateTimeField()


class RescheduleOutcomeSerializer(serializers.Serializer):
    at = BerlinDateTimeField()
    outcome = serializers.ChoiceField(
        choices=RescheduleOutcome.choices,
        help_text="mediator_kept: still eligible at the new time and place; mediator_released: "
        "no longer eligible, released, matching again (standby first); matching_again: "
        "nobody held the booking, matching runs for the new values; awaiting_approval.",
    )
    explanation = serializers.CharField(help_text="One sentence in the caller's language.")
    release_reasons = serializers.ListField(
        child=serializers.ChoiceField(choices=ReleaseReason.choices),
        help_text="Why the mediator was released (mediator_released only).",
    )
    broken_rules = serializers.ListField(
        child=serializers.ChoiceField(choices=[(r.value, r.value) for r in HardRule]),
        allow_null=True,
        help_text="The hard rules the released mediator breaks; shown to coordinators only.",
    )


class BookingOutputSerializer(serializers.Serializer):
    """A booking as one caller may see it; hidden values are ``null``."""

    id = serializers.IntegerField()
    status = serializers.ChoiceField(choices=Status.choices)
    institution = BookingInstitutionSerializer()
    language = serializers.CharField(source="language.code")
    dialect = serializers.SerializerMethodField()
    starts_at = BerlinDateTimeField()
    ends_at = BerlinDateTimeField()
    duration_minutes = serializers.IntegerField()
    mode = serializers.CharField()
    location = BookingLocationSerializer(allow_null=True)
    field = serializers.CharField()
    topic = serializers.CharField()
    kind = serializers.CharField()
    with_children = serializers.BooleanField()
    sensitive = serializers.BooleanField()
    gender_preference = serializers.CharField()
    follow_up_of = serializers.IntegerField(source="follow_up_of_id", allow_null=True)
    case_reference = serializers.CharField()
    notes = serializers.CharField()
    funding_source = serializers.IntegerField(source="funding_source_id", allow_null=True)
    mediator = serializers.SerializerMethodField()
    contact_name = serializers.SerializerMethodField()
    contact_phone = serializers.SerializerMethodField()
    meeting_url = serializers.SerializerMethodField()
    dial_in_number = serializers.SerializerMethodField()
    dial_in_pin = serializers.SerializerMethodField()
    cancelled_by_role = serializers.CharField()
    cancellation_reason = serializers.CharField()
    late_cancellation = serializers.BooleanField()
    created_at = BerlinDateTimeField()
    series = serializers.IntegerField(
        source="series_id", allow_null=True, help_text="The series this date belongs to."
    )
    series_position = serializers.IntegerField(allow_null=True)

    def view(self, booking) -> BookingView:
        """What the caller may see of this booking, decided once per booking rendered (every
        hidden field asks)."""
        cached = getattr(self, "_view_of", None)
        if cached is not None and cached[0] is booking:
            return cached[1]
        request = self.context.get("request")
        view = booking_view_for(request.user if request else None, booking)
        self._view_of = (booking, view)
        return view

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_dialect(self, booking) -> str | None:
        if not booking.dialect_id:
            return None
        # The list reads the code with the row (``booking_list_rows``), the detail joins.
        code = getattr(booking, "dialect_code", None)
        return code if code is not None else booking.dialect.code

    @extend_schema_field(BookingMediatorSerializer(allow_null=True))
    def get_mediator(self, booking):
        view = self.view(booking)
        if not view.mediator or booking.mediator_id is None:
            return None
        mediator = booking.mediator
        return {
            "id": mediator.pk,
            "first_name": mediator.user.first_name,
            "last_name": mediator.user.last_name,
            "phone": mediator.phone if view.mediator_contact else None,
        }

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_contact_name(self, booking) -> str | None:
        return booking.contact_name if self.view(booking).institution_contact else None

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_contact_phone(self, booking) -> str | None:
        return booking.contact_phone if self.view(booking).institution_contact else None

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_meeting_url(self, booking) -> str | None:
        """Video: the link (null for whoever may not see it: mediators not booked for it)."""
        return booking.meeting_url if self.view(booking).meeting_details else None

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_dial_in_number(self, booking) -> str | None:
        return booking.dial_in_number if self.view(booking).meeting_details else None

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_dial_in_pin(self, booking) -> str | None:
        return booking.dial_in_pin if self.view(booking).meeting_details else None


class BookingDetailOutputSerializer(BookingOutputSerializer):
    """The booking with its events, the report and (for coordinators) the feedback."""

    events = serializers.SerializerMethodField()
    reschedule_outcome = serializers.SerializerMethodField()
    report = serializers.SerializerMethodField()
    feedback = serializers.SerializerMethodField()

    @extend_schema_field(RescheduleOutcomeSerializer(allow_null=True))
    def get_reschedule_outcome(self, booking):
        """The latest change of time, duration or place and what it did (null: none)."""
        request = self.context.get("request")
        note = last_reschedule_for(request.user if request else None, booking)
        if note is None:
            return None
        return {
            "at": BerlinDateTimeField().to_representation(note.at),
            "outcome": note.outcome,
            "explanation": note.explanation,
            "release_reasons": list(note.release_reasons),
            "broken_rules": None if note.broken_rules is None else list(note.broken_rules),
        }

    @extend_schema_field(BookingEventSerializer(many=True))
    def get_events(self, booking):
        view = self.view(booking)
        return [
            {
                "id": event.pk,
                "at": BerlinDateTimeField().to_representation(event.created_at),
                "from_status": event.from_status,
                "to_status": event.to_status,
                "actor_role": event.actor_role,
                "actor": _person(event.actor) if view.event_actors else None,
                "reason": event.reason if view.event_reasons else None,
            }
            for event in booking.events.all()
        ]

    @extend_schema_field(BookingReportSerializer(allow_null=True))
    def get_report(self, booking):
        report = getattr(booking, "report", None)
        if report is None or not self.view(booking).report:
            return None
        return BookingReportSerializer(report).data

    @extend_schema_field(BookingFeedbackSerializer(allow_null=True))
    def get_feedback(self, booking):
        feedback = getattr(booking, "feedback", None)
        if feedback is None or not self.view(booking).feedback:
            return None
        return BookingFeedbackSerializer(feedback).data


def _person(user) -> str | None:
    if user is None:
        return None
    return user.get_full_name() or user.get_username()


def booking_response(
    request, booking_id: int, *, status_code: int = status.HTTP_200_OK, changed: bool = False
):
    """The booking's detail as the caller may see it, fresh from the database.

    ``changed``: the caller has just changed the booking through a service, which may have
    moved it out of their reach (a mediator giving it back); the answer still shows it.
    """
    if changed:
        booking = booking_after_change(booking_id)
    else:
        booking = get_object_or_404(booking_detail_queryset(request.user), pk=booking_id)
    data = BookingDetailOutputSerializer(booking, context={"request": request}).data
    return Response(data, status=status_code)
