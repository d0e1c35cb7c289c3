from django.db import models
from django.utils.translation import gettext_lazy as _

MIN_DURATION_MINUTES = 15
MAX_DURATION_MINUTES = 480
NOTES_MAX_LENGTH = 2000
MEETING_URL_MAX_LENGTH = 500


class Status(models.TextChoices):
    AWAITING_APPROVAL = "awaiting_approval", _("awaiting approval")
    REQUESTED = "requested", _("requested")
    OFFERED = "offered", _("offered")
    CONFIRMED = "confirmed", _("confirmed")
    COMPLETED = "completed", _("completed")
    CLOSED = "closed", _("closed")
    CANCELLED = "cancelled", _("cancelled")
    UNFILLED = "unfilled", _("unfilled")
    NO_SHOW = "no_show", _("no show")


# Statuses in which a mediator holds the booking's time.
HOLDING_STATUSES = (Status.CONFIRMED, Status.COMPLETED, Status.CLOSED)
# An open standby holds the time of its booking while the booking is in one of these (and
# not over): for eligibility and planning like a confirmed booking, travel time included
# (not for the hour limits: standing by is not serving).
STANDBY_HOLDING_STATUSES = (Status.CONFIRMED, Status.REQUESTED, Status.OFFERED)
OPEN_STATUSES = (Status.AWAITING_APPROVAL, Status.REQUESTED, Status.OFFERED, Status.UNFILLED)
FINAL_STATUSES = (Status.CLOSED, Status.CANCELLED, Status.NO_SHOW)
# A coordinator may assign a mediator directly to a booking in one of these.
ASSIGNABLE_STATUSES = (Status.REQUESTED, Status.OFFERED, Status.UNFILLED)
# Statuses in which time, duration or place may change (before the start). A booking with
# offers out is changed only after they are withdrawn (the matching engine owns offers);
# closed, cancelled and past bookings are not changed at all.
RESCHEDULABLE_STATUSES = (
    Status.AWAITING_APPROVAL,
    Status.REQUESTED,
    Status.UNFILLED,
    Status.CONFIRMED,
)


class RescheduleOutcome(models.TextChoices):
    """What a change of time, duration or place did to the search for a mediator."""

    # Confirmed, and the mediator meets every hard rule at the new time and place.
    MEDIATOR_KEPT = "mediator_kept", _("mediator kept")
    # Confirmed, but the mediator breaks a hard rule now: released, matching again.
    MEDIATOR_RELEASED = "mediator_released", _("mediator released")
    # Nobody held it (requested or unfilled): matching again for the new values.
    MATCHING_AGAIN = "matching_again", _("matching again")
    # The request still waits for a coordinator's approval.
    AWAITING_APPROVAL = "awaiting_approval", _("still awaiting approval")


class ReleaseReason(models.TextChoices):
    """Why a mediator was released after a change, as the institution is told; which hard
    rules they break (``matching.hard_rules``) only coordinators see."""

    TIME = "time", _("they are not available at the new time")
    PLACE = "place", _("the new place is outside their travel range")
    RULES = "rules", _("they no longer meet the pool's rules for this appointment")


class Mode(models.TextChoices):
    ON_SITE = "on_site", _("on site")
    PHONE = "phone", _("phone")
    VIDEO = "video", _("video")


class Field(models.TextChoices):
    """Fields of action (Handlungsfelder) of the district's integration concept."""

    LANGUAGE_SUPPORT = "language_support", _("Language support")
    EARLY_CHILDHOOD = "early_childhood", _("Early childhood education")
    SCHOOL = "school", _("School education")
    LABOUR = "labour", _("Vocational training and labour market")
    MATERIAL = "material", _("Material resources")
    HEALTH = "health", _("Health")
    PARTICIPATION = "participation", _("Living and social participation")


class AppointmentKind(models.TextChoices):
    """Kinds of appointment; a pool may refuse some (Pool.refused_kinds)."""

    CONVERSATION = "conversation", _("Conversation or counselling")
    PARENTS_EVENING = "parents_evening", _("Parents' evening")
    INTAKE = "intake", _("Intake talk")
    INFORMATION_EVENT = "information_event", _("Information event")
    LEGAL_CONSEQUENCES = "legal_consequences", _("Talk with legal consequences")
    MEDICAL_TREATMENT = "medical_treatment", _("Medical treatment")
    PRIVATE_REQUEST = "private_request", _("Request from a private person")


class GenderPreference(models.TextChoices):
    FEMALE = "female", _("female")
    MALE = "male", _("male")


class OfferStatus(models.TextChoices):
    PENDING = "pending", _("pending")
    ACCEPTED = "accepted", _("accepted")
    DECLINED = "declined", _("declined")
    EXPIRED = "expired", _("expired")
    WITHDRAWN = "withdrawn", _("withdrawn")


# A mediator with an offer row in one of these is not offered the booking again (withdrawn
# offers may be made again when the booking re-opens; a give-back is recorded as declined).
ANSWERED_OFFER_STATUSES = (
    OfferStatus.PENDING,
    OfferStatus.ACCEPTED,
    OfferStatus.DECLINED,
    OfferStatus.EXPIRED,
)


class ReportStatus(models.TextChoices):
    SUBMITTED = "submitted", _("submitted")
    CONFIRMED = "confirmed", _("confirmed")
    DISPUTED = "disputed", _("disputed")


class AllowanceKind(models.TextChoices):
    APPOINTMENT = "appointment", _("appointment")
    LATE_CANCELLATION = "late_cancellation", _("late cancellation by the institution")


# Limits of a report (values outside answer 400 with a field error).
MAX_ACTUAL_MINUTES = 720
MAX_TRAVEL_KM = 1000
MAX_TRAVEL_MINUTES = 600
MAX_TICKET_CENTS = 50_000
# The longest note for the coordinators a mediator may add to a report.
MAX_DEBRIEF_CHARS = 2000


class TaxFreeState(models.TextChoices):
    """Where a mediator's year total stands against the tax-free yearly amount."""

    OK = "ok", _("within the tax-free amount")
    WARNING = "warning", _("approaching the tax-free amount")
    EXCEEDED = "exceeded", _("above the tax-free amount")


class SettlementKind:
    """What a ``Settlement`` does after the answer's commit (not shown to anyone)."""

    # A confirmation: tell the mediators whose offers it withdrew, withdraw the confirmed
    # mediator's clashing offers elsewhere, choose the standby, void what is stale.
    CONFIRMED = "confirmed"
    # An offer declined (or withdrawn at an accept that came too late): offer on.
    MATCH = "match"


class AlertKind(models.TextChoices):
    """Kinds of alert for coordinators raised by the lifecycle rules."""

    REPORT_DISPUTED = "report_disputed", _("report disputed by the institution")
    TAX_FREE_WARNING = "tax_free_warning", _("mediator approaches the tax-free amount")
    TAX_FREE_EXCEEDED = "tax_free_exceeded", _("mediator is above the tax-free amount")
    ALLOWANCE_MISSING = "allowance_missing", _("allowance could not be computed")
    UNFILLED = "unfilled", _("nobody found for a booking")
    STANDBY_RELEASED = "standby_released", _("standby released before the appointment")


class NobodyFoundReason(models.TextChoices):
    """Why the coordination office tells an institution that nobody was found (the e-mail
    carries the reason's text in the institution's language, never free text)."""

    NOBODY_FREE = "nobody_free", _("Nobody who speaks the language is free at this time.")
    TOO_FAR = (
        "too_far",
        _(
            "Nobody who speaks the language can come to this place; a phone or video "
            "appointment could be served."
        ),
    )
    OTHER_TIME = (
        "other_time",
        _("Please propose another time; at the times below someone is available."),
    )
    NO_MEDIATOR = (
        "no_mediator",
        _("The pool has no language mediator for this language at the moment."),
    )


# A series of appointments (``services.series``): at most this many dates, none further
# ahead than this many months from the request, every 1 to 4 weeks.
SERIES_MAX_DATES = 52
SERIES_MAX_MONTHS = 12
SERIES_MAX_INTERVAL_WEEKS = 4
