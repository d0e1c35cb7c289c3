"""Unfilled requests are tried again when something changes, and offers follow eligibility.

A change that may let a mediator serve an unfilled request - vetting completed, availability
added, an absence removed, an appointment cancelled that held them - matches the unfilled
requests of their languages, time and place again after the commit, and leaves the others
alone; nobody is asked again who declined. A change that makes a mediator ineligible for an
offer they hold - an absence, a pause, a lapsed certificate, a narrower range, a language
less, a slot removed - withdraws that offer in the same transaction and offers the booking to
the next candidate. The coordinator's "nobody found" alert resolves itself once the request
is filled.
"""

import datetime

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from bookings.constants import AlertKind, Mode, OfferStatus, Status
from bookings.exceptions import BookingConflict
from bookings.matching.selectors import unfilled_requests_for
from bookings.models import Alert, BookingEvent, Offer
from bookings.selectors import work_list_for
from bookings.services import booking_cancel
from bookings.services.offers import booking_match, offer_accept, offer_decline
from bookings.services.rematch import Scope
from bookings.state_machine import can_transition
from bookings.tasks import unfilled_rematch_task
from mediators.models import Language
from mediators.services import (
    MEDIATOR_EDITABLE,
    LanguageSkill,
    absence_create,
    absence_delete,
    availability_slot_create,
    availability_slot_delete,
    mediator_pause,
    mediator_resume,
    mediator_update,
)
from notifications.constants import MessageKind, MessageStatus
from notifications.models import Message
from tests.clock import frozen
from tests.institutions.factories import CoordinatorFactory, InstitutionFactory, StaffFactory
from tests.mediators.factories import AbsenceFactory, LanguageFactory
from tests.support.commit import after_commit

from .scenario import (
    AACHEN,
    DAY,
    KEMPEN,
    NETTETAL,
    NOW,
    VIERSEN,
    at,
    hold,
    make_booking,
    make_mediator,
    make_pool,
)

# Cancellations and the re-matching task after the commit read the clock: it is NOW.
pytestmark = [pytest.mark.django_db, frozen(NOW)]

TUESDAY = DAY.weekday()  # DAY is a Tuesday
WEDNESDAY = DAY + datetime.timedelta(days=1)


def persian() -> Language:
    return LanguageFactory(code="fas", name_de="Persisch", name_en="Persian")


def unfilled(pool, **kwargs):
    """A request that went unfilled the real way: matching found nobody, coordinators were
    alerted."""
    booking = make_booking(pool, **kwargs)
    booking_match(booking_id=booking.pk, now=NOW)
    booking.refresh_from_db()
    assert booking.status == Status.UNFILLED
    assert Alert.objects.filter(booking=booking, kind=AlertKind.UNFILLED, resolved_at=None)
    return booking


def status(booking) -> str:
    booking.refresh_from_db()
    return booking.status


def offered_to(booking) -> list[int]:
    return list(
        Offer.objects.filter(booking=booking, status=OfferStatus.PENDING).values_list(
            "mediator_id", flat=True
        )
    )


def test_the_state_machine_lets_an_unfilled_request_be_matched_again():
    assert can_transition(Status.UNFILLED, Status.REQUESTED)
    assert can_transition(Status.UNFILLED, Status.OFFERED)


# -- triggers: each matches the unfilled requests it can serve, and no other ----------------


def test_vetting_a_new_mediator_matches_the_unfilled_requests_of_their_language_and_range(
    django_capture_on_commit_callbacks,
):
    pool = make_pool()
    newcomer = make_mediator(pool, training_completed_on=None, pledge_signed_on=None)
    request = unfilled(pool)
    other_language = unfilled(pool, language=persian())
    out_of_range = unfilled(pool, place=AACHEN)  # some 60 km from Viersen, the range is 30

    with django_capture_on_commit_callbacks(execute=True):
        mediator_update(
            mediator=newcomer,
            data={"training_completed_on": NOW.date(), "pledge_signed_on": NOW.date()},
        )

    assert status(request) == Status.OFFERED and offered_to(request) == [newcomer.pk]
    assert status(other_language) == Status.UNFILLED and not offered_to(other_language)
    assert status(out_of_range) == Status.UNFILLED and not offered_to(out_of_range)


def test_added_availability_matches_the_unfilled_requests_in_its_hours_only(
    django_capture_on_commit_callbacks,
):
    pool = make_pool()
    mediator = make_mediator(pool, slots=())
    in_the_slot = unfilled(pool, starts_at=at(DAY, 10))
    afternoon = unfilled(pool, starts_at=at(DAY, 15))
    next_day = unfilled(pool, starts_at=at(WEDNESDAY, 10))

    with django_capture_on_commit_callbacks(execute=True):
        availability_slot_create(
            mediator=mediator,
            weekday=TUESDAY,
            start_time=datetime.time(8),
            end_time=datetime.time(12),
        )

    assert status(in_the_slot) == Status.OFFERED and offered_to(in_the_slot) == [mediator.pk]
    assert status(afternoon) == Status.UNFILLED
    assert status(next_day) == Status.UNFILLED


def test_a_removed_absence_matches_the_unfilled_requests_of_its_days(
    django_capture_on_commit_callbacks,
):
    pool = make_pool()
    mediator = make_mediator(pool)
    absence = AbsenceFactory(mediator=mediator, starts_on=DAY, ends_on=DAY)
    request = unfilled(pool)
    other_language = unfilled(pool, language=persian())
    # Nobody else speaks it either; the absence's days do not reach a week later.
    later = make_booking(pool, starts_at=at(DAY + datetime.timedelta(days=7)))
    later.status = Status.UNFILLED
    later.save(update_fields=["status"])

    with django_capture_on_commit_callbacks(execute=True):
        absence_delete(absence=absence)

    assert status(request) == Status.OFFERED and offered_to(request) == [mediator.pk]
    assert status(other_language) == Status.UNFILLED
    assert status(later) == Status.UNFILLED and not offered_to(later)


def test_a_cancelled_appointment_frees_its_mediator_for_the_unfilled_requests_of_that_time(
    django_capture_on_commit_callbacks,
):
    pool = make_pool()
    mediator = make_mediator(pool)
    held = hold(mediator, starts_at=at(DAY, 10))
    request = unfilled(pool, starts_at=at(DAY, 10, 30))  # the mediator is busy then
    # Unfilled for a reason of its own (written as such): three days later is another time.
    other_time = make_booking(pool, starts_at=at(DAY + datetime.timedelta(days=3), 10))
    other_time.status = Status.UNFILLED
    other_time.save(update_fields=["status"])
    staff = StaffFactory(institution=held.institution)

    with django_capture_on_commit_callbacks(execute=True):
        booking_cancel(booking=held, actor=staff.user, reason="Termin entfällt")

    assert status(request) == Status.OFFERED and offered_to(request) == [mediator.pk]
    assert status(other_time) == Status.UNFILLED and not offered_to(other_time)


def test_a_mediator_who_declined_is_not_asked_again(django_capture_on_commit_callbacks):
    pool = make_pool()
    mediator = make_mediator(pool)
    request = make_booking(pool)
    booking_match(booking_id=request.pk, now=NOW)
    with after_commit():
        offer_decline(offer=Offer.objects.get(booking=request), mediator=mediator, now=NOW)
    assert status(request) == Status.UNFILLED

    with django_capture_on_commit_callbacks(execute=True):
        mediator_update(mediator=mediator, data={"max_travel_km": 60})
        absence_delete(absence=AbsenceFactory(mediator=mediator, starts_on=DAY, ends_on=DAY))

    assert status(request) == Status.UNFILLED
    assert not offered_to(request)
    assert Offer.objects.get(booking=request).status == OfferStatus.DECLINED
    assert unfilled_requests_for(mediator, now=NOW) == []


def test_rematching_offers_the_best_candidate_and_others_who_never_answered_later(
    django_capture_on_commit_callbacks,
):
    """The change lets matching run again for everybody: the best eligible candidate who has
    not answered the request gets the offer, not necessarily the one who changed."""
    pool = make_pool()
    pool.weight_fairness = pool.weight_preferences = pool.weight_reliability = 0
    pool.save()
    near = make_mediator(pool, home=VIERSEN, active=False)
    far = make_mediator(pool, home=KEMPEN, slots=())
    request = unfilled(pool)
    mediator_resume(mediator=near, by=None)  # rolled into the test transaction

    with django_capture_on_commit_callbacks(execute=True):
        availability_slot_create(
            mediator=far, weekday=TUESDAY, start_time=datetime.time(8), end_time=datetime.time(12)
        )

    assert offered_to(request) == [near.pk]


def test_the_unfilled_requests_of_a_change_are_narrowed_in_sql_and_capped():
    pool = make_pool()
    mediator = make_mediator(pool)
    requests = [
        make_booking(pool, starts_at=at(DAY, 8 + i), status=Status.UNFILLED) for i in range(5)
    ]
    make_booking(pool, starts_at=at(DAY, 9), status=Status.REQUESTED)  # not unfilled
    video = make_booking(pool, starts_at=at(DAY, 13), status=Status.UNFILLED, mode=Mode.VIDEO)
    make_booking(
        InstitutionFactory().pool, starts_at=at(DAY, 9), status=Status.UNFILLED
    )  # another pool, not sharing its mediators
    past_deadline = make_booking(
        pool, starts_at=NOW + datetime.timedelta(hours=2), status=Status.UNFILLED
    )

    with CaptureQueriesContext(connection) as queries:
        found = unfilled_requests_for(mediator, now=NOW, limit=3)
    assert len(queries) <= 3
    assert found == [r.pk for r in requests[:3]]
    everything = unfilled_requests_for(mediator, now=NOW)
    assert everything == [*(r.pk for r in requests), video.pk]
    assert past_deadline.pk not in everything

    between = (at(DAY, 9, 30), at(DAY, 10, 30))
    assert unfilled_requests_for(mediator, now=NOW, between=between) == [
        requests[1].pk,
        requests[2].pk,
    ]
    slot = (TUESDAY, datetime.time(11), datetime.time(12))
    assert unfilled_requests_for(mediator, now=NOW, slot=slot) == [requests[3].pk]


# -- offers follow eligibility ---------------------------------------------------------------


def offered_in_cascade(pool, **booking):
    """A cascade pool, three mediators by distance; the booking is offered to the nearest."""
    pool.weight_fairness = pool.weight_preferences = pool.weight_reliability = 0
    pool.save()
    first, second, third = (make_mediator(pool, home=h) for h in (VIERSEN, NETTETAL, KEMPEN))
    request = make_booking(pool, **booking)
    booking_match(booking_id=request.pk, now=NOW)
    assert offered_to(request) == [first.pk]
    return request, first, second


def _absence(mediator):
    absence_create(mediator=mediator, starts_on=DAY, ends_on=DAY)


def _pause(mediator):
    mediator_pause(mediator=mediator, by=None, reason="")


def _self_unavailable(mediator):
    mediator_update(mediator=mediator, data={"self_unavailable": True}, allowed=MEDIATOR_EDITABLE)


def _certificate_lapses(mediator):
    mediator_update(
        mediator=mediator,
        data={
            "police_certificate_inspected_on": DAY - datetime.timedelta(days=400),
            "police_certificate_valid_until": DAY - datetime.timedelta(days=1),
        },
    )


def _range(mediator):
    mediator_update(mediator=mediator, data={"max_travel_km": 0})


def _languages(mediator):
    mediator_update(mediator=mediator, data={}, languages=[LanguageSkill(persian(), level=3)])


def _slot_removed(mediator):
    availability_slot_delete(slot=mediator.availability.get(weekday=TUESDAY))


CHANGES = {
    "absence": _absence,
    "pause": _pause,
    "self_unavailable": _self_unavailable,
    "certificate": _certificate_lapses,
    "range": _range,
    "languages": _languages,
    "slot": _slot_removed,
}


@pytest.mark.parametrize("change", CHANGES)
def test_a_change_that_makes_the_offered_mediator_ineligible_withdraws_the_offer_and_cascades(
    change, django_capture_on_commit_callbacks
):
    pool = make_pool()
    # A school some 3 km from the nearest mediator's home, with children there.
    request, first, second = offered_in_cascade(pool, place=(51.28, 6.40), with_children=True)
    offer = Offer.objects.get(booking=request, mediator=first)

    with django_capture_on_commit_callbacks(execute=False) as callbacks, transaction.atomic():
        CHANGES[change](first)
        # In the change's own transaction, before anything after the commit ran:
        offer.refresh_from_db()
        assert offer.status == OfferStatus.WITHDRAWN
        assert offered_to(request) == [second.pk]
    for callback in callbacks:
        callback()

    assert status(request) == Status.OFFERED
    assert Message.objects.filter(kind=MessageKind.OFFER_WITHDRAWN, offer=offer).exists()
    with after_commit(), pytest.raises(BookingConflict) as refused:
        offer_accept(offer=offer, mediator=first, now=NOW)
    assert refused.value.code == "offer_closed"


def test_a_change_that_leaves_the_mediator_eligible_keeps_the_offer():
    pool = make_pool()
    request, first, _ = offered_in_cascade(pool)

    absence_create(mediator=first, starts_on=WEDNESDAY, ends_on=WEDNESDAY)
    mediator_update(mediator=first, data={"max_travel_km": 29, "phone": "0211 1234"})

    assert offered_to(request) == [first.pk]


def test_when_nobody_is_left_the_withdrawn_offer_leaves_the_request_unfilled_with_an_alert():
    pool = make_pool()
    CoordinatorFactory(pool=pool)
    only = make_mediator(pool)
    request = make_booking(pool)
    booking_match(booking_id=request.pk, now=NOW)

    _pause(only)

    assert status(request) == Status.UNFILLED
    assert Alert.objects.filter(booking=request, kind=AlertKind.UNFILLED, resolved_at=None)


# -- the alert resolves itself ---------------------------------------------------------------


def test_the_nobody_found_alert_resolves_itself_when_the_rematched_request_is_filled(
    django_capture_on_commit_callbacks,
):
    pool = make_pool()
    coordinator = CoordinatorFactory(pool=pool)
    mediator = make_mediator(pool, slots=())
    request = unfilled(pool)
    alert = Alert.objects.get(booking=request, kind=AlertKind.UNFILLED)
    alert_mail = Message.objects.get(kind=MessageKind.ALERT, context__alert_id=alert.pk)
    assert alert_mail.status == MessageStatus.PENDING
    work_list = work_list_for(coordinator, now=NOW)
    assert request in work_list.unfilled and alert in work_list.alerts

    # The alert's e-mail is still in the outbox (its delivery after the commit is left out).
    availability_slot_create(
        mediator=mediator, weekday=TUESDAY, start_time=datetime.time(8), end_time=datetime.time(12)
    )
    unfilled_rematch_task(
        mediator.pk, Scope(slot=(TUESDAY, datetime.time(8), datetime.time(12))).as_json()
    )
    # Matched again through the state machine: unfilled → requested → offered.
    assert list(
        BookingEvent.objects.filter(booking=request)
        .order_by("pk")
        .values_list("from_status", "to_status")
    )[-2:] == [(Status.UNFILLED, Status.REQUESTED), (Status.REQUESTED, Status.OFFERED)]
    assert request not in work_list_for(coordinator, now=NOW).unfilled

    with after_commit():
        offer_accept(offer=Offer.objects.get(booking=request), mediator=mediator, now=NOW)

    alert.refresh_from_db()
    alert_mail.refresh_from_db()
    assert alert.resolved_at == NOW
    assert alert_mail.status == MessageStatus.SKIPPED
    work_list = work_list_for(coordinator, now=NOW)
    assert request not in work_list.unfilled and alert not in work_list.alerts


def test_an_absence_entered_in_the_admin_inline_withdraws_the_offer_too(rf):
    """The admin saves its inlines itself; a changed inline counts as an eligibility change."""
    from django.contrib import admin

    from mediators.models import Mediator

    pool = make_pool()
    request, first, second = offered_in_cascade(pool)

    class Saved:
        """A formset as the admin hands it to ``save_related``, after the user's edit."""

        def __init__(self, changed: bool) -> None:
            self.changed = changed

        def has_changed(self) -> bool:
            return self.changed

        def save(self) -> None:
            if self.changed:
                AbsenceFactory(mediator=first, starts_on=DAY, ends_on=DAY)

    class Form:
        instance = first

        def save_m2m(self) -> None:
            pass

    model_admin = admin.site._registry[Mediator]
    model_admin.save_related(rf.post("/"), Form(), [Saved(False)], change=True)
    assert offered_to(request) == [first.pk]  # nothing changed, nothing withdrawn

    model_admin.save_related(rf.post("/"), Form(), [Saved(False), Saved(True)], change=True)

    assert offered_to(request) == [second.pk]
