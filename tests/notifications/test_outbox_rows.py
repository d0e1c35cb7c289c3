"""Every message is an outbox row written in the transaction of the change that causes it."""

import pytest
from django.db import transaction

from bookings.constants import OfferStatus, Status
from bookings.messages.hooks import (
    alert_notify,
    offer_made_notify,
    offer_withdrawn_notify,
    standby_notify,
)
from bookings.models import Alert, Standby
from bookings.services import booking_cancel
from bookings.state_machine import record_event, transition
from core.constants import ActorRole
from notifications.constants import MessageKind, MessageStatus
from notifications.models import Message
from notifications.services import account_invitation_notify
from tests.bookings.factories import OfferFactory
from tests.institutions.factories import CoordinatorFactory, UserFactory

from .conftest import confirm

pytestmark = pytest.mark.django_db


def kinds_and_recipients():
    return sorted(Message.objects.values_list("kind", "recipient_email"))


def test_confirming_writes_one_confirmation_to_each_side(booking, mediator, staff):
    confirm(booking, mediator)

    assert kinds_and_recipients() == [
        (MessageKind.BOOKING_CONFIRMED, "lehrerin@example.org"),
        (MessageKind.BOOKING_CONFIRMED, "mona@example.org"),
    ]
    rows = {m.recipient_email: m for m in Message.objects.all()}
    assert rows["mona@example.org"].language == "en"
    assert rows["lehrerin@example.org"].language == "de"
    assert all(m.status == MessageStatus.PENDING for m in rows.values())
    assert all(m.booking_id == booking.pk and m.pool_id == booking.pool_id for m in rows.values())


def test_a_rolled_back_change_leaves_no_row_and_enqueues_nothing(
    booking, mediator, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        with pytest.raises(RuntimeError), transaction.atomic():
            confirm(booking, mediator)
            assert Message.objects.count() == 2  # written inside the transaction
            raise RuntimeError("the change fails after the messages were written")

    assert Message.objects.count() == 0
    assert callbacks == []
    booking.refresh_from_db()
    assert booking.status == Status.REQUESTED


def test_delivery_is_enqueued_once_per_change_only_after_commit(
    booking, mediator, django_capture_on_commit_callbacks, monkeypatch
):
    from notifications import tasks

    sent = []
    monkeypatch.setattr(tasks.deliver_messages, "apply_async", lambda args, **kw: sent.append(args))
    with django_capture_on_commit_callbacks() as callbacks:
        confirm(booking, mediator)
        assert sent == []  # nothing leaves before the commit

    for callback in callbacks:
        callback()
    assert sent == [(sorted(Message.objects.values_list("pk", flat=True)),)]


def test_a_change_after_confirmation_writes_changed_messages(confirmed, mediator):
    Message.objects.all().delete()
    confirmed.sequence += 1
    confirmed.save(update_fields=["sequence"])

    record_event(
        booking=confirmed,
        from_status=Status.CONFIRMED,
        to_status=Status.CONFIRMED,
        actor_role=ActorRole.INSTITUTION,
        data={"changes": {"starts_at": ["a", "b"]}},
    )

    assert {k for k, _ in kinds_and_recipients()} == {MessageKind.BOOKING_CHANGED}
    assert Message.objects.get(recipient_email="mona@example.org").booking_sequence == 1


def test_cancelling_a_confirmed_booking_tells_both_sides_with_a_calendar_cancel(confirmed, staff):
    Message.objects.all().delete()

    booking_cancel(booking=confirmed, actor=staff.user, reason="Schule geschlossen")

    rows = list(Message.objects.all())
    assert {m.kind for m in rows} == {MessageKind.BOOKING_CANCELLED}
    assert {m.recipient_email for m in rows} == {"lehrerin@example.org", "mona@example.org"}
    assert all(m.context["calendar"] for m in rows)


def test_an_institution_cancelling_its_open_request_gets_no_message(booking, staff):
    booking_cancel(booking=booking, actor=staff.user, reason="Termin entfällt")

    assert Message.objects.count() == 0


def test_a_coordinator_cancelling_an_open_request_tells_the_institution_without_calendar(
    booking,
):
    coordinator = CoordinatorFactory(pool=booking.pool)
    transition(
        booking,
        to=Status.CANCELLED,
        actor=coordinator.user,
        actor_role=ActorRole.COORDINATOR,
        reason="Budget erschöpft",
        changes={"cancelled_by_role": ActorRole.COORDINATOR},
    )

    message = Message.objects.get()
    assert (message.kind, message.recipient_email) == (
        MessageKind.BOOKING_CANCELLED,
        "lehrerin@example.org",
    )
    assert message.context["calendar"] is False


def test_a_mediator_giving_back_reopens_and_cancels_only_their_calendar(confirmed, mediator):
    Message.objects.all().delete()

    booking_cancel(booking=confirmed, actor=mediator.user, reason="krank")

    assert kinds_and_recipients() == [
        (MessageKind.BOOKING_CANCELLED, "mona@example.org"),
        (MessageKind.BOOKING_REOPENED, "lehrerin@example.org"),
    ]


def test_completion_asks_the_mediator_for_the_report_once(confirmed):
    Message.objects.all().delete()

    transition(confirmed, to=Status.COMPLETED, actor_role=ActorRole.SYSTEM)

    assert kinds_and_recipients() == [(MessageKind.REPORT_REQUEST, "mona@example.org")]


def test_offer_messages_and_their_keys(mediator, booking):
    offer = OfferFactory(booking=booking, mediator=mediator)

    offer_made_notify(offer=offer)
    offer_made_notify(offer=offer)  # the same call twice writes one row
    offer.status = OfferStatus.WITHDRAWN
    offer.save()
    offer_withdrawn_notify(offer=offer)

    assert kinds_and_recipients() == [
        (MessageKind.OFFER_MADE, "mona@example.org"),
        (MessageKind.OFFER_WITHDRAWN, "mona@example.org"),
    ]
    assert Message.objects.get(kind=MessageKind.OFFER_MADE).context["link_id"]


def test_standby_request_and_release_go_to_the_standby(confirmed, mediator):
    standby_mediator = type(mediator).objects.create(
        user=UserFactory(username="sam"), pool=mediator.pool, gender="male", home_postal_code="1"
    )
    standby = Standby.objects.create(booking=confirmed, mediator=standby_mediator)
    Message.objects.all().delete()

    standby_notify(standby=standby)
    standby_notify(standby=standby, released=True)

    assert kinds_and_recipients() == [
        (MessageKind.STANDBY_RELEASE, "sam@example.org"),
        (MessageKind.STANDBY_REQUEST, "sam@example.org"),
    ]


def test_an_alert_goes_to_every_active_coordinator_of_the_pool(booking):
    CoordinatorFactory(pool=booking.pool, user=UserFactory(username="koord1"))
    CoordinatorFactory(pool=booking.pool, user=UserFactory(username="koord2", is_active=False))
    CoordinatorFactory(user=UserFactory(username="other_pool"))
    alert = Alert.objects.create(pool=booking.pool, booking=booking, kind="unfilled", message="x")

    alert_notify(alert=alert)

    assert kinds_and_recipients() == [(MessageKind.ALERT, "koord1@example.org")]


def test_an_account_invitation_is_written_in_the_given_language(staff):
    user = UserFactory(username="neu")

    account_invitation_notify(user=user, pool=staff.institution.pool, language="en")

    message = Message.objects.get()
    assert (message.kind, message.language, message.recipient_user) == (
        MessageKind.ACCOUNT_INVITATION,
        "en",
        user,
    )
