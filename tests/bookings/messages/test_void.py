"""Void at change: the change that makes a booking's message stale marks it ``skipped`` in its
own transaction - one test per rule of ``bookings.messages.void.STALE``, each through the
service that makes the change - and a follow-up goes out only after the message it follows.
The outcomes are those of the send-time check this replaced: a reminder, offer or
confirmation for a booking cancelled, changed or taken meanwhile is skipped, not sent."""

import datetime

import pytest
from django.core import mail
from django.db.models.query_utils import DeferredAttribute
from django.utils import timezone

from bookings.constants import OfferStatus, Status
from bookings.messages import void
from bookings.messages.hooks import alert_notify, offer_made_notify, standby_notify
from bookings.messages.periodic import reminders_write, report_requests_write
from bookings.messages.void import BookingNow, stale_reason
from bookings.models import Alert, Offer, Standby
from bookings.services import (
    booking_cancel,
    booking_reschedule,
    report_dispute,
    report_resolve,
    report_submit,
)
from bookings.services.offers import booking_assign, booking_match, offer_decline
from bookings.services.standby import standby_release
from core.time import BERLIN
from notifications.constants import MessageKind as K
from notifications.constants import MessageStatus
from notifications.delivery import _deliver_claimed, message_deliver, messages_claim
from notifications.models import Message
from notifications.services import message_resend
from tests.bookings.factories import OfferFactory
from tests.bookings.matching.scenario import KEMPEN, VIERSEN, make_booking, make_mediator, make_pool
from tests.institutions.factories import CompensationRuleFactory, CoordinatorFactory
from tests.mediators.factories import (
    AvailabilitySlotFactory,
    MediatorFactory,
    MediatorLanguageFactory,
)
from tests.notifications.conftest import confirm

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def rules_read_only_what_the_void_loads(monkeypatch):
    """In every test here, the rules of ``STALE`` judge the rows ``booking_messages_void``
    loaded (``void.RULES_READ``) without fetching a field it left out: such a fetch would be
    a query per row."""
    judging = []
    fetch = DeferredAttribute.__get__

    def guarded(self, instance, cls=None):
        if judging and instance is not None and self.field.attname not in instance.__dict__:
            pytest.fail(f"a rule of STALE read {self.field.model.__name__}.{self.field.attname}")
        return fetch(self, instance, cls)

    def judged(message, state):
        judging.append(True)
        try:
            return stale_reason(message, state)
        finally:
            judging.pop()

    monkeypatch.setattr(DeferredAttribute, "__get__", guarded)
    monkeypatch.setattr(void, "stale_reason", judged)


def row(kind, **filters):
    return Message.objects.filter(kind=kind, **filters).latest("pk")


def skipped_because(message):
    message.refresh_from_db()
    return message.last_error if message.status == MessageStatus.SKIPPED else None


def deliver(message):
    return message_deliver(message_id=message.pk).status


def deliver_everything():
    for pk in Message.objects.filter(status=MessageStatus.PENDING).values_list("pk", flat=True):
        message_deliver(message_id=pk)


def sent_kinds():
    sent = Message.objects.filter(status=MessageStatus.SENT).order_by("sent_at", "pk")
    assert sent.count() == len(mail.outbox)
    return list(sent.values_list("kind", flat=True))


def within_a_day(booking):
    now = timezone.now()
    type(booking).objects.filter(pk=booking.pk).update(
        starts_at=now + datetime.timedelta(hours=20),
        ends_at=now + datetime.timedelta(hours=21),
        confirmed_at=now - datetime.timedelta(days=3),
    )
    booking.refresh_from_db()


def over(booking):
    now = timezone.now()
    type(booking).objects.filter(pk=booking.pk).update(
        starts_at=now - datetime.timedelta(hours=3), ends_at=now - datetime.timedelta(hours=2)
    )
    booking.refresh_from_db()


# -- an offer's e-mail ------------------------------------------------------------------------


def test_an_offer_declined_before_its_e_mail_went_out_is_not_sent(booking, mediator):
    offer = OfferFactory(booking=booking, mediator=mediator)
    offer_made_notify(offer=offer)
    message = row(K.OFFER_MADE)

    offer_decline(offer=offer, mediator=mediator)

    assert skipped_because(message) == "offer no longer pending"
    assert deliver(message) == "not_claimed" and mail.outbox == []


def test_an_offer_of_a_cancelled_booking_and_its_withdrawal_are_not_sent(booking, mediator, staff):
    offer = OfferFactory(booking=booking, mediator=mediator)
    offer_made_notify(offer=offer)

    booking_cancel(booking=booking, actor=staff.user, reason="Termin entfällt")

    assert skipped_because(row(K.OFFER_MADE)) == "booking no longer open"
    assert skipped_because(row(K.OFFER_WITHDRAWN)) == "the first message never went out"
    deliver_everything()
    assert mail.outbox == []


def test_an_offer_whose_e_mail_went_out_is_withdrawn_by_e_mail(booking, mediator, staff):
    offer = OfferFactory(booking=booking, mediator=mediator)
    offer_made_notify(offer=offer)
    deliver(row(K.OFFER_MADE))

    booking_cancel(booking=booking, actor=staff.user, reason="Termin entfällt")
    deliver(row(K.OFFER_WITHDRAWN))

    assert sent_kinds() == [K.OFFER_MADE, K.OFFER_WITHDRAWN]


def test_an_offer_of_a_booking_changed_meanwhile_is_stale():
    # A booking with offers out is not rescheduled (the service refuses): the rule is read
    # from the table.
    message = Message(kind=K.OFFER_MADE, booking_sequence=0)
    message.offer = Offer(status=OfferStatus.PENDING)
    booking = make_booking(status=Status.OFFERED, sequence=1)

    assert stale_reason(message, BookingNow(booking)) == "booking changed meanwhile"


def test_an_offer_e_mail_is_not_sent_after_the_offer_expired(booking, mediator):
    offer = OfferFactory(booking=booking, mediator=mediator)
    offer_made_notify(offer=offer)
    message = row(K.OFFER_MADE)

    outcome = message_deliver(message_id=message.pk, now=offer.expires_at)

    assert outcome.status == MessageStatus.SKIPPED
    assert message.not_after == offer.expires_at and mail.outbox == []


# -- invitations and reminders ----------------------------------------------------------------


def test_a_confirmation_and_its_cancellation_both_stay_unsent_when_cancelled_at_once(
    confirmed, staff
):
    booking_cancel(booking=confirmed, actor=staff.user, reason="Schule geschlossen")

    assert {skipped_because(m) for m in Message.objects.filter(kind=K.BOOKING_CONFIRMED)} == {
        "booking no longer confirmed"
    }
    assert {skipped_because(m) for m in Message.objects.filter(kind=K.BOOKING_CANCELLED)} == {
        "no invitation ever went out"
    }
    deliver_everything()
    assert mail.outbox == []


def test_a_sent_confirmation_is_followed_by_its_cancellation(confirmed, staff):
    deliver_everything()

    booking_cancel(booking=confirmed, actor=staff.user, reason="Schule geschlossen")
    deliver_everything()

    assert sent_kinds() == [K.BOOKING_CONFIRMED] * 2 + [K.BOOKING_CANCELLED] * 2


def test_a_confirmation_of_a_rescheduled_booking_is_not_sent_its_change_is(confirmed, staff):
    # The mediator can take the new time (they stay booked: their invitation is updated)
    mediator = confirmed.mediator
    MediatorLanguageFactory(mediator=mediator, language=confirmed.language)
    AvailabilitySlotFactory(mediator=mediator, weekday=6, start_time=datetime.time(6))
    next_sunday = timezone.localdate() + datetime.timedelta(
        days=13 - timezone.localdate().weekday()
    )
    booking_reschedule(
        booking=confirmed,
        actor=staff.user,
        starts_at=datetime.datetime.combine(next_sunday, datetime.time(10), tzinfo=BERLIN),
        duration_minutes=45,
        reason="kürzer, am Sonntag",
    )
    confirmed.refresh_from_db()
    assert (confirmed.status, confirmed.mediator) == (Status.CONFIRMED, mediator)
    deliver_everything()

    assert {skipped_because(m) for m in Message.objects.filter(kind=K.BOOKING_CONFIRMED)} == {
        "booking changed meanwhile"
    }
    assert sent_kinds() == [K.BOOKING_CHANGED] * 2


def test_the_mediator_giving_back_voids_their_confirmation_and_reminder(confirmed, mediator):
    within_a_day(confirmed)
    reminders_write()

    booking_cancel(booking=confirmed, actor=mediator.user, reason="krank")

    voided = Message.objects.filter(kind__in=[K.BOOKING_CONFIRMED, K.REMINDER])
    assert {skipped_because(m) for m in voided} == {"booking no longer confirmed"}


def test_a_reminder_is_not_sent_once_the_appointment_began(confirmed):
    within_a_day(confirmed)
    reminders_write()
    message = row(K.REMINDER, recipient_email="mona@example.org")

    outcome = message_deliver(message_id=message.pk, now=confirmed.starts_at)

    assert message.not_after == confirmed.starts_at
    assert outcome.status == MessageStatus.SKIPPED and mail.outbox == []


def test_an_invitation_of_a_mediator_no_longer_assigned_is_stale(confirmed, mediator):
    # The mediator changes only with a give-back (no longer confirmed): read from the table.
    message = Message(
        kind=K.REMINDER, booking_sequence=confirmed.sequence, context={"mediator_id": 0}
    )

    assert stale_reason(message, BookingNow(confirmed)) == "mediator no longer assigned"


# -- a booking re-opened, a report asked for, a standby, an alert ----------------------------


def test_the_institution_is_not_told_a_mediator_is_needed_once_one_is_found(confirmed, mediator):
    booking_cancel(booking=confirmed, actor=mediator.user, reason="krank")
    reopened = row(K.BOOKING_REOPENED)

    confirm(confirmed, MediatorFactory(pool=confirmed.pool))

    assert skipped_because(reopened) == "filled again"


def test_the_request_for_a_report_is_not_sent_once_the_report_is_given(confirmed, mediator):
    over(confirmed)
    report_requests_write()
    asked = row(K.REPORT_REQUEST)

    report_submit(booking=confirmed, actor=mediator.user, actual_minutes=60, travel_km=5)

    assert skipped_because(asked) == "report already given"


def test_the_request_for_a_report_is_not_sent_once_the_mediator_gave_the_booking_back(
    confirmed, mediator
):
    over(confirmed)
    report_requests_write()

    booking_cancel(booking=confirmed, actor=mediator.user, reason="verwechselt")

    assert skipped_because(row(K.REPORT_REQUEST)) == "mediator no longer assigned"


def test_a_standby_request_is_not_sent_once_the_standby_is_released(confirmed):
    standby = Standby.objects.create(
        booking=confirmed, mediator=MediatorFactory(pool=confirmed.pool)
    )
    standby_notify(standby=standby)

    standby_release(confirmed)

    assert skipped_because(row(K.STANDBY_REQUEST)) == "standby released"
    assert skipped_because(row(K.STANDBY_RELEASE)) == "the first message never went out"


def test_a_standby_request_is_not_sent_once_the_booking_is_given_back(confirmed, mediator):
    standby = Standby.objects.create(
        booking=confirmed, mediator=MediatorFactory(pool=confirmed.pool)
    )
    standby_notify(standby=standby)

    booking_cancel(booking=confirmed, actor=mediator.user, reason="krank")

    assert skipped_because(row(K.STANDBY_REQUEST)) == "booking no longer confirmed"


def test_a_sent_standby_request_is_followed_by_its_release(confirmed):
    standby = Standby.objects.create(
        booking=confirmed, mediator=MediatorFactory(pool=confirmed.pool)
    )
    standby_notify(standby=standby)
    deliver(row(K.STANDBY_REQUEST))

    standby_release(confirmed)

    assert deliver(row(K.STANDBY_RELEASE)) == MessageStatus.SENT


def test_an_alert_about_a_dispute_is_not_sent_once_a_coordinator_resolved_it(
    confirmed, mediator, staff
):
    coordinator = CoordinatorFactory(pool=confirmed.pool)
    CompensationRuleFactory(pool=confirmed.pool, valid_from=datetime.date(2000, 1, 1))
    over(confirmed)
    report_submit(booking=confirmed, actor=mediator.user, actual_minutes=60, travel_km=5)
    report_dispute(booking=confirmed, actor=staff.user, reason="nur 30 Minuten")
    alert = row(K.ALERT)

    report_resolve(booking=confirmed, actor=coordinator.user, actual_minutes=30)

    assert skipped_because(alert) == "alert resolved"


def test_the_unfilled_alert_is_not_sent_once_a_coordinator_assigned_someone():
    pool = make_pool()
    coordinator = CoordinatorFactory(pool=pool)
    day = timezone.now().astimezone(BERLIN).date() + datetime.timedelta(days=21)
    starts_at = datetime.datetime.combine(day, datetime.time(10), tzinfo=BERLIN)
    booking = make_booking(pool, starts_at=starts_at, status=Status.UNFILLED)
    alert_notify(
        alert=Alert.objects.create(pool=pool, booking=booking, kind="unfilled", message="x")
    )

    booking_assign(booking=booking, mediator=make_mediator(pool), actor=coordinator.user)

    assert skipped_because(row(K.ALERT)) == "alert resolved"


def test_matching_makes_offers_whose_e_mails_expire_with_them():
    pool = make_pool()
    make_mediator(pool, home=VIERSEN), make_mediator(pool, home=KEMPEN)
    day = timezone.now().astimezone(BERLIN).date() + datetime.timedelta(days=21)
    booking = make_booking(
        pool, starts_at=datetime.datetime.combine(day, datetime.time(10), tzinfo=BERLIN)
    )

    offers = booking_match(booking_id=booking.pk)

    assert offers
    for offer in offers:
        assert row(K.OFFER_MADE, offer=offer).not_after == offer.expires_at


# -- a worker that claimed the row, a coordinator's resend ----------------------------------


def test_a_row_a_worker_claimed_is_skipped_if_the_worker_loads_it_after_the_change(
    confirmed, staff
):
    message = row(K.BOOKING_CONFIRMED, recipient_email="mona@example.org")
    now = timezone.now()
    Message.objects.filter(pk=message.pk).update(status=MessageStatus.SENDING, claim="w1")

    booking_cancel(booking=confirmed, actor=staff.user, reason="Schule geschlossen")
    loaded = Message.objects.get(pk=message.pk)  # what the claim loads after the commit

    assert loaded.status == MessageStatus.SENDING  # the worker has it: not skipped here
    assert _deliver_claimed(loaded, now=now).status == MessageStatus.SKIPPED
    assert mail.outbox == []


def test_a_row_a_worker_loaded_before_the_change_goes_out_and_the_follow_up_after_it(
    confirmed, staff
):
    message = row(K.BOOKING_CONFIRMED, recipient_email="mona@example.org")
    now = timezone.now()
    [loaded] = messages_claim(message_ids=[message.pk], now=now)

    booking_cancel(booking=confirmed, actor=staff.user, reason="Schule geschlossen")

    assert _deliver_claimed(loaded, now=now).status == MessageStatus.SENT
    cancellation = row(K.BOOKING_CANCELLED, recipient_email="mona@example.org")
    assert deliver(cancellation) == MessageStatus.SENT  # it counted as gone out


def test_a_change_first_leaves_nothing_to_claim(confirmed, staff):
    booking_cancel(booking=confirmed, actor=staff.user, reason="Schule geschlossen")

    ids = list(Message.objects.filter(kind=K.BOOKING_CONFIRMED).values_list("pk", flat=True))

    assert messages_claim(message_ids=ids, now=timezone.now()) == []


def test_a_voided_message_sent_again_by_a_coordinator_is_skipped_again(confirmed, staff):
    booking_cancel(booking=confirmed, actor=staff.user, reason="Schule geschlossen")
    message = row(K.BOOKING_CONFIRMED, recipient_email="mona@example.org")

    assert message_resend(message=message)
    assert deliver(message) == MessageStatus.SKIPPED
    assert mail.outbox == []


def test_a_failed_message_made_stale_is_not_sent_by_a_resend(confirmed, staff):
    message = row(K.BOOKING_CONFIRMED, recipient_email="mona@example.org")
    Message.objects.filter(pk=message.pk).update(status=MessageStatus.FAILED)

    booking_cancel(booking=confirmed, actor=staff.user, reason="Schule geschlossen")
    message.refresh_from_db()

    assert message.status == MessageStatus.FAILED  # the coordinators' list is unchanged
    assert message_resend(message=message)
    assert deliver(message) == MessageStatus.SKIPPED
    assert mail.outbox == []
