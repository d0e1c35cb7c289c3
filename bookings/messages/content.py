"""What each kind of booking e-mail says: subject, paragraphs, facts, links, calendar part.

The transport (``notifications.rendering``) renders a row through the builder registered for
its kind; ``BookingsConfig.ready()`` registers ``BUILDERS``. Called inside
``translation.override(message.language)``. Messages carry no client data beyond the case
reference: no names of clients, no notes, no free-text reasons.
"""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING

from django.utils import formats
from django.utils.translation import gettext as _

from core.i18n import reader_language
from core.locale_format import format_clock, format_day, format_moment, format_weekday
from core.time import BERLIN
from notifications.conf import setting
from notifications.constants import SIDE_INSTITUTION, MessageKind
from notifications.content import ContentBuilder, MailContent
from notifications.ical import CalendarEvent, Party
from notifications.links import page_url
from notifications.rendering import sender_address

from ..constants import AlertKind, Mode, NobodyFoundReason
from ..matching.consent import consent_notes
from ..models import Alert
from ..selectors.reschedule import release_reasons_text
from .calendar import appointment_event, appointment_of, contact_facts, place_of
from .links import ACCEPT, DECLINE, offer_link_url

if TYPE_CHECKING:
    from notifications.models import Message

    from ..models import Booking, Offer

# What an e-mail about a booking reads of it: select_related these when writing the
# messages of many bookings at once (they are rendered as they are written).
BOOKING_RELATIONS = (
    "pool",
    "institution",
    "language",
    "dialect",
    "location__town",
    "mediator__user",
)


# -- facts about a booking -----------------------------------------------------------------


def when(booking: Booking) -> str:
    start = booking.starts_at.astimezone(BERLIN)
    end = booking.ends_at.astimezone(BERLIN)
    zone = start.tzname() if start.tzname() == end.tzname() else f"{start.tzname()}/{end.tzname()}"
    return (
        f"{format_weekday(start)}, {format_day(start)}, "
        f"{format_clock(start)}–{format_clock(end)} ({zone})"
    )


def short_when(booking: Booking) -> str:
    """The start as every page shows it (core.locale_format), in the reader's locale."""
    return format_moment(booking.starts_at)


def booking_facts(booking: Booking) -> list[tuple[str, str]]:
    language = booking.language.name_for(reader_language())
    if booking.dialect is not None:
        language = f"{language} ({booking.dialect.name_for(reader_language())})"
    facts = [
        (_("Booking"), f"#{booking.pk}"),
        (_("Language"), language),
        (_("When"), when(booking)),
        (_("Duration"), _("%(minutes)s minutes") % {"minutes": booking.duration_minutes}),
        (_("Mode"), str(booking.get_mode_display())),
        (_("Place"), place_of(appointment_of(booking)).text),
        (_("Institution"), booking.institution.name),
    ]
    if booking.case_reference:
        facts.insert(1, (_("Case reference"), booking.case_reference))
    return facts


def _booking_of(message: Message) -> Booking:
    if message.booking is None:
        raise ValueError(f"message {message.pk} has no booking")
    return message.booking


def organizer_of(message: Message) -> Party:
    return Party(email=sender_address(message.pool), name=message.pool.name if message.pool else "")


def calendar_event(
    message: Message, *, cancelled: bool, stamp: datetime.datetime, tentative: bool = False
) -> CalendarEvent:
    return appointment_event(
        appointment_of(_booking_of(message)),
        side=message.context.get("side", ""),
        stamp=stamp,
        cancelled=cancelled,
        tentative=tentative,
        organizer=organizer_of(message),
        attendees=(Party(email=message.recipient_email, name=message.recipient_name),),
        alarm_minutes_before=setting("ALARM_MINUTES_BEFORE"),
    )


# -- one function per kind -----------------------------------------------------------------


def _offer_made(message: Message) -> MailContent:
    booking, offer = _booking_of(message), message.offer
    if offer is None:
        raise ValueError(f"message {message.pk} has no offer")
    link = {
        "offer_id": offer.pk,
        "mediator_id": offer.mediator_id,
        "link_id": message.context.get("link_id", ""),
    }
    paragraphs = [
        _("You are asked to take on this appointment as a language mediator."),
        _("Please answer by %(deadline)s. Whoever accepts first gets the appointment.")
        % {"deadline": format_moment(offer.expires_at)},
    ]
    paragraphs[1:1] = consent_paragraphs(offer)
    if booking.mode == Mode.VIDEO:
        paragraphs.insert(1, _("This is a video appointment; the link follows on confirmation."))
    elif booking.mode == Mode.PHONE:
        paragraphs.insert(
            1, _("This is a phone appointment; the dial-in number follows on confirmation.")
        )
    return MailContent(
        subject=_("Request for a language mediation: %(language)s, %(when)s")
        % {"language": booking.language.name_for(reader_language()), "when": short_when(booking)},
        paragraphs=paragraphs,
        facts=booking_facts(booking),
        actions=[
            (_("Accept"), offer_link_url(action=ACCEPT, **link)),
            (_("Decline"), offer_link_url(action=DECLINE, **link)),
        ],
    )


def consent_paragraphs(offer: Offer) -> list[str]:
    """For an offer a coordinator made although the mediator breaks rules their consent may
    waive: which of their own settings it goes beyond, and that they are free to decline."""
    note = consent_notes([offer]).get(offer.pk)
    return [note] if note else []


def _nobody_found(message: Message) -> MailContent:
    booking = _booking_of(message)
    code = message.context.get("reason", "")
    paragraphs = [
        _(
            "We are sorry: we have not found a language mediator for your request yet, and "
            "we may not find one in time."
        )
    ]
    if code in NobodyFoundReason.values:
        paragraphs.append(str(NobodyFoundReason(code).label))
    times = [datetime.datetime.fromisoformat(value) for value in message.context.get("times", [])]
    if times:
        paragraphs.append(
            _("Someone is available at: %(times)s.")
            % {"times": "; ".join(format_moment(t) for t in times)}
        )
    paragraphs.append(
        _("Please contact the coordination office if you want to change the appointment.")
    )
    return MailContent(
        subject=_("No language mediator found yet: %(when)s") % {"when": short_when(booking)},
        paragraphs=paragraphs,
        facts=booking_facts(booking),
    )


def _offer_withdrawn(message: Message) -> MailContent:
    booking = _booking_of(message)
    return MailContent(
        subject=_("Request no longer open: %(when)s") % {"when": short_when(booking)},
        paragraphs=[
            _(
                "The appointment we asked you about is no longer open: it was taken, changed "
                "or cancelled. You do not need to do anything."
            ),
        ],
        facts=booking_facts(booking)[:3],
    )


def _confirmed(message: Message) -> MailContent:
    booking = _booking_of(message)
    side = message.context.get("side", "")
    if side == SIDE_INSTITUTION:
        text = _("A language mediator has been found for your request. Here are the details.")
    else:
        text = _("Thank you! You are booked for this appointment.")
    return MailContent(
        subject=_("Confirmed: language mediation on %(when)s") % {"when": short_when(booking)},
        paragraphs=[text, _("The calendar invitation is attached.")],
        facts=booking_facts(booking) + contact_facts(appointment_of(booking), side),
        event=calendar_event(message, cancelled=False, stamp=message.created_at),
    )


def _changed(message: Message) -> MailContent:
    booking = _booking_of(message)
    side = message.context.get("side", "")
    return MailContent(
        subject=_("Changed: language mediation on %(when)s") % {"when": short_when(booking)},
        paragraphs=[
            _("The appointment was changed. These are the current details."),
            _("The updated calendar invitation is attached."),
        ],
        facts=booking_facts(booking) + contact_facts(appointment_of(booking), side),
        event=calendar_event(message, cancelled=False, stamp=message.created_at),
    )


def _cancelled(message: Message) -> MailContent:
    booking = _booking_of(message)
    by = {
        "institution": _("the institution"),
        "mediator": _("the language mediator"),
        "coordinator": _("the coordination office"),
    }.get(booking.cancelled_by_role or message.context.get("by", ""), _("the coordination office"))
    paragraphs = [_("The appointment was cancelled by %(by)s.") % {"by": by}]
    if message.context.get("side") != SIDE_INSTITUTION and booking.mediator_id != (
        message.context.get("mediator_id")
    ):
        paragraphs = [_("You are no longer booked for this appointment.")]
        if message.context.get("rescheduled"):
            paragraphs.append(
                _(
                    "It was moved, and at the new time or place it no longer fits your "
                    "availability, travel range or other settings. The details below are the "
                    "new ones. Thank you for your readiness!"
                )
            )
    event = None
    if message.context.get("calendar"):
        event = calendar_event(message, cancelled=True, stamp=message.created_at)
        paragraphs.append(_("The attached calendar message removes it from your calendar."))
    return MailContent(
        subject=_("Cancelled: language mediation on %(when)s") % {"when": short_when(booking)},
        paragraphs=paragraphs,
        facts=booking_facts(booking),
        event=event,
    )


def _reopened(message: Message) -> MailContent:
    booking = _booking_of(message)
    text = _(
        "The language mediator had to give this appointment back. We are looking for "
        "someone else and will write to you as soon as someone is found."
    )
    if message.context.get("rescheduled"):
        text = _(
            "The appointment was changed. The language mediator cannot take it at the new "
            "time or place (%(why)s), so they were released. We are looking for someone else "
            "and will write to you as soon as someone is found."
        ) % {"why": release_reasons_text(message.context.get("release_reasons", []))}
    elif message.context.get("released"):
        text = _(
            "The language mediator can no longer take this appointment (%(why)s), so they "
            "were released. We are looking for someone else and will write to you as soon as "
            "someone is found."
        ) % {"why": release_reasons_text(message.context.get("release_reasons", []))}
    content = MailContent(
        subject=_("New mediator needed: %(when)s") % {"when": short_when(booking)},
        paragraphs=[text],
        facts=booking_facts(booking),
    )
    if message.context.get("calendar"):
        # The appointment stays in the institution's calendar, marked tentative (a new
        # SEQUENCE) until the confirmation with the new mediator updates it again.
        content.paragraphs.append(_("The updated calendar invitation is attached."))
        content.event = calendar_event(
            message, cancelled=False, tentative=True, stamp=message.created_at
        )
    return content


def _alert(message: Message) -> MailContent:
    alert = Alert.objects.filter(pk=message.context.get("alert_id")).first()
    kind = alert.kind if alert is not None else ""
    what = AlertKind(kind).label if kind in AlertKind.values else kind
    booking = message.booking
    paragraphs = [_("Something needs your attention in the pool.")]
    if alert is not None and alert.message:
        paragraphs.append(alert.message)
    actions = []
    if booking is not None:
        actions.append(
            (
                _("Open the booking"),
                page_url(
                    "admin:bookings_booking_change",
                    kwargs={"object_id": booking.pk},
                    fallback="/admin/",
                ),
            )
        )
    return MailContent(
        subject=_("Needs attention: %(what)s") % {"what": what},
        paragraphs=paragraphs,
        facts=booking_facts(booking) if booking is not None else [],
        actions=actions,
    )


def _reminder(message: Message) -> MailContent:
    booking = _booking_of(message)
    side = message.context.get("side", "")
    return MailContent(
        subject=_("Reminder: language mediation on %(when)s") % {"when": short_when(booking)},
        paragraphs=[_("A reminder of your appointment.")],
        facts=booking_facts(booking) + contact_facts(appointment_of(booking), side),
    )


def _report_request(message: Message) -> MailContent:
    booking = _booking_of(message)
    return MailContent(
        subject=_("Please report: language mediation on %(when)s") % {"when": short_when(booking)},
        paragraphs=[
            _(
                "Thank you for your work! Please report the actual duration and your travel, "
                "so that your expense allowance can be paid."
            )
        ],
        facts=booking_facts(booking)[:4],
        actions=[
            (
                _("Write the report"),
                page_url("web:mediator-booking", kwargs={"pk": booking.pk}, fallback="/"),
            )
        ],
    )


def _standby_request(message: Message) -> MailContent:
    booking = _booking_of(message)
    return MailContent(
        subject=_("Please keep the time free: %(when)s") % {"when": short_when(booking)},
        paragraphs=[
            _(
                "This appointment is taken. Please keep the time free as a standby: if the "
                "booked language mediator has to cancel, you get the offer first."
            )
        ],
        facts=booking_facts(booking),
    )


def _standby_release(message: Message) -> MailContent:
    booking = _booking_of(message)
    return MailContent(
        subject=_("Standby no longer needed: %(when)s") % {"when": short_when(booking)},
        paragraphs=[_("Thank you! You no longer need to keep this time free.")],
        facts=booking_facts(booking)[:3],
    )


def _tax_free_notice(message: Message) -> MailContent:
    from mediators.models import Mediator

    from ..selectors.statements import TAX_FREE_LIMIT, mediator_tax_free_status

    context = message.context
    year = int(context.get("year", 0))
    mediator = Mediator.objects.select_related("pool").get(pk=context.get("mediator_id"))
    status = mediator_tax_free_status(mediator=mediator, year=year)
    values = {
        "year": year,
        "total": euro(status.total_cents),
        "limit": euro(status.limit_cents),
        "share": status.share,
    }
    if context.get("threshold") == TAX_FREE_LIMIT:
        subject = _("Your allowances for %(year)s have reached the tax-free amount") % values
        paragraphs = [
            _(
                "Your expense allowances for %(year)s come to %(total)s: you have reached the "
                "tax-free yearly amount for volunteers (Ehrenamtspauschale) of %(limit)s."
            )
            % values,
            _(
                "Allowances above it may be taxable income. Please keep your statements and "
                "ask your tax adviser or the tax office if you are unsure."
            ),
        ]
    else:
        subject = _("Your allowances for %(year)s: %(share)s of the tax-free amount") % values
        paragraphs = [
            _(
                "Your expense allowances for %(year)s come to %(total)s, %(share)s of the "
                "tax-free yearly amount for volunteers (Ehrenamtspauschale) of %(limit)s."
            )
            % values,
            _("Allowances above that amount may be taxable income."),
        ]
    return MailContent(
        subject=subject,
        paragraphs=paragraphs,
        facts=[],
        actions=[
            (
                _("Open your statement"),
                page_url("web:mediator-statement", fallback="/"),
            )
        ],
    )


def euro(cents: int) -> str:
    return f"{formats.number_format(cents / 100, 2, force_grouping=True)} €"


# Every kind a booking's messages have (the account invitation is the transport's own).
BUILDERS: dict[str, ContentBuilder] = {
    MessageKind.OFFER_MADE: _offer_made,
    MessageKind.OFFER_WITHDRAWN: _offer_withdrawn,
    MessageKind.BOOKING_CONFIRMED: _confirmed,
    MessageKind.BOOKING_CHANGED: _changed,
    MessageKind.BOOKING_CANCELLED: _cancelled,
    MessageKind.BOOKING_REOPENED: _reopened,
    MessageKind.ALERT: _alert,
    MessageKind.REMINDER: _reminder,
    MessageKind.REPORT_REQUEST: _report_request,
    MessageKind.STANDBY_REQUEST: _standby_request,
    MessageKind.STANDBY_RELEASE: _standby_release,
    MessageKind.TAX_FREE_NOTICE: _tax_free_notice,
    MessageKind.NOBODY_FOUND: _nobody_found,
}
