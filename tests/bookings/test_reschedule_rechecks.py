"""Rescheduling re-checks everything: a confirmed booking keeps its mediator after a change of
time, duration or place only while they meet every hard rule of matching for the new values
(the booking itself not counted as something they hold). Otherwise the mediator is released
and told, the institution is told why, the calendars follow, and matching starts again with
the standby first. A booking nobody holds is matched again for its new values."""

from __future__ import annotations

import datetime
import email

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from bookings.constants import OfferStatus, ReleaseReason, RescheduleOutcome, Status
from bookings.matching import rules
from bookings.matching.facts import is_eligible
from bookings.models import AccessLog, Alert, Offer, Standby
from bookings.selectors import reschedule_explanation
from bookings.services import booking_reschedule
from bookings.services.offers import booking_assign, offer_decline
from core.constants import ActorRole
from notifications.constants import MessageKind, MessageStatus
from notifications.delivery import message_deliver
from notifications.models import Message
from tests.bookings.factories import BookingFactory, OfferFactory
from tests.bookings.lifecycle import berlin
from tests.clock import frozen
from tests.institutions.factories import (
    CoordinatorFactory,
    InstitutionFactory,
    LocationFactory,
    PoolFactory,
    StaffFactory,
    UserFactory,
)
from tests.mediators.factories import (
    AbsenceFactory,
    AvailabilitySlotFactory,
    ConflictOfInterestFactory,
    LanguageFactory,
    MediatorFactory,
    MediatorLanguageFactory,
)
from tests.notifications.icalcheck import calendar_parts, read_with_icalendar

# The services read the clock for the messages they write; they are given NOW as well.
NOW = berlin(2027, 3, 1, 9, 0)
pytestmark = [pytest.mark.django_db, frozen(NOW)]

VIERSEN = (51.2562, 6.3905)
KEMPEN = (51.3658, 6.4194)
AACHEN = (50.7753, 6.0839)
# Due east of Viersen, about 480 km by road (near Halle an der Saale).
FAR_AWAY = (51.2562, 11.69)

MONDAY = berlin(2027, 3, 15, 9, 0)
TUESDAY = berlin(2027, 3, 16, 14, 0)
SATURDAY_NIGHT = berlin(2027, 3, 20, 22, 0)
EVERY_DAY = tuple((weekday, 6, 22) for weekday in range(7))


def mediator_with(pool, *, slots=EVERY_DAY, km=30, home=VIERSEN, language="de", **fields):
    """A vetted mediator who speaks Arabic, with the given weekly slots (local hours)."""
    mediator = MediatorFactory(
        pool=pool,
        home_latitude=home[0],
        home_longitude=home[1],
        max_travel_km=km,
        language=language,
        **fields,
    )
    MediatorLanguageFactory(mediator=mediator, language=LanguageFactory(code="ara"))
    for weekday, start, end in slots:
        AvailabilitySlotFactory(
            mediator=mediator,
            weekday=weekday,
            start_time=datetime.time(start),
            end_time=datetime.time(end),
        )
    return mediator


def place(institution, where):
    return LocationFactory(institution=institution, latitude=where[0], longitude=where[1])


def confirmed(mediator, *, starts_at=MONDAY, minutes=60, pool=None, **fields):
    """A booking confirmed through the service (every rule checked), its invitations sent."""
    pool = pool or mediator.pool
    institution = InstitutionFactory(pool=pool)
    StaffFactory(institution=institution, user=UserFactory(email="schule@example.org"))
    booking = BookingFactory(
        institution=institution,
        language=LanguageFactory(code="ara"),
        starts_at=starts_at,
        duration_minutes=minutes,
        location=place(institution, VIERSEN),
        status=Status.REQUESTED,
        requested_by=institution.staff.first().user,
        **fields,
    )
    booking_assign(booking=booking, mediator=mediator, actor=coordinator(pool).user, now=NOW)
    for message in Message.objects.filter(status=MessageStatus.PENDING):
        message_deliver(message_id=message.pk)
    booking.refresh_from_db()
    assert (booking.status, booking.mediator) == (Status.CONFIRMED, mediator)
    return booking


def coordinator(pool):
    return pool.coordinators.first() or CoordinatorFactory(pool=pool)


def staff_user(booking):
    return booking.institution.staff.first().user


def move(booking, *, actor=None, **changes):
    return booking_reschedule(
        booking=booking,
        actor=actor or staff_user(booking),
        reason=changes.pop("reason", "Raum belegt"),
        now=NOW,
        **changes,
    )


def last_event(booking):
    """The event of the latest change of time, duration or place."""
    return [e for e in booking.events.order_by("created_at", "pk") if e.data.get("rescheduled")][-1]


def text_of(message: Message) -> str:
    parsed = email.message_from_bytes(bytes(message.rendered))
    for part in parsed.walk():
        if part.get_content_type() == "text/plain":
            return part.get_payload(decode=True).decode()
    raise AssertionError("no text part")


def assert_released(booking, mediator, rules_broken, *, status=Status.REQUESTED):
    """Released by the change (``status``: where matching has taken it since)."""
    booking.refresh_from_db()
    assert (booking.status, booking.mediator_id, booking.confirmed_at) == (status, None, None)
    event = last_event(booking)
    assert (event.from_status, event.to_status) == (Status.CONFIRMED, Status.REQUESTED)
    assert event.data["outcome"] == RescheduleOutcome.MEDIATOR_RELEASED
    assert event.data["mediator_id"] == mediator.pk
    assert event.data["broken_rules"] == list(rules_broken)
    return event


# --- the reproducer ---------------------------------------------------------------------------


def test_a_mediator_who_cannot_take_the_new_time_and_place_is_released_and_matching_reopens(
    django_capture_on_commit_callbacks,
):
    # A mediator available on Mondays 08-12 with a 20 km range, absent on the weekend
    pool = PoolFactory()
    mediator = mediator_with(pool, slots=[(0, 8, 12)], km=20, language="en")
    AbsenceFactory(
        mediator=mediator, starts_on=datetime.date(2027, 3, 20), ends_on=datetime.date(2027, 3, 21)
    )
    booking = confirmed(mediator)
    # and someone who can take Saturday night near the far place
    other = mediator_with(pool, home=FAR_AWAY, slots=[(5, 18, 23)])
    far = place(booking.institution, FAR_AWAY)
    assert 470 < rules.road_km(*VIERSEN, *FAR_AWAY) < 490

    # When the booking moves to Saturday 22:00, 480 km away
    with django_capture_on_commit_callbacks(execute=True):
        move(booking, starts_at=SATURDAY_NIGHT, location=far)

    # Then the mediator is released: availability, absence and range are broken
    event = assert_released(
        booking, mediator, ["availability", "absence", "travel_range"], status=Status.OFFERED
    )
    assert event.data["release_reasons"] == [ReleaseReason.TIME, ReleaseReason.PLACE]
    assert (event.actor_role, event.reason) == (ActorRole.INSTITUTION, "Raum belegt")
    assert booking.starts_at == SATURDAY_NIGHT and booking.location == far
    assert booking.sequence == 1  # confirmed 0, changed 1
    # the accepted answer of the old appointment no longer stands; matching asked the other
    assert list(Offer.objects.filter(booking=booking).values_list("mediator_id", "status")) == [
        (other.pk, OfferStatus.PENDING)
    ]
    # one change row in the access log, by the person who moved it
    changes = AccessLog.objects.filter(booking=booking, action="change", user=staff_user(booking))
    assert changes.count() == 1


def test_the_released_mediator_is_told_in_their_language_with_the_calendar_cancellation():
    mediator = mediator_with(PoolFactory(), slots=[(0, 8, 12)], language="en")
    booking = confirmed(mediator)

    move(booking, starts_at=TUESDAY)

    message = Message.objects.get(
        booking=booking, kind=MessageKind.BOOKING_CANCELLED, recipient_user=mediator.user
    )
    assert (message.status, message.language) == (MessageStatus.PENDING, "en")
    assert message.context["rescheduled"] is True
    text = text_of(message)
    assert "You are no longer booked for this appointment." in text
    assert "no longer fits your availability, travel range or other settings" in text
    parts = calendar_parts(bytes(message.rendered))
    vevent = read_with_icalendar(parts["alternative"]).walk("VEVENT")[0]
    assert parts["method_param"] == "CANCEL"
    assert (str(vevent["STATUS"]), int(vevent["SEQUENCE"])) == ("CANCELLED", 1)


def test_the_institution_is_told_why_with_a_tentative_invitation_of_a_new_sequence():
    mediator = mediator_with(PoolFactory(), slots=[(0, 8, 12)])
    booking = confirmed(mediator)
    institution_user = staff_user(booking)
    institution_user.staff.language = "en"
    institution_user.staff.save()

    move(booking, starts_at=TUESDAY)

    message = Message.objects.get(booking=booking, kind=MessageKind.BOOKING_REOPENED)
    assert message.recipient_user == institution_user
    assert message.context["release_reasons"] == [ReleaseReason.TIME]
    with translation.override(message.language):
        why = str(ReleaseReason.TIME.label)
    assert why in text_of(message)
    parts = calendar_parts(bytes(message.rendered))
    vevent = read_with_icalendar(parts["alternative"]).walk("VEVENT")[0]
    assert parts["method_param"] == "REQUEST"
    assert (str(vevent["STATUS"]), int(vevent["SEQUENCE"])) == ("TENTATIVE", 1)
    assert vevent.decoded("DTSTART") == TUESDAY
    # the invitations of the old time are no longer sent to anyone
    assert not Message.objects.filter(booking=booking, kind=MessageKind.BOOKING_CHANGED).exists()


# --- each family of hard rules that a change can break ------------------------------------------


def test_availability_a_new_time_outside_the_weekly_slots_releases_the_mediator():
    mediator = mediator_with(PoolFactory(), slots=[(0, 8, 12)])
    booking = confirmed(mediator)

    move(booking, starts_at=TUESDAY)

    assert_released(booking, mediator, ["availability"])


def test_absence_a_new_day_the_mediator_is_away_releases_them():
    mediator = mediator_with(PoolFactory())
    AbsenceFactory(
        mediator=mediator, starts_on=datetime.date(2027, 3, 16), ends_on=datetime.date(2027, 3, 19)
    )
    booking = confirmed(mediator)

    move(booking, starts_at=TUESDAY)

    assert_released(booking, mediator, ["absence"])


def test_range_a_new_place_beyond_the_travel_range_releases_the_mediator():
    mediator = mediator_with(PoolFactory(), km=30)
    booking = confirmed(mediator)
    aachen = place(booking.institution, AACHEN)

    move(booking, location=aachen)

    assert_released(booking, mediator, ["travel_range"])


def test_travel_time_too_little_time_to_reach_the_next_appointment_releases_the_mediator():
    mediator = mediator_with(PoolFactory())
    booking = confirmed(mediator)
    # The mediator holds an appointment in Kempen (about 30 minutes away) on Tuesday at 15:10
    kempen = confirmed(mediator, starts_at=berlin(2027, 3, 16, 15, 10))
    kempen.location = place(kempen.institution, KEMPEN)
    kempen.save(update_fields=["location"])

    # 14:00-15:00 in Viersen leaves ten minutes for the way
    move(booking, starts_at=TUESDAY)

    assert_released(booking, mediator, ["overlap"])


def test_hour_limit_a_longer_appointment_over_the_weeks_hours_releases_the_mediator():
    # Three hours a week: a two-hour appointment on Wednesday and this one of one hour
    mediator = mediator_with(PoolFactory(), max_hours_per_week=3)
    booking = confirmed(mediator)
    confirmed(mediator, starts_at=berlin(2027, 3, 17, 9, 0), minutes=120)

    move(booking, duration_minutes=90)

    assert_released(booking, mediator, ["hour_limit"])


def test_vetting_a_police_certificate_not_valid_on_the_new_day_releases_the_mediator():
    # A setting with children: the certificate is valid up to and including Monday
    mediator = mediator_with(
        PoolFactory(), police_certificate_valid_until=datetime.date(2027, 3, 15)
    )
    booking = confirmed(mediator, with_children=True)

    move(booking, starts_at=TUESDAY)

    event = assert_released(booking, mediator, ["police_certificate"])
    assert event.data["release_reasons"] == [ReleaseReason.RULES]


def test_conflict_of_interest_declared_since_the_confirmation_releases_the_mediator_on_a_change():
    mediator = mediator_with(PoolFactory())
    booking = confirmed(mediator, case_reference="FALL-7")
    ConflictOfInterestFactory(mediator=mediator, case_reference="fall-7")

    move(booking, starts_at=TUESDAY)

    event = assert_released(booking, mediator, ["conflict_of_interest"])
    assert event.data["release_reasons"] == [ReleaseReason.RULES]


# --- the mediator stays --------------------------------------------------------------------------


def test_a_mediator_still_eligible_stays_confirmed_and_both_sides_get_updated_invitations():
    mediator = mediator_with(PoolFactory(), language="en")
    booking = confirmed(mediator)

    moved = move(booking, starts_at=TUESDAY, duration_minutes=90)

    assert (moved.status, moved.mediator, moved.sequence) == (Status.CONFIRMED, mediator, 1)
    event = last_event(booking)
    assert (event.from_status, event.to_status) == (Status.CONFIRMED, Status.CONFIRMED)
    assert event.data["outcome"] == RescheduleOutcome.MEDIATOR_KEPT
    changed = Message.objects.filter(booking=booking, kind=MessageKind.BOOKING_CHANGED)
    assert {m.recipient_user_id for m in changed} == {
        staff_user(booking).pk,
        mediator.user_id,
    }
    for message in changed:
        parts = calendar_parts(bytes(message.rendered))
        vevent = read_with_icalendar(parts["alternative"]).walk("VEVENT")[0]
        assert parts["method_param"] == "REQUEST"
        assert (str(vevent["STATUS"]), int(vevent["SEQUENCE"])) == ("CONFIRMED", 1)
        assert vevent.decoded("DTSTART") == TUESDAY
    assert not Message.objects.filter(booking=booking, kind=MessageKind.BOOKING_CANCELLED).exists()


def test_the_booking_itself_does_not_count_as_held_time_nor_as_used_hours():
    # One hour a week, all of it this booking; the new time overlaps the old one
    mediator = mediator_with(PoolFactory(), max_hours_per_week=1)
    booking = confirmed(mediator)

    moved = move(booking, starts_at=MONDAY + datetime.timedelta(minutes=30))

    assert (moved.status, moved.mediator) == (Status.CONFIRMED, mediator)


# --- the standby first ---------------------------------------------------------------------------


def test_a_released_booking_is_offered_to_the_standby_first(django_capture_on_commit_callbacks):
    pool = PoolFactory(standby_enabled=True)
    mediator = mediator_with(pool, slots=[(0, 8, 12)])
    standby = mediator_with(pool, home=KEMPEN)
    booking = confirmed(mediator)
    assert Standby.objects.get(booking=booking, released_at=None).mediator == standby
    closer = mediator_with(pool)  # ranks above the standby, who still comes first

    with django_capture_on_commit_callbacks(execute=True):
        move(booking, starts_at=TUESDAY)

    assert_released(booking, mediator, ["availability"], status=Status.OFFERED)
    assert list(Offer.objects.filter(booking=booking, status=OfferStatus.PENDING).values_list(
        "mediator_id", flat=True
    )) == [standby.pk]  # fmt: skip
    assert closer.pk != standby.pk


def test_a_kept_booking_asks_for_a_standby_for_the_new_time():
    pool = PoolFactory(standby_enabled=True)
    mediator = mediator_with(pool)
    old_standby = mediator_with(pool, slots=[(0, 8, 12)])
    booking = confirmed(mediator)
    assert Standby.objects.get(booking=booking).mediator == old_standby
    new_standby = mediator_with(pool)

    move(booking, starts_at=TUESDAY)

    booking.refresh_from_db()
    assert (booking.status, booking.mediator) == (Status.CONFIRMED, mediator)
    assert Standby.objects.get(booking=booking, released_at=None).mediator == new_standby
    assert Message.objects.filter(
        kind=MessageKind.STANDBY_RELEASE, recipient_user=old_standby.user
    ).exists()


# --- nobody held it ------------------------------------------------------------------------------


def test_a_rescheduled_unfilled_booking_is_matched_again(django_capture_on_commit_callbacks):
    # Nobody could take Monday: the one mediator declined, the booking became unfilled
    pool = PoolFactory()
    mediator = mediator_with(pool)
    institution = InstitutionFactory(pool=pool)
    staff = StaffFactory(institution=institution)
    booking = BookingFactory(
        institution=institution,
        language=LanguageFactory(code="ara"),
        starts_at=MONDAY,
        location=place(institution, VIERSEN),
        status=Status.OFFERED,
    )
    offer = OfferFactory(booking=booking, mediator=mediator, expires_at=MONDAY)
    with django_capture_on_commit_callbacks(execute=True):
        offer_decline(offer=offer, mediator=mediator, now=NOW)
    booking.refresh_from_db()
    assert booking.status == Status.UNFILLED
    assert Alert.objects.filter(booking=booking, resolved_at=None).exists()

    with django_capture_on_commit_callbacks(execute=True):
        move(booking, actor=staff.user, starts_at=TUESDAY)

    event = booking.events.get(from_status=Status.UNFILLED)
    assert event.to_status == Status.REQUESTED
    assert event.data["outcome"] == RescheduleOutcome.MATCHING_AGAIN
    # the decline answered Monday, not Tuesday: the mediator is asked again
    offer.refresh_from_db()
    assert (offer.status, offer.expires_at > NOW) == (OfferStatus.PENDING, True)
    booking.refresh_from_db()
    assert (booking.status, booking.starts_at) == (Status.OFFERED, TUESDAY)


def test_a_rescheduled_request_is_matched_for_its_new_values(django_capture_on_commit_callbacks):
    pool = PoolFactory()
    monday_only = mediator_with(pool, slots=[(0, 8, 12)])
    tuesday = mediator_with(pool, slots=[(1, 8, 18)])
    institution = InstitutionFactory(pool=pool)
    staff = StaffFactory(institution=institution)
    booking = BookingFactory(
        institution=institution,
        language=LanguageFactory(code="ara"),
        starts_at=MONDAY,
        location=place(institution, VIERSEN),
        status=Status.REQUESTED,
    )
    assert is_eligible(booking, monday_only)

    with django_capture_on_commit_callbacks(execute=True):
        move(booking, actor=staff.user, starts_at=TUESDAY)

    assert last_event(booking).data["outcome"] == RescheduleOutcome.MATCHING_AGAIN
    assert list(Offer.objects.filter(booking=booking).values_list("mediator_id", flat=True)) == [
        tuesday.pk
    ]


def test_a_request_awaiting_approval_only_moves():
    booking = BookingFactory(status=Status.AWAITING_APPROVAL, starts_at=MONDAY)
    staff = StaffFactory(institution=booking.institution)

    moved = move(booking, actor=staff.user, starts_at=TUESDAY)

    assert moved.status == Status.AWAITING_APPROVAL
    assert last_event(booking).data["outcome"] == RescheduleOutcome.AWAITING_APPROVAL


def test_each_outcome_has_a_sentence_in_every_language():
    for language in ("de", "en", "ar", "fa", "uk", "tr"):
        with translation.override(language):
            sentences = {
                reschedule_explanation(outcome, [ReleaseReason.TIME])
                for outcome in RescheduleOutcome.values
            }
        assert len(sentences) == len(RescheduleOutcome.values)


# --- what the pages show -------------------------------------------------------------------------


def page_of(user, name, booking):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    response = client.get(reverse(name, args=[booking.pk]))
    assert response.status_code == 200
    return response.content.decode()


def test_the_booking_pages_say_why_the_mediator_was_released():
    mediator = mediator_with(PoolFactory(), slots=[(0, 8, 12)])
    booking = confirmed(mediator)
    move(booking, starts_at=TUESDAY)

    html = page_of(staff_user(booking), "web:institution-booking", booking)
    with translation.override("en"):
        explanation = reschedule_explanation(RescheduleOutcome.MEDIATOR_RELEASED, ["time"])
    assert 'id="reschedule-outcome"' in html
    assert explanation.replace("'", "&#x27;") in html
    assert "availability" not in html  # the exact rule is for coordinators

    coordinator_html = page_of(coordinator(booking.pool).user, "web:coordinator-booking", booking)
    assert "hard rules broken: availability" in coordinator_html
