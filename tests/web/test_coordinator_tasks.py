"""The coordinator's daily tasks on the pages, each through its service: a request filed for
an institution that phones in (the intake rules hold; shorter notice only with a reason that
is recorded), a new time or place with a summary of what will happen before anything
changes, a disputed report settled, a no-show, the travel of a late cancellation filed on a
mediator's behalf, a conflict of interest declared and lifted. Each is a POST with CSRF,
within the coordinator's pool (404 beyond it, 403 for other roles), refusing bad input with
a message and changing nothing then."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from bookings.constants import ReportStatus, RescheduleOutcome, Status
from bookings.models import Allowance, Booking, BookingEvent, Report
from core.constants import ActorRole
from mediators.models import ConflictOfInterest
from tests.bookings.factories import BookingFactory
from tests.bookings.lifecycle import berlin
from tests.bookings.test_reschedule_rechecks import (
    NOW,
    confirmed,
    coordinator,
    mediator_with,
    staff_user,
)
from tests.clock import frozen
from tests.institutions.factories import (
    CompensationRuleFactory,
    InstitutionFactory,
    LocationFactory,
    PoolFactory,
    StaffFactory,
    UserFactory,
)
from tests.mediators.factories import ConflictOfInterestFactory, LanguageFactory, MediatorFactory

pytestmark = [pytest.mark.django_db, frozen(NOW)]  # Monday 1 March 2027, 09:00


def page(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en", enforce_csrf_checks=True)
    client.force_login(user)
    return client


def post(client: Client, url: str, data: dict):
    """A POST as the browser sends it: with the CSRF token of a page the user opened."""
    client.get(reverse("web:home"), follow=True)  # every page has the sign-out form
    data = {**data, "csrfmiddlewaretoken": client.cookies["csrftoken"].value}
    return client.post(url, data)


def url(name: str, *args) -> str:
    return reverse(f"web:{name}", args=args)


# --- a request filed for an institution --------------------------------------------------


@pytest.fixture
def school():
    pool = PoolFactory(min_notice_working_days=5)
    institution = InstitutionFactory(pool=pool, name="GGS Rahser")
    LocationFactory(institution=institution, name="Hauptgebäude")
    teacher = StaffFactory(
        institution=institution,
        phone="02162 123",
        user=UserFactory(first_name="Petra", last_name="Lehmann"),
    )
    LanguageFactory(code="ara", name_en="Arabic")
    return teacher


def request_data(teacher, **extra):
    return {
        "institution": teacher.institution.pk,
        "on_behalf_of": teacher.pk,
        "language": LanguageFactory._meta.model.objects.get(code="ara").pk,
        "date": "2027-03-15",
        "time": "10:00",
        "duration_minutes": 60,
        "mode": "on_site",
        "location": teacher.institution.locations.first().pk,
        "field": "school",
        "kind": "conversation",
        "case_reference": "S-2027-04",
        **extra,
    }


def test_a_coordinator_files_a_request_for_a_school_on_behalf_of_its_teacher(school):
    ki = page(coordinator(school.institution.pool).user)
    new = url("coordinator-request")

    picked = ki.get(new, {"institution": school.institution.pk})
    response = post(ki, f"{new}?institution={school.institution.pk}", request_data(school))

    assert "Lehmann" in picked.content.decode()
    booking = Booking.objects.get()
    assert response.status_code == 302
    assert response["Location"] == url("coordinator-booking", booking.pk)
    # The teacher is the requester and the contact (and gets the messages) ...
    assert booking.institution == school.institution
    assert booking.requested_by == school.user
    assert (booking.contact_name, booking.contact_phone) == ("Petra Lehmann", "02162 123")
    # ... and the history names the coordinator who filed it.
    event = booking.events.get()
    assert event.actor == coordinator(school.institution.pool).user
    assert event.actor_role == ActorRole.COORDINATOR
    assert event.data["on_behalf_of"] == school.user_id


def test_shorter_notice_needs_a_reason_which_is_recorded_and_shown(school):
    ki = page(coordinator(school.institution.pool).user)
    target = f"{url('coordinator-request')}?institution={school.institution.pk}"
    tomorrow = request_data(school, date="2027-03-02")

    refused = post(ki, target, tomorrow)
    assert refused.status_code == 400
    assert "08.03.2027" in refused.content.decode()
    assert not Booking.objects.exists()

    taken = post(ki, target, {**tomorrow, "notice_override_reason": "Schulausschluss droht"})
    booking = Booking.objects.get()
    assert taken.status_code == 302
    assert booking.events.get().data["notice_override_reason"] == "Schulausschluss droht"
    shown = ki.get(url("coordinator-booking", booking.pk)).content.decode()
    assert "Schulausschluss droht" in shown


def test_an_institution_of_another_pool_cannot_be_chosen(school):
    foreign = InstitutionFactory()
    ki = page(coordinator(school.institution.pool).user)
    new = url("coordinator-request")

    listed = ki.get(new).content.decode()
    picked = ki.get(new, {"institution": foreign.pk})
    posted = post(ki, f"{new}?institution={foreign.pk}", request_data(school))
    swapped = post(
        ki,
        f"{new}?institution={school.institution.pk}",
        request_data(school, institution=foreign.pk),
    )

    assert "GGS Rahser" in listed and foreign.name not in listed
    assert picked.status_code == posted.status_code == 200  # the choice again, with the error
    assert "Select a valid choice" in picked.content.decode()
    assert swapped.status_code == 400
    assert not Booking.objects.exists()


def test_a_teacher_of_another_school_cannot_be_named(school):
    other = StaffFactory(institution__pool=school.institution.pool)
    ki = page(coordinator(school.institution.pool).user)
    target = f"{url('coordinator-request')}?institution={school.institution.pk}"

    response = post(ki, target, request_data(school, on_behalf_of=other.pk))

    assert response.status_code == 400
    assert not Booking.objects.exists()


def test_bad_input_is_refused_next_to_its_field_and_nothing_is_stored(school):
    ki = page(coordinator(school.institution.pool).user)
    target = f"{url('coordinator-request')}?institution={school.institution.pk}"

    past = post(ki, target, request_data(school, date="2027-02-01"))
    garbage = post(ki, target, request_data(school, time="25:99", duration_minutes="x"))

    assert past.status_code == garbage.status_code == 400
    assert "The start lies in the past." in past.content.decode()
    assert "error-summary" in garbage.content.decode()
    assert not Booking.objects.exists()


# --- who may: other roles 403, beyond the pool 404 -----------------------------------------


COORDINATOR_POSTS = (
    "coordinator-reschedule",
    "coordinator-resolve-report",
    "coordinator-no-show",
    "coordinator-travel-report",
    "coordinator-conflict-add",
)


def test_staff_and_mediators_may_not_use_the_coordinators_tasks(school):
    booking = BookingFactory(institution=school.institution, case_reference="S-1")
    mediator = MediatorFactory(pool=school.institution.pool)

    for user in (school.user, mediator.user):
        client = page(user)
        assert client.get(url("coordinator-request")).status_code == 403
        for name in COORDINATOR_POSTS:
            assert post(client, url(name, booking.pk), {"reason": "x"}).status_code == 403
    assert booking.events.count() == 0


def test_a_coordinator_of_another_pool_gets_404_and_changes_nothing(school):
    booking = BookingFactory(institution=school.institution, case_reference="S-1")
    stranger = page(coordinator(PoolFactory()).user)

    for name in COORDINATOR_POSTS:
        assert post(stranger, url(name, booking.pk), {"reason": "x"}).status_code == 404
    assert stranger.get(url("coordinator-reschedule", booking.pk)).status_code == 404
    assert booking.events.count() == 0
    assert not ConflictOfInterest.objects.exists()


def test_the_tasks_need_the_csrf_token(school):
    booking = BookingFactory(institution=school.institution)
    ki = page(coordinator(school.institution.pool).user)

    response = ki.post(url("coordinator-no-show", booking.pk), {"reason": "x"})

    assert response.status_code == 403
    assert booking.events.count() == 0


# --- a new time or place ------------------------------------------------------------------


def reschedule_data(booking, **extra):
    return {
        "date": "2027-03-15",
        "time": "11:00",
        "duration_minutes": 60,
        "location": booking.location_id,
        "mode": "on_site",
        "reason": "Raum belegt",
        **extra,
    }


def test_the_coordinator_sees_what_will_happen_then_confirms_and_the_mediator_stays():
    mediator = mediator_with(PoolFactory())
    booking = confirmed(mediator)
    ki = page(coordinator(booking.pool).user)
    target = url("coordinator-reschedule", booking.pk)

    form = ki.get(target).content.decode()
    summary = post(ki, target, reschedule_data(booking))

    assert 'value="2027-03-15"' in form and 'value="09:00"' in form
    assert summary.status_code == 200
    text = summary.content.decode()
    assert "What will happen" in text
    assert "The language mediator stays booked" in text
    booking.refresh_from_db()
    assert booking.starts_at == berlin(2027, 3, 15, 9, 0), "nothing changes before the confirmation"

    done = post(ki, target, {**reschedule_data(booking), "confirm": "yes"})

    booking.refresh_from_db()
    assert done.status_code == 302
    assert booking.starts_at == berlin(2027, 3, 15, 11, 0)
    assert (booking.status, booking.mediator) == (Status.CONFIRMED, mediator)
    shown = ki.get(done["Location"]).content.decode()
    assert "The language mediator stays booked" in shown


def test_a_change_that_releases_the_mediator_says_so_first_with_the_broken_rules():
    # The mediator is available on weekdays from 6 to 22 only; Saturday night is outside.
    mediator = mediator_with(PoolFactory(), slots=[(day, 6, 22) for day in range(5)])
    booking = confirmed(mediator)
    ki = page(coordinator(booking.pool).user)
    target = url("coordinator-reschedule", booking.pk)
    saturday = reschedule_data(booking, date="2027-03-20", time="22:00")

    summary = post(ki, target, saturday).content.decode()

    assert "was released" in summary or "will be released" in summary
    assert "outside their weekly availability" in summary
    assert Booking.objects.get().status == Status.CONFIRMED

    done = post(ki, target, {**saturday, "confirm": "yes"})

    booking.refresh_from_db()
    assert (booking.status, booking.mediator) == (Status.REQUESTED, None)
    event = BookingEvent.objects.filter(data__rescheduled=True).get()
    assert event.data["outcome"] == RescheduleOutcome.MEDIATOR_RELEASED
    shown = ki.get(done["Location"]).content.decode()
    assert "outside their weekly availability" in shown


def test_the_institution_reschedules_its_own_booking_and_sees_why_not_the_rules():
    mediator = mediator_with(PoolFactory(), slots=[(day, 6, 22) for day in range(5)])
    booking = confirmed(mediator)
    school = page(staff_user(booking))
    target = url("institution-reschedule", booking.pk)
    saturday = reschedule_data(booking, date="2027-03-20", time="22:00")

    assert (
        url("institution-reschedule", booking.pk)
        in school.get(url("institution-booking", booking.pk)).content.decode()
    )
    summary = post(school, target, saturday).content.decode()
    done = post(school, target, {**saturday, "confirm": "yes"})

    assert "not available at the new time" in summary
    assert "outside their weekly availability" not in summary
    booking.refresh_from_db()
    assert booking.status == Status.REQUESTED
    shown = school.get(done["Location"]).content.decode()
    assert "outside their weekly availability" not in shown


def test_an_appointment_on_site_moves_to_video_and_gives_up_its_place():
    mediator = mediator_with(PoolFactory())
    booking = confirmed(mediator)
    ki = page(coordinator(booking.pool).user)
    target = url("coordinator-reschedule", booking.pk)
    video = reschedule_data(booking, time="09:00", mode="video", location="")

    summary = post(ki, target, video).content.decode()
    post(ki, target, {**video, "confirm": "yes"})

    assert "on site → <strong>video</strong>" in summary
    booking.refresh_from_db()
    assert (booking.mode, booking.location) == ("video", None)
    assert (booking.status, booking.mediator) == (Status.CONFIRMED, mediator)
    event = BookingEvent.objects.filter(data__rescheduled=True).get()
    assert event.data["changes"]["mode"] == ["on_site", "video"]


def test_staff_of_another_institution_get_404():
    booking = confirmed(mediator_with(PoolFactory()))
    other = StaffFactory(institution__pool=booking.pool)

    response = post(page(other.user), url("institution-reschedule", booking.pk), {})

    assert response.status_code == 404


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"reason": ""}, "Say why the appointment changes."),
        ({"date": "2027-02-27"}, "The start lies in the past."),
        ({"duration_minutes": "5"}, "greater than or equal to"),
        ({"time": "09:00"}, "Nothing to change"),
        ({"mode": "carrier pigeon"}, "Select a valid choice"),
        ({"date": "2027-03-28", "time": "02:30"}, "does not exist"),
    ],
)
def test_bad_input_is_refused_with_a_message_and_nothing_changes(change, message):
    booking = confirmed(mediator_with(PoolFactory()))
    ki = page(coordinator(booking.pool).user)

    response = post(
        ki,
        url("coordinator-reschedule", booking.pk),
        {**reschedule_data(booking), **change, "confirm": "yes"},
    )

    assert response.status_code == 400
    assert message in response.content.decode()
    booking.refresh_from_db()
    assert booking.starts_at == berlin(2027, 3, 15, 9, 0)
    assert not BookingEvent.objects.filter(data__rescheduled=True).exists()


def test_a_booking_that_has_started_cannot_be_rescheduled_409():
    booking = BookingFactory(institution=InstitutionFactory(), starts_at=berlin(2027, 3, 1, 8, 0))
    ki = page(coordinator(booking.pool).user)

    response = post(ki, url("coordinator-reschedule", booking.pk), reschedule_data(booking))

    assert response.status_code == 409
    assert "already started" in response.content.decode()


# --- a disputed report, a no-show, the travel of a late cancellation ----------------------


def disputed(**report):
    mediator = MediatorFactory()
    booking = BookingFactory(
        institution=InstitutionFactory(pool=mediator.pool),
        mediator=mediator,
        status=Status.COMPLETED,
        starts_at=berlin(2027, 2, 26, 10, 0),
    )
    CompensationRuleFactory(pool=booking.pool, valid_from=datetime.date(2027, 1, 1))
    Report.objects.create(
        booking=booking,
        actual_minutes=90,
        travel_km=Decimal("12.0"),
        status=ReportStatus.DISPUTED,
        dispute_reason="Es waren nur 60 Minuten",
        **report,
    )
    return booking


def resolve_data(decision, **figures):
    return {
        "decision": decision,
        "actual_minutes": 90,
        "travel_km": "12.0",
        "travel_minutes": 0,
        "ticket_cents": 0,
        "reason": "Rücksprache mit beiden",
        **figures,
    }


def test_the_work_list_leads_to_the_decision_on_a_disputed_report():
    booking = disputed()
    ki = page(coordinator(booking.pool).user)

    worklist = ki.get(url("coordinator-worklist")).content.decode()
    detail = ki.get(url("coordinator-booking", booking.pk)).content.decode()

    assert f"{url('coordinator-booking', booking.pk)}#settle-report" in worklist
    assert url("coordinator-resolve-report", booking.pk) in detail
    assert "Es waren nur 60 Minuten" in detail


def test_accepting_the_report_closes_the_booking_with_the_reported_figures():
    booking = disputed()
    ki = page(coordinator(booking.pool).user)

    response = post(
        ki, url("coordinator-resolve-report", booking.pk), resolve_data("accept", actual_minutes=1)
    )

    booking.refresh_from_db()
    assert response.status_code == 302
    assert booking.status == Status.CLOSED
    assert booking.report.actual_minutes == 90, "accepting takes the report as it is"
    assert booking.report.status == ReportStatus.CONFIRMED
    assert Allowance.objects.filter(booking=booking).exists()


def test_deciding_otherwise_closes_the_booking_with_the_coordinators_figures():
    booking = disputed()
    ki = page(coordinator(booking.pool).user)

    post(
        ki,
        url("coordinator-resolve-report", booking.pk),
        resolve_data("correct", actual_minutes=60),
    )

    booking.refresh_from_db()
    assert booking.status == Status.CLOSED
    assert booking.report.actual_minutes == 60
    event = booking.events.get(to_status=Status.CLOSED)
    assert event.data["changes"] == {"actual_minutes": ["90", "60"]}
    assert event.reason == "Rücksprache mit beiden"


def test_figures_out_of_range_are_refused_and_the_report_still_waits():
    booking = disputed()
    ki = page(coordinator(booking.pool).user)

    response = post(
        ki,
        url("coordinator-resolve-report", booking.pk),
        resolve_data("correct", actual_minutes=-5),
    )

    assert response.status_code == 400
    assert "Actual duration in minutes" in response.content.decode()
    booking.refresh_from_db()
    assert booking.status == Status.COMPLETED
    assert not Allowance.objects.exists()


def test_a_no_show_is_recorded_once_the_appointment_has_started():
    mediator = MediatorFactory()
    started = BookingFactory(
        institution=InstitutionFactory(pool=mediator.pool),
        mediator=mediator,
        status=Status.CONFIRMED,
        starts_at=berlin(2027, 3, 1, 8, 0),
    )
    ahead = BookingFactory(
        institution=started.institution,
        mediator=MediatorFactory(pool=mediator.pool),
        status=Status.CONFIRMED,
        starts_at=berlin(2027, 3, 2, 8, 0),
    )
    ki = page(coordinator(started.pool).user)

    assert (
        url("coordinator-no-show", started.pk)
        in ki.get(url("coordinator-booking", started.pk)).content.decode()
    )
    done = post(ki, url("coordinator-no-show", started.pk), {"no-show-reason": "Familie fehlte"})
    early = post(ki, url("coordinator-no-show", ahead.pk), {"no-show-reason": "?"})

    started.refresh_from_db()
    ahead.refresh_from_db()
    assert done.status_code == 302
    assert started.status == Status.NO_SHOW
    assert started.events.get(to_status=Status.NO_SHOW).reason == "Familie fehlte"
    assert early.status_code == 409
    assert "has not started yet" in early.content.decode()
    assert ahead.status == Status.CONFIRMED


def late_cancelled():
    mediator = MediatorFactory()
    booking = BookingFactory(
        institution=InstitutionFactory(pool=mediator.pool),
        mediator=mediator,
        status=Status.CANCELLED,
        late_cancellation=True,
        cancelled_by_role=ActorRole.INSTITUTION,
        starts_at=berlin(2027, 3, 1, 11, 0),
    )
    CompensationRuleFactory(pool=booking.pool, valid_from=datetime.date(2027, 1, 1))
    return booking


def test_the_coordinator_files_the_travel_of_a_late_cancellation_once_for_the_mediator():
    booking = late_cancelled()
    ki = page(coordinator(booking.pool).user)
    target = url("coordinator-travel-report", booking.pk)

    assert target in ki.get(url("coordinator-booking", booking.pk)).content.decode()
    done = post(ki, target, {"travel_km": "10", "travel_minutes": 20, "ticket_cents": 0})
    again = post(ki, target, {"travel_km": "50", "travel_minutes": 0, "ticket_cents": 0})

    allowance = Allowance.objects.get(booking=booking)
    assert done.status_code == 302
    assert allowance.breakdown["travel_reported"] is True
    assert allowance.mediator == booking.mediator
    event = booking.events.get(data__on_behalf_of=booking.mediator_id)
    assert event.actor == coordinator(booking.pool).user
    assert again.status_code == 409
    assert Allowance.objects.get(booking=booking).amount_cents == allowance.amount_cents


def test_travel_with_a_negative_distance_is_refused():
    booking = late_cancelled()
    ki = page(coordinator(booking.pool).user)

    response = post(
        ki,
        url("coordinator-travel-report", booking.pk),
        {"travel_km": "-3", "travel_minutes": 0, "ticket_cents": 0},
    )

    assert response.status_code == 400
    assert not Allowance.objects.filter(breakdown__travel_reported=True).exists()


# --- conflicts of interest ----------------------------------------------------------------


def test_a_conflict_is_declared_for_the_bookings_case_and_lifted_again():
    booking = BookingFactory(institution=InstitutionFactory(), case_reference="JA-2027-11")
    mediator = MediatorFactory(pool=booking.pool)
    ki = page(coordinator(booking.pool).user)

    asked = post(
        ki,
        url("coordinator-conflict-add", booking.pk),
        {"mediator": mediator.pk, "reason": "Nachbarin der Familie"},
    )
    # First the confirmation: what will happen, nothing done yet.
    assert asked.status_code == 200
    assert 'name="confirmed"' in asked.content.decode()
    assert not ConflictOfInterest.objects.exists()
    declared = post(
        ki,
        url("coordinator-conflict-add", booking.pk),
        {"mediator": mediator.pk, "reason": "Nachbarin der Familie", "confirmed": "1"},
    )

    conflict = ConflictOfInterest.objects.get()
    assert conflict.reason == "Nachbarin der Familie"
    assert declared.status_code == 302
    assert (conflict.mediator, conflict.institution, conflict.case_reference) == (
        mediator,
        booking.institution,
        "JA-2027-11",
    )
    assert conflict.recorded_by == coordinator(booking.pool).user
    lift = url("coordinator-conflict-lift", booking.pk, conflict.pk)
    assert lift in ki.get(url("coordinator-booking", booking.pk)).content.decode()

    lifted = post(ki, lift, {"reason": "Familie verzogen"})

    assert lifted.status_code == 302
    assert not ConflictOfInterest.objects.active().exists()
    # the record stays, with who lifted it and why, and the mediator's page shows both sides
    conflict.refresh_from_db()
    assert (conflict.lifted_by, conflict.lift_reason) == (
        coordinator(booking.pool).user,
        "Familie verzogen",
    )
    assert conflict.lifted_at is not None
    history = ki.get(url("coordinator-mediator", mediator.pk)).content.decode()
    assert "Nachbarin der Familie" in history and "Familie verzogen" in history
    assert lift not in ki.get(url("coordinator-booking", booking.pk)).content.decode()


def test_the_confirmation_says_how_many_confirmed_bookings_of_the_case_are_released():
    institution = InstitutionFactory()
    booking = BookingFactory(institution=institution, case_reference="JA-2027-11")
    mediator = MediatorFactory(pool=booking.pool)
    ahead = NOW + datetime.timedelta(days=10)
    held = [
        BookingFactory(
            institution=institution,
            case_reference="ja-2027-11",  # the same case, written another way
            status=Status.CONFIRMED,
            mediator=mediator,
            starts_at=ahead + datetime.timedelta(days=n),
            ends_at=ahead + datetime.timedelta(days=n, hours=1),
            duration_minutes=60,
        )
        for n in range(2)
    ]
    other_case = BookingFactory(
        institution=institution,
        case_reference="JA-2027-12",
        status=Status.CONFIRMED,
        mediator=mediator,
        starts_at=ahead + datetime.timedelta(days=5),
        ends_at=ahead + datetime.timedelta(days=5, hours=1),
        duration_minutes=60,
    )
    ki = page(coordinator(booking.pool).user)

    asked = post(ki, url("coordinator-conflict-add", booking.pk), {"mediator": mediator.pk})

    text = " ".join(asked.content.decode().split())
    assert asked.status_code == 200
    assert "is released from 2 confirmed bookings of this case" in text
    assert not ConflictOfInterest.objects.exists()
    for item in (*held, other_case):
        item.refresh_from_db()
        assert item.status == Status.CONFIRMED and item.mediator == mediator

    post(
        ki,
        url("coordinator-conflict-add", booking.pk),
        {"mediator": mediator.pk, "confirmed": "1"},
    )

    for item in held:
        item.refresh_from_db()
        assert item.mediator is None
    other_case.refresh_from_db()
    assert other_case.mediator == mediator


def test_a_mediator_of_another_pool_cannot_be_named_and_other_cases_cannot_be_lifted():
    booking = BookingFactory(institution=InstitutionFactory(), case_reference="JA-2027-11")
    stranger = MediatorFactory()
    elsewhere = ConflictOfInterestFactory(
        mediator=MediatorFactory(pool=booking.pool),
        institution=booking.institution,
        case_reference="JA-2027-99",
    )
    ki = page(coordinator(booking.pool).user)

    refused = post(ki, url("coordinator-conflict-add", booking.pk), {"mediator": stranger.pk})
    lifted = post(ki, url("coordinator-conflict-lift", booking.pk, elsewhere.pk), {})

    assert refused.status_code == 400
    assert lifted.status_code == 404
    assert list(ConflictOfInterest.objects.all()) == [elsewhere]
