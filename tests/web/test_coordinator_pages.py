"""Coordinators: work list, candidates and assignment, approval, planner, onboarding, vetting."""

import datetime

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from bookings.constants import Status
from bookings.models import AccessLog
from bookings.planner.models import PlanItem, PlanRun
from mediators.models import Mediator
from tests.bookings.factories import BookingFactory
from tests.institutions.factories import PoolFactory
from tests.mediators.factories import (
    AvailabilitySlotFactory,
    LanguageFactory,
    MediatorFactory,
    MediatorLanguageFactory,
)

from .conftest import BERLIN

pytestmark = pytest.mark.django_db


def in_two_weeks_at_ten():
    day = (timezone.now() + datetime.timedelta(days=14)).date()
    return datetime.datetime.combine(day, datetime.time(10, 0), tzinfo=BERLIN)


def eligible_mediator(pool, language, **kwargs):
    mediator = MediatorFactory(pool=pool, **kwargs)
    MediatorLanguageFactory(mediator=mediator, language=language)
    for weekday in range(7):
        AvailabilitySlotFactory(mediator=mediator, weekday=weekday)
    return mediator


def test_the_work_list_shows_unfilled_requests_and_expiring_certificates(page_for, coordinator):
    pool = coordinator.pool
    unfilled = BookingFactory(institution__pool=pool, status=Status.UNFILLED)
    waiting = BookingFactory(institution__pool=pool, status=Status.AWAITING_APPROVAL)
    foreign = BookingFactory(status=Status.UNFILLED)
    expiring = MediatorFactory(
        pool=pool,
        police_certificate_valid_until=timezone.now().date() + datetime.timedelta(days=10),
    )

    html = page_for(coordinator.user).get(reverse("web:coordinator-worklist")).content.decode()

    assert reverse("web:coordinator-booking", args=[unfilled.pk]) in html
    assert reverse("web:coordinator-booking", args=[waiting.pk]) in html
    assert reverse("web:coordinator-booking", args=[foreign.pk]) not in html
    assert reverse("web:coordinator-mediator", args=[expiring.pk]) in html


def test_candidates_are_ranked_with_reasons_and_one_is_assigned(page_for, coordinator):
    language = LanguageFactory(code="ara")
    booking = BookingFactory(
        institution__pool=coordinator.pool,
        status=Status.UNFILLED,
        language=language,
        starts_at=in_two_weeks_at_ten(),
    )
    mediator = eligible_mediator(coordinator.pool, language)
    page = page_for(coordinator.user)

    html = page.get(reverse("web:coordinator-booking", args=[booking.pk])).content.decode()
    assert f'name="mediator" value="{mediator.pk}"' in html
    assert 'class="reasons"' in html

    response = page.post(
        reverse("web:coordinator-assign", args=[booking.pk]), {"mediator": mediator.pk}
    )

    booking.refresh_from_db()
    assert response.status_code == 302
    assert (booking.status, booking.mediator) == (Status.CONFIRMED, mediator)


def test_assigning_an_ineligible_mediator_answers_409_and_changes_nothing(page_for, coordinator):
    booking = BookingFactory(
        institution__pool=coordinator.pool, status=Status.UNFILLED, starts_at=in_two_weeks_at_ten()
    )
    not_speaking = MediatorFactory(pool=coordinator.pool)

    response = page_for(coordinator.user).post(
        reverse("web:coordinator-assign", args=[booking.pk]), {"mediator": not_speaking.pk}
    )

    booking.refresh_from_db()
    assert response.status_code == 409
    assert 'role="alert"' in response.content.decode()
    assert booking.status == Status.UNFILLED


def test_a_request_awaiting_approval_is_approved_or_refused_with_a_reason(page_for, coordinator):
    first = BookingFactory(institution__pool=coordinator.pool, status=Status.AWAITING_APPROVAL)
    second = BookingFactory(institution__pool=coordinator.pool, status=Status.AWAITING_APPROVAL)
    page = page_for(coordinator.user)

    page.post(reverse("web:coordinator-decide", args=[first.pk, "approve"]))
    refused_without_reason = page.post(
        reverse("web:coordinator-decide", args=[second.pk, "refuse"])
    )
    page.post(
        reverse("web:coordinator-decide", args=[second.pk, "refuse"]), {"reason": "Kein Budget"}
    )

    first.refresh_from_db()
    second.refresh_from_db()
    assert refused_without_reason.status_code == 400
    assert first.status in (Status.REQUESTED, Status.OFFERED, Status.UNFILLED)
    assert (second.status, second.cancellation_reason) == (Status.CANCELLED, "Kein Budget")


def test_the_planner_proposes_a_plan_that_is_reviewed_and_applied(
    page_for, coordinator, django_capture_on_commit_callbacks
):
    language = LanguageFactory(code="ara")
    booking = BookingFactory(
        institution__pool=coordinator.pool,
        status=Status.REQUESTED,
        language=language,
        starts_at=in_two_weeks_at_ten(),
    )
    mediator = eligible_mediator(coordinator.pool, language)
    page = page_for(coordinator.user)
    day = booking.starts_at.astimezone(BERLIN).date()

    with django_capture_on_commit_callbacks(execute=True):  # the Celery task computes it
        response = page.post(
            reverse("web:coordinator-planner"),
            {
                "starts_on": day - datetime.timedelta(days=1),
                "ends_on": day + datetime.timedelta(days=1),
            },
        )
    run = PlanRun.objects.get()
    assert response["Location"] == reverse("web:coordinator-plan", args=[run.pk])
    assert PlanItem.objects.get(run=run).mediator == mediator
    booking.refresh_from_db()
    assert booking.status == Status.REQUESTED  # nothing changes before applying

    page.post(reverse("web:coordinator-plan-decide", args=[run.pk, "apply"]))

    booking.refresh_from_db()
    assert (booking.status, booking.mediator) == (Status.CONFIRMED, mediator)


def test_onboarding_creates_the_mediator_and_sends_the_invitation(page_for, coordinator, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    language = LanguageFactory(code="tir", name_de="Tigrinya", name_en="Tigrinya")
    data = {
        "first_name": "Semhar",
        "last_name": "Tesfay",
        "email": "semhar@example.org",
        "gender": "female",
        "home_postal_code": "41747",
        "language": "en",
        "speaks": language.pk,
        "level": "4",
        "training_completed_on": "2026-01-10",
        "pledge_signed_on": "2026-01-10",
        "active": "on",
    }

    response = page_for(coordinator.user).post(reverse("web:coordinator-mediator-new"), data)

    mediator = Mediator.objects.get(user__email="semhar@example.org")
    assert response.status_code == 302
    assert mediator.pool == coordinator.pool
    assert [row.language.code for row in mediator.languages.all()] == ["tir"]
    from notifications.models import Message

    assert Message.objects.filter(recipient_email="semhar@example.org").exists() or mail.outbox


def test_an_unknown_postal_code_is_explained_and_nobody_is_created(page_for, coordinator):
    language = LanguageFactory(code="tir", name_de="Tigrinya", name_en="Tigrinya")
    data = {
        "first_name": "A",
        "last_name": "B",
        "email": "ab@example.org",
        "gender": "male",
        "home_postal_code": "00000",
        "language": "de",
        "speaks": language.pk,
        "level": "4",
    }

    response = page_for(coordinator.user).post(reverse("web:coordinator-mediator-new"), data)

    assert 'id="id_home_postal_code_error"' in response.content.decode()
    assert not Mediator.objects.filter(user__email="ab@example.org").exists()


def test_vetting_dates_are_kept(page_for, coordinator):
    mediator = MediatorFactory(pool=coordinator.pool)

    page_for(coordinator.user).post(
        reverse("web:coordinator-mediator", args=[mediator.pk]),
        {
            "training_completed_on": "2026-02-01",
            "pledge_signed_on": "2026-02-01",
            "police_certificate_inspected_on": "2026-02-03",
            "police_certificate_valid_until": "2031-02-03",
            "active": "on",
        },
    )

    mediator.refresh_from_db()
    assert mediator.police_certificate_valid_until == datetime.date(2031, 2, 3)


def test_a_coordinator_pauses_and_resumes_a_mediator_on_the_page(page_for, coordinator):
    mediator = MediatorFactory(pool=coordinator.pool)
    unavailable = MediatorFactory(pool=coordinator.pool, self_unavailable=True)
    page = page_for(coordinator.user)
    url = reverse("web:coordinator-mediator", args=[mediator.pk])

    page.post(url, {"active": "", "paused_reason": "Rückfrage zum Führungszeugnis"})
    mediator.refresh_from_db()
    listed = page.get(reverse("web:coordinator-mediators")).content.decode()
    page.post(url, {"active": "on"})

    assert mediator.active is False and mediator.paused_by == coordinator.user
    assert mediator.paused_reason == "Rückfrage zum Führungszeugnis"
    assert "paused" in listed and "unavailable (own choice)" in listed
    assert unavailable.pk
    mediator.refresh_from_db()
    assert mediator.active is True and mediator.paused_reason == ""


def lent_mediator(pool, **kwargs):
    """A mediator of a pool that explicitly shares its mediators with ``pool``."""
    sharing = PoolFactory(name="KI Stadt Krefeld")
    sharing.shares_mediators_with.add(pool)
    return MediatorFactory(
        pool=sharing, user__first_name="Lana", user__last_name="Leihweise", **kwargs
    )


def test_the_mediator_list_shows_a_sharing_pools_mediators_marked_with_their_pool(
    page_for, coordinator, mediator
):
    lent = lent_mediator(coordinator.pool)
    stranger = MediatorFactory()

    html = page_for(coordinator.user).get(reverse("web:coordinator-mediators")).content.decode()

    assert reverse("web:coordinator-mediator", args=[mediator.pk]) in html
    assert reverse("web:coordinator-mediator", args=[lent.pk]) in html
    assert reverse("web:coordinator-mediator", args=[stranger.pk]) not in html
    assert html.count("shared by KI Stadt Krefeld") == 1


def test_a_lent_mediator_is_shown_read_only_and_its_vetting_cannot_be_changed(
    page_for, coordinator
):
    lent = lent_mediator(
        coordinator.pool, police_certificate_valid_until=datetime.date(2030, 1, 31)
    )
    page = page_for(coordinator.user)
    url = reverse("web:coordinator-mediator", args=[lent.pk])

    html = page.get(url).content.decode()
    posted = page.post(url, {"police_certificate_valid_until": "2035-01-31", "active": ""})

    assert "Only its coordinators change the vetting" in html and "KI Stadt Krefeld" in html
    assert "<form" not in html.split("<main", 1)[1]
    assert "Jan 31, 2030" in html  # CLDR medium date, as every page
    assert posted.status_code == 403
    lent.refresh_from_db()
    assert lent.police_certificate_valid_until == datetime.date(2030, 1, 31) and lent.active


def test_expiring_certificates_of_lent_mediators_are_left_to_their_pool(page_for, coordinator):
    soon = timezone.now().date() + datetime.timedelta(days=10)
    lent = lent_mediator(coordinator.pool, police_certificate_valid_until=soon)

    html = page_for(coordinator.user).get(reverse("web:coordinator-worklist")).content.decode()

    assert reverse("web:coordinator-mediator", args=[lent.pk]) not in html


def test_every_roles_booking_page_logs_the_read(page_for, coordinator, staff, mediator):
    booking = BookingFactory(
        institution=staff.institution, mediator=mediator, status=Status.CONFIRMED
    )
    pages = {
        coordinator.user: "web:coordinator-booking",
        staff.user: "web:institution-booking",
        mediator.user: "web:mediator-booking",
    }

    for user, name in pages.items():
        assert page_for(user).get(reverse(name, args=[booking.pk])).status_code == 200

    readers = AccessLog.objects.filter(booking=booking, action="read").values_list(
        "user", flat=True
    )
    assert sorted(readers) == sorted(user.pk for user in pages)


def test_another_pools_booking_and_mediator_answer_404(page_for, coordinator):
    booking = BookingFactory()
    mediator = MediatorFactory()
    page = page_for(coordinator.user)

    assert page.get(reverse("web:coordinator-booking", args=[booking.pk])).status_code == 404
    assert page.get(reverse("web:coordinator-mediator", args=[mediator.pk])).status_code == 404


def test_other_roles_may_not_open_coordinator_pages(page_for, staff, mediator):
    for user in (staff.user, mediator.user):
        assert page_for(user).get(reverse("web:coordinator-worklist")).status_code == 403


def test_the_plan_page_updates_itself_in_the_browser_until_the_plan_is_ready(
    browser, live_server, pool_with_people
):
    """htmx polls the plan's status; when the worker is done, the page reloads by itself and
    offers to apply. Nothing is clicked in between."""
    from bookings.planner.models import PlanStatus
    from bookings.planner.services import plan_compute

    from .browser import Visitor

    today = timezone.now().astimezone(BERLIN).date()
    run = PlanRun.objects.create(
        pool=pool_with_people["coordinator"].pool,
        starts_on=today,
        ends_on=today + datetime.timedelta(days=6),
        status=PlanStatus.QUEUED,
        seconds_limit=1,
    )
    ki = Visitor(browser, live_server, "coordinator", language="en")
    ki.sign_in("ki")
    ki.go(reverse("web:coordinator-plan", args=[run.pk]))
    # The coordinator's pages speak the profile's language (German): the markup, not the text.
    assert ki.page.locator("#plan-status[hx-get][hx-trigger]").count() == 1
    assert ki.axe_violations("plan-queued") == []

    plan_compute(run_id=run.pk)  # what the Celery worker does

    ki.page.wait_for_selector("a[href$='/apply/']", timeout=15_000)
    assert ki.page.locator("#plan-status[hx-get]").count() == 0
    assert ki.page.locator("a[href$='/apply/']").count() == 1  # to the confirmation
    assert ki.csp_violations() == []  # htmx runs under the strict policy
