"""The coordinator's booking page when nobody is found: the near misses with their reasons,
ask one anyway, move to another time, tell the institution; who was asked and until when."""

import pytest
from django.urls import reverse

from bookings.constants import NobodyFoundReason, OfferStatus, Status
from bookings.models import BookingEvent, Offer, OfferOverride
from notifications.constants import MessageKind
from notifications.models import Message
from notifications.rendering import render_email
from tests.bookings.factories import OfferFactory
from tests.bookings.matching.scenario import (
    AACHEN,
    DAY,
    NOW,
    VIERSEN,
    at,
    make_booking,
    make_mediator,
    make_pool,
)
from tests.clock import frozen
from tests.institutions.factories import CoordinatorFactory, StaffFactory, UserFactory

pytestmark = [pytest.mark.django_db, frozen(NOW)]


@pytest.fixture
def stuck():
    """An unfilled booking in Viersen; one Arabic speaker lives in Aachen (out of range),
    one has not signed the pledge."""
    pool = make_pool(name="KI Kreis Viersen")
    far = make_mediator(pool, home=AACHEN, user=UserFactory(first_name="Amal", last_name="Far"))
    unvetted = make_mediator(
        pool, pledge_signed_on=None, user=UserFactory(first_name="Basil", last_name="New")
    )
    booking = make_booking(pool, place=VIERSEN, status=Status.UNFILLED, starts_at=at(hour=10))
    coordinator = CoordinatorFactory(pool=pool)
    return {"booking": booking, "far": far, "unvetted": unvetted, "coordinator": coordinator}


def page(client, booking):
    return client.get(reverse("web:coordinator-booking", args=[booking.pk]))


def test_the_page_shows_the_near_misses_with_their_reasons_and_whom_to_ask(page_for, stuck):
    client = page_for(stuck["coordinator"].user)

    html = page(client, stuck["booking"]).content.decode()

    assert "Near misses" in html
    assert "Amal Far" in html and "outside the 30 km range" in html
    assert "Basil New" in html and "confidentiality pledge not signed" in html
    # Only the one whose rules consent may waive can be asked anyway.
    assert html.count('name="mediator" value="') == 1
    assert f'value="{stuck["far"].pk}"' in html


def test_asking_anyway_from_the_page_sends_an_offer_with_the_override(page_for, stuck):
    client = page_for(stuck["coordinator"].user)
    booking = stuck["booking"]

    response = client.post(
        reverse("web:coordinator-ask-anyway", args=[booking.pk]),
        {"mediator": stuck["far"].pk, "reason": "Offered to drive"},
    )

    assert response.status_code == 302
    offer = Offer.objects.get(booking=booking, mediator=stuck["far"])
    assert offer.status == OfferStatus.PENDING
    assert offer.override.reason == "Offered to drive"
    html = page(client, booking).content.decode()
    assert "Who was asked" in html and "asked anyway by" in html


def test_asking_a_protected_near_miss_is_refused_and_changes_nothing(page_for, stuck):
    client = page_for(stuck["coordinator"].user)
    booking = stuck["booking"]

    response = client.post(
        reverse("web:coordinator-ask-anyway", args=[booking.pk]),
        {"mediator": stuck["unvetted"].pk, "reason": "please"},
        follow=True,
    )

    assert "cannot be waived" in response.content.decode()
    assert not Offer.objects.filter(booking=booking).exists()
    assert not OfferOverride.objects.exists()


def test_another_coordinators_pool_cannot_see_or_ask(page_for, stuck):
    other = CoordinatorFactory(pool=make_pool())
    client = page_for(other.user)
    booking = stuck["booking"]
    assert page(client, booking).status_code == 404
    response = client.post(
        reverse("web:coordinator-ask-anyway", args=[booking.pk]),
        {"mediator": stuck["far"].pk, "reason": "x"},
    )
    assert response.status_code == 404
    assert not Offer.objects.exists()


def test_staff_cannot_ask_anyway(page_for, stuck):
    staff = StaffFactory(institution=stuck["booking"].institution)
    response = page_for(staff.user).post(
        reverse("web:coordinator-ask-anyway", args=[stuck["booking"].pk]),
        {"mediator": stuck["far"].pk, "reason": "x"},
    )
    assert response.status_code in (302, 403)
    assert not Offer.objects.exists()


def test_other_times_are_offered_and_the_booking_moves_to_one(
    page_for, stuck, django_capture_on_commit_callbacks
):
    # Someone near, but only free on Tuesday afternoons.
    near = make_mediator(stuck["booking"].pool, slots=((DAY.weekday(), 14),))
    client = page_for(stuck["coordinator"].user)
    booking = stuck["booking"]
    html = page(client, booking).content.decode()
    assert "Other times" in html and 'name="starts_at"' in html

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("web:coordinator-move", args=[booking.pk]),
            {"starts_at": at(hour=14).isoformat(), "reason": "The school agreed by phone"},
        )

    assert response.status_code == 302
    booking.refresh_from_db()
    assert booking.starts_at == at(hour=14)
    assert booking.status in (Status.REQUESTED, Status.OFFERED)
    assert Offer.objects.filter(booking=booking, mediator=near).exists()


def test_telling_the_institution_writes_a_message_in_its_language_and_an_event(page_for, stuck):
    booking = stuck["booking"]
    staff = StaffFactory(institution=booking.institution, language="en")
    booking.requested_by = staff.user
    booking.save(update_fields=["requested_by"])
    make_mediator(booking.pool, slots=((DAY.weekday(), 14),))
    client = page_for(stuck["coordinator"].user)

    response = client.post(
        reverse("web:coordinator-tell-institution", args=[booking.pk]),
        {"reason": NobodyFoundReason.OTHER_TIME, "with_times": "on"},
    )

    assert response.status_code == 302
    event = BookingEvent.objects.get(booking=booking, data__has_key="institution_told")
    assert event.actor == stuck["coordinator"].user
    assert event.data["institution_told"]["reason"] == "other_time"
    assert event.data["institution_told"]["times"]
    message = Message.objects.get(kind=MessageKind.NOBODY_FOUND)
    assert message.recipient_email == staff.user.email
    email = render_email(message)
    assert email.subject.startswith("No language mediator found yet")
    assert "Please propose another time" in email.body
    assert "Someone is available at:" in email.body


def test_telling_the_institution_needs_a_known_reason(page_for, stuck):
    client = page_for(stuck["coordinator"].user)
    client.post(
        reverse("web:coordinator-tell-institution", args=[stuck["booking"].pk]),
        {"reason": "because"},
    )
    assert not Message.objects.filter(kind=MessageKind.NOBODY_FOUND).exists()
    assert not BookingEvent.objects.filter(data__has_key="institution_told").exists()


def test_a_booking_on_offer_shows_who_was_asked_when_and_until_when(page_for):
    pool = make_pool()
    mediator = make_mediator(pool, user=UserFactory(first_name="Dana", last_name="Asked"))
    booking = make_booking(pool, status=Status.OFFERED)
    OfferFactory(booking=booking, mediator=mediator, expires_at=at(DAY, 8))
    client = page_for(CoordinatorFactory(pool=pool).user)

    html = page(client, booking).content.decode()

    assert "Who was asked" in html and "Dana Asked" in html
    assert "Answer by" in html


def test_the_applied_plan_lists_what_it_could_not_fill_with_reasons_and_explains_one_by_one(
    page_for,
):
    from bookings.planner.services import plan_apply, plan_create

    pool = make_pool()
    make_mediator(pool, home=VIERSEN, user=UserFactory(first_name="Nour", last_name="Near"))
    make_mediator(pool, home=AACHEN, user=UserFactory(first_name="Amal", last_name="Far"))
    # Two requests at the same time in Viersen: the one mediator in range fills one; for
    # the other, the one in Aachen is out of range.
    first = make_booking(pool, starts_at=at(hour=10))
    second = make_booking(pool, starts_at=at(hour=10), institution=first.institution)
    coordinator = CoordinatorFactory(pool=pool)
    run = plan_create(
        pool=pool, starts_on=DAY, ends_on=DAY, actor=coordinator.user, seconds=2, now=NOW
    )
    assert run.filled == 1
    open_id = run.unfilled[0]["booking"]
    assert run.unfilled == [{"booking": open_id, "eligible": 1}]
    plan_apply(run=run, actor=coordinator.user, now=NOW)

    html = (
        page_for(coordinator.user)
        .get(reverse("web:coordinator-plan", args=[run.pk]))
        .content.decode()
    )

    assert "Requests the plan could not fill" in html
    assert reverse("web:coordinator-booking", args=[open_id]) in html
    assert "1 mediator met every rule, but the plan needed them for other requests." in html
    assert "without looking ahead" in html  # "filled one after another" in plain words
    assert open_id in (first.pk, second.pk)


def test_a_plan_names_the_closest_near_miss_of_a_request_nobody_could_take(page_for):
    from bookings.planner.services import plan_create

    pool = make_pool()
    make_mediator(pool, home=AACHEN, user=UserFactory(first_name="Amal", last_name="Far"))
    booking = make_booking(pool, starts_at=at(hour=10))
    coordinator = CoordinatorFactory(pool=pool)
    run = plan_create(
        pool=pool, starts_on=DAY, ends_on=DAY, actor=coordinator.user, seconds=2, now=NOW
    )

    html = (
        page_for(coordinator.user)
        .get(reverse("web:coordinator-plan", args=[run.pk]))
        .content.decode()
    )

    assert run.unfilled == [{"booking": booking.pk, "eligible": 0}]
    assert "Nobody met every rule for it." in html
    assert "Amal Far" in html and "outside the 30 km range" in html


def test_the_mediator_sees_on_the_offers_page_why_they_are_asked_in_their_language(page_for, stuck):
    from bookings.services.nobody_found import offer_with_consent

    offer_with_consent(
        booking=stuck["booking"],
        mediator=stuck["far"],
        actor=stuck["coordinator"].user,
        reason="x",
        now=NOW,
    )

    english = page_for(stuck["far"].user).get(reverse("web:mediator-offers")).content.decode()
    arabic = page_for(stuck["far"].user, "ar").get(reverse("web:mediator-offers")).content.decode()

    assert "although this appointment lies outside your travel range" in english
    assert "نطاق تنقلك" in arabic


def test_the_page_offers_to_widen_to_a_pool_that_helps_on_request_and_widening_asks_there(
    page_for, stuck, django_capture_on_commit_callbacks
):
    booking = stuck["booking"]
    krefeld = make_pool(name="KI Krefeld")
    krefeld.helps_on_request.add(booking.pool)
    helper = make_mediator(krefeld, user=UserFactory(first_name="Hana", last_name="Helper"))
    client = page_for(stuck["coordinator"].user)

    html = page(client, booking).content.decode()

    assert "Widen to KI Krefeld" in html
    assert "The mediators of KI Krefeld who are eligible will be asked." in html
    assert reverse("web:coordinator-widen", args=[booking.pk]) in html
    assert f'name="pool" value="{krefeld.pk}"' in html

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("web:coordinator-widen", args=[booking.pk]),
            {"pool": krefeld.pk, "reason": "Nobody here in the holidays"},
            follow=True,
        )

    assert "1 of its mediators is eligible and may now be asked" in response.content.decode()
    assert Offer.objects.get(booking=booking).mediator == helper
    event = BookingEvent.objects.get(booking=booking, data__has_key="widened_to")
    assert event.reason == "Nobody here in the holidays"

    again = client.post(
        reverse("web:coordinator-widen", args=[booking.pk]), {"pool": krefeld.pk}, follow=True
    )
    assert "already includes the mediators of KI Krefeld" in again.content.decode()
    assert BookingEvent.objects.filter(booking=booking, data__has_key="widened_to").count() == 1


def test_without_a_pool_that_helps_the_page_says_so_and_a_post_is_refused(page_for, stuck):
    booking = stuck["booking"]
    stranger = make_pool(name="KI Fremd")
    client = page_for(stuck["coordinator"].user)

    html = page(client, booking).content.decode()
    assert "No pool helps yours on request." in html
    assert "Widen to" not in html

    response = client.post(
        reverse("web:coordinator-widen", args=[booking.pk]), {"pool": stranger.pk}, follow=True
    )
    assert "This pool does not help your pool on request." in response.content.decode()
    assert not booking.widened_to.exists()
    assert not BookingEvent.objects.filter(booking=booking).exists()


def test_another_pools_coordinator_and_staff_cannot_widen(page_for, stuck):
    booking = stuck["booking"]
    krefeld = make_pool(name="KI Krefeld")
    krefeld.helps_on_request.add(booking.pool)
    url = reverse("web:coordinator-widen", args=[booking.pk])
    helping = page_for(CoordinatorFactory(pool=krefeld).user)
    assert helping.post(url, {"pool": krefeld.pk}).status_code == 404
    staff = page_for(StaffFactory(institution=booking.institution).user)
    assert staff.post(url, {"pool": krefeld.pk}).status_code in (302, 403)
    assert not booking.widened_to.exists()
