"""Requesting, listing and reading bookings through the API, each role within its reach."""

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from bookings.constants import OfferStatus, Status
from bookings.models import AccessLog, Booking, BookingEvent
from tests.api.queries import assert_queries_do_not_grow
from tests.bookings.factories import BookingFactory, OfferFactory
from tests.mediators.factories import DialectFactory, LanguageFactory

pytestmark = pytest.mark.django_db

LIST = "/api/v1/bookings/"
BERLIN = ZoneInfo("Europe/Berlin")


def _in_days(days: int, hour: int = 10) -> str:
    day = timezone.localdate() + datetime.timedelta(days=days)
    return f"{day.isoformat()}T{hour:02d}:00:00"


def request_body(world, **extra):
    return {
        "language": "ara",
        "dialect": "levantine",
        "starts_at": _in_days(20),
        "duration_minutes": 60,
        "mode": "on_site",
        "location": world.location.pk,
        "field": "school",
        "topic": "parents_teacher",
        "with_children": True,
        "case_reference": "S-2027-04",
        **extra,
    }


def test_staff_request_an_appointment_and_get_201_with_id_and_status(world):
    sent = request_body(world)

    response = world.client("requester").post(LIST, sent, format="json")

    assert response.status_code == 201, response.json()
    body = response.json()
    booking = Booking.objects.get(pk=body["id"])
    assert body["status"] == "requested" == booking.status
    assert booking.institution == world.institution
    assert booking.requested_by == world.requester.user
    assert booking.dialect.code == "levantine"
    # The time without an offset is Berlin wall-clock time; the answer shows the stored instant
    # with Berlin's offset at that instant.
    shown = datetime.datetime.fromisoformat(body["starts_at"])
    assert shown == booking.starts_at
    assert shown.utcoffset() == booking.starts_at.astimezone(BERLIN).utcoffset()
    assert shown.replace(tzinfo=None) == datetime.datetime.fromisoformat(sent["starts_at"])
    assert body["starts_at"].endswith(("+01:00", "+02:00"))
    assert [e["to_status"] for e in body["events"]] == ["requested"]
    assert AccessLog.objects.filter(booking=booking, action="change").count() == 1


def test_a_request_waits_for_approval_where_the_pool_approves_first(world):
    world.pool.requires_approval = True
    world.pool.save()

    response = world.client("requester").post(LIST, request_body(world), format="json")

    assert response.json()["status"] == "awaiting_approval"


def test_a_coordinator_requests_for_an_institution_of_the_pool(world):
    body = request_body(world, institution=world.other_institution.pk, location=None)
    body["mode"] = "phone"

    response = world.client("coordinator").post(LIST, body, format="json")

    assert response.status_code == 201, response.json()
    assert Booking.objects.get(pk=response.json()["id"]).institution == world.other_institution


def test_a_coordinator_books_at_shorter_notice_only_with_a_reason_that_is_recorded(world):
    world.pool.min_notice_working_days = 5
    world.pool.save()
    body = request_body(world, institution=world.institution.pk, starts_at=_in_days(1))
    client = world.client("coordinator")

    refused = client.post(LIST, body, format="json")
    taken = client.post(
        LIST, {**body, "notice_override_reason": "Eilt: Schulkonferenz"}, format="json"
    )
    staff = world.client("requester").post(
        LIST, {**body, "notice_override_reason": "Eilt"}, format="json"
    )

    assert refused.status_code == 400 and "starts_at" in refused.json()
    assert taken.status_code == 201, taken.json()
    event = Booking.objects.get().events.get()
    assert event.data["notice_override_reason"] == "Eilt: Schulkonferenz"
    assert staff.status_code == 400 and "notice_override_reason" in staff.json()
    assert Booking.objects.count() == 1


def test_a_coordinator_must_choose_an_institution_of_the_own_pool(world):
    client = world.client("coordinator")

    missing = client.post(LIST, request_body(world), format="json")
    foreign = client.post(
        LIST,
        request_body(world, institution=world.foreign_institution.pk, mode="phone", location=None),
        format="json",
    )

    assert missing.status_code == foreign.status_code == 400
    assert "institution" in missing.json() and "institution" in foreign.json()
    assert not Booking.objects.exists()


def test_staff_cannot_request_for_another_institution(world):
    body = request_body(world, institution=world.other_institution.pk)

    response = world.client("requester").post(LIST, body, format="json")

    assert response.status_code == 400
    assert "institution" in response.json()
    assert not Booking.objects.exists()


def test_each_role_lists_only_the_bookings_within_reach(world):
    own = world.booking("own")
    other = world.booking("other")
    world.booking("foreign")
    assigned = world.confirmed_booking("other")
    offered = world.booking("other", status=Status.OFFERED)
    OfferFactory(booking=offered, mediator=world.mediator)
    declined = world.booking("own", status=Status.OFFERED)
    OfferFactory(booking=declined, mediator=world.mediator, status=OfferStatus.DECLINED)

    def ids(role):
        return {row["id"] for row in world.client(role).get(LIST).json()["results"]}

    assert ids("coordinator") == {own.pk, other.pk, assigned.pk, offered.pk, declined.pk}
    assert ids("requester") == ids("admin") == {own.pk, declined.pk}
    assert ids("mediator") == {assigned.pk, offered.pk}


def test_the_list_filters_by_status_language_institution_and_time(world):
    soon = world.booking("own", starts_at=timezone.now() + datetime.timedelta(days=3))
    later = world.booking(
        "other",
        starts_at=timezone.now() + datetime.timedelta(days=30),
        status=Status.AWAITING_APPROVAL,
        language=LanguageFactory(code="tir"),
    )
    client = world.client("coordinator")

    def ids(**params):
        response = client.get(LIST, params)
        assert response.status_code == 200, response.json()
        return [row["id"] for row in response.json()["results"]]

    assert ids(status="awaiting_approval") == [later.pk]
    assert ids(status=["awaiting_approval", "requested"]) == [soon.pk, later.pk]
    assert ids(language="tir") == [later.pk]
    assert ids(institution=world.institution.pk) == [soon.pk]
    cut = (timezone.now() + datetime.timedelta(days=10)).isoformat()
    assert ids(starts_after=cut) == [later.pk]
    assert ids(starts_before=cut) == [soon.pk]


@pytest.mark.parametrize(
    "params",
    [
        {"status": "lost"},
        {"starts_after": "yesterday"},
        {"starts_after": "2027-02-30T10:00:00"},
        {"starts_after": "2027-03-28T02:30:00"},
        {"institution": "abc"},
        {"institution": "9" * 400},
    ],
)
def test_invalid_filters_answer_400(world, params):
    response = world.client("coordinator").get(LIST, params)
    assert response.status_code == 400


def test_the_detail_shows_status_events_and_the_mediator_once_confirmed(world):
    requested = world.booking("own")
    confirmed = world.confirmed_booking("own")
    client = world.client("requester")

    open_request = client.get(f"{LIST}{requested.pk}/").json()
    held = client.get(f"{LIST}{confirmed.pk}/").json()

    assert open_request["status"] == "requested"
    assert open_request["mediator"] is None
    assert held["mediator"]["id"] == world.mediator.pk
    assert held["mediator"]["last_name"] == world.mediator.user.last_name
    assert "events" in held


def test_reading_a_booking_is_recorded_in_the_access_log(world):
    booking = world.booking("own")

    world.client("admin").get(f"{LIST}{booking.pk}/")

    entry = AccessLog.objects.get(booking=booking)
    assert (entry.user, entry.action) == (world.admin.user, "read")


def test_a_booking_outside_reach_answers_404_and_is_not_logged(world):
    foreign = world.booking("foreign")
    other = world.booking("other")

    assert world.client("coordinator").get(f"{LIST}{foreign.pk}/").status_code == 404
    assert world.client("requester").get(f"{LIST}{other.pk}/").status_code == 404
    assert world.client("mediator").get(f"{LIST}{other.pk}/").status_code == 404
    assert not AccessLog.objects.exists()


def test_a_mediator_sees_the_institutions_contact_only_once_confirmed_to_them(world):
    offered = world.booking("own", status=Status.OFFERED, contact_name="Frau Berg")
    OfferFactory(booking=offered, mediator=world.mediator)
    confirmed = world.confirmed_booking("own", contact_name="Frau Berg", contact_phone="0216")
    client = world.client("mediator")

    offer_view = client.get(f"{LIST}{offered.pk}/").json()
    confirmed_view = client.get(f"{LIST}{confirmed.pk}/").json()

    assert offer_view["contact_name"] is None and offer_view["contact_phone"] is None
    assert offer_view["notes"] == "" and offer_view["location"]["id"] == world.location.pk
    assert (confirmed_view["contact_name"], confirmed_view["contact_phone"]) == (
        "Frau Berg",
        "0216",
    )


def test_event_reasons_and_actors_stay_hidden_from_mediators(world):
    booking = world.confirmed_booking("own")
    BookingEvent.objects.create(
        booking=booking,
        actor=world.coordinator.user,
        actor_role="coordinator",
        from_status="requested",
        to_status="confirmed",
        reason="Frau K. kennt die Familie nicht",
    )

    as_mediator = world.client("mediator").get(f"{LIST}{booking.pk}/").json()["events"][0]
    as_coordinator = world.client("coordinator").get(f"{LIST}{booking.pk}/").json()["events"][0]

    assert (as_mediator["reason"], as_mediator["actor"]) == (None, None)
    assert as_coordinator["reason"] == "Frau K. kennt die Familie nicht"
    assert as_coordinator["actor"] is not None


def test_listing_bookings_takes_the_same_queries_for_2_or_20_rows(world):
    for role in ("coordinator", "requester", "mediator"):
        client = world.client(role)

        def add_rows(n):
            for _ in range(n):
                world.confirmed_booking("own", mediator=world.mediator, starts_at=_unique_start())

        assert_queries_do_not_grow(
            request=lambda client=client: client.get(LIST, {"page_size": 200}),
            add_rows=add_rows,
            count=lambda client=client: client.get(LIST, {"page_size": 200}).json()["count"],
        )


def test_a_list_counts_its_rows_only_when_they_fill_more_than_the_page(world):
    made = [
        world.booking("own", starts_at=_unique_start(), status=Status.REQUESTED) for _ in range(5)
    ]
    client = world.client("coordinator")

    def page(**params):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(LIST, {"status": "requested", **params})
        assert response.status_code == 200, response.json()
        counted = any("COUNT(" in query["sql"].upper() for query in queries.captured_queries)
        return response.json(), counted

    whole, counted_whole = page(page_size=10)
    exact, counted_exact = page(page_size=5)
    first, counted_first = page(page_size=2)
    last, counted_last = page(page_size=2, page=3)

    # Fewer rows than a page: they are all there are, no COUNT query.
    assert whole["count"] == 5 and not counted_whole
    assert [row["id"] for row in whole["results"]] == [b.pk for b in made]
    assert whole["next"] is None and whole["previous"] is None
    # A full first page, or a later page: counted, as before.
    assert exact["count"] == 5 and counted_exact and exact["next"] is None
    assert first["count"] == 5 and counted_first and first["next"] is not None
    assert [row["id"] for row in first["results"]] == [b.pk for b in made[:2]]
    assert last["count"] == 5 and counted_last and last["next"] is None
    assert [row["id"] for row in last["results"]] == [made[4].pk]
    assert client.get(LIST, {"status": "requested", "page_size": 2, "page": 4}).status_code == 404


def test_the_list_and_the_detail_show_the_same_dialect(world):
    booking = world.booking("own")
    booking.dialect = DialectFactory(language=booking.language, code="sorani")
    booking.save()
    plain = world.booking("own", starts_at=_unique_start())
    client = world.client("requester")

    rows = {row["id"]: row for row in client.get(LIST).json()["results"]}

    assert rows[booking.pk]["dialect"] == "sorani"
    assert client.get(f"{LIST}{booking.pk}/").json()["dialect"] == "sorani"
    assert rows[plain.pk]["dialect"] is None


def test_an_empty_list_answers_its_first_page_without_counting(world):
    client = world.client("coordinator")

    with CaptureQueriesContext(connection) as queries:
        response = client.get(LIST, {"status": "requested"})

    assert response.json() == {"count": 0, "next": None, "previous": None, "results": []}
    assert not any("COUNT(" in query["sql"].upper() for query in queries.captured_queries)


_starts = iter(range(1, 10_000))


def _unique_start():
    return timezone.now() + datetime.timedelta(days=5, hours=2 * next(_starts))


def test_a_mediator_may_never_request_an_appointment(world):
    response = world.client("mediator").post(LIST, request_body(world), format="json")

    assert response.status_code == 403
    assert not Booking.objects.exists()


def test_bookings_of_other_rows_are_untouched_by_a_request(world):
    existing = BookingFactory(institution=world.institution, location=world.location)

    world.client("requester").post(LIST, request_body(world), format="json")

    existing.refresh_from_db()
    assert existing.status == Status.REQUESTED
    assert Booking.objects.count() == 2


def test_a_request_over_the_institutions_budget_waits_for_approval(world):
    from tests.institutions.factories import BudgetFactory

    start = timezone.now() + datetime.timedelta(days=20)
    budget = BudgetFactory(
        institution=world.institution, year=timezone.localtime(start).year, hours=0.5
    )
    body = request_body(world, funding_source=budget.funding_source.pk)

    response = world.client("requester").post(LIST, body, format="json")

    assert response.status_code == 201, response.json()
    assert response.json()["status"] == "awaiting_approval"
    assert response.json()["funding_source"] == budget.funding_source.pk
