"""Mediators keep their own profile, weekly availability, absences and conflicts current."""

import datetime

import pytest

from mediators.models import Absence, AvailabilitySlot, ConflictOfInterest
from mediators.services import mediator_pause
from tests.api.queries import assert_queries_do_not_grow
from tests.mediators.factories import AbsenceFactory, AvailabilitySlotFactory, MediatorFactory

pytestmark = pytest.mark.django_db

ME = "/api/v1/mediators/me/"
SLOTS = "/api/v1/mediators/me/availability/"
ABSENCES = "/api/v1/mediators/me/absences/"
CONFLICTS = "/api/v1/mediators/me/conflicts/"


def test_a_mediator_reads_the_own_profile(world):
    response = world.client("mediator").get(ME)

    assert response.status_code == 200
    assert response.json()["id"] == world.mediator.pk
    assert response.json()["police_certificate_valid_until"] == "2030-02-01"


def test_a_mediator_changes_travel_range_and_languages_but_not_the_vetting(world):
    body = {
        "max_travel_km": 35,
        "languages": [{"code": "prs", "dialect": "hazaragi", "level": "native"}],
        "police_certificate_valid_until": "2099-01-01",
        "email": "new@example.org",
    }

    response = world.client("mediator").patch(ME, body, format="json")

    assert response.status_code == 200
    world.mediator.refresh_from_db()
    world.mediator.user.refresh_from_db()
    assert world.mediator.max_travel_km == 35
    assert response.json()["languages"] == [
        {"code": "prs", "dialect": "hazaragi", "level": "native"}
    ]
    assert world.mediator.police_certificate_valid_until == datetime.date(2030, 2, 1)
    assert world.mediator.user.email != "new@example.org"


def test_a_mediator_cannot_pause_themselves_but_marks_themselves_unavailable(world):
    client = world.client("mediator")

    paused = client.patch(ME, {"active": False}, format="json")
    unavailable = client.patch(
        ME, {"self_unavailable": True, "self_unavailable_until": "2027-05-31"}, format="json"
    )

    assert paused.status_code == 400 and "active" in paused.json()
    assert unavailable.status_code == 200
    assert unavailable.json()["active"] is True
    assert unavailable.json()["self_unavailable"] is True
    assert unavailable.json()["self_unavailable_until"] == "2027-05-31"
    world.mediator.refresh_from_db()
    assert world.mediator.active is True and world.mediator.self_unavailable is True


def test_a_paused_mediator_cannot_resume_themselves(world):
    mediator_pause(mediator=world.mediator, by=world.coordinator.user, reason="Rückfrage")
    client = world.client("mediator")

    response = client.patch(ME, {"active": True}, format="json")
    unchanged = client.patch(ME, {"active": False, "phone": "02162 1234"}, format="json")

    assert response.status_code == 400
    assert unchanged.status_code == 200  # the whole profile sent back, pause unchanged
    world.mediator.refresh_from_db()
    assert world.mediator.active is False
    assert world.mediator.paused_reason == "Rückfrage"


def test_a_weekly_slot_is_added_in_local_time(world):
    body = {"weekday": 0, "start_time": "08:00", "end_time": "12:30"}

    response = world.client("mediator").post(SLOTS, body, format="json")

    assert response.status_code == 201
    slot = AvailabilitySlot.objects.get(pk=response.json()["id"])
    assert (slot.mediator, slot.weekday) == (world.mediator, 0)
    assert (slot.start_time, slot.end_time) == (datetime.time(8), datetime.time(12, 30))
    listed = world.client("mediator").get(SLOTS).json()["results"]
    assert listed == [
        {
            "id": slot.pk,
            "weekday": 0,
            "start_time": "08:00:00",
            "end_time": "12:30:00",
            "ends_at_midnight": False,
        }
    ]


@pytest.mark.parametrize("end", ["24:00", "00:00"])
def test_a_weekly_slot_may_end_at_midnight(world, end):
    client = world.client("mediator")

    response = client.post(SLOTS, {"weekday": 4, "start_time": "18:00", "end_time": end})
    after = client.post(SLOTS, {"weekday": 4, "start_time": "22:00", "end_time": "23:00"})

    assert response.status_code == 201
    assert response.json()["end_time"] == "00:00:00"
    assert response.json()["ends_at_midnight"] is True
    assert after.status_code == 400  # overlaps 18:00-24:00
    assert AvailabilitySlot.objects.get().end_time == datetime.time(0)


@pytest.mark.parametrize(
    "body, field",
    [
        ({"weekday": 0, "start_time": "11:00", "end_time": "13:00"}, "start_time"),
        ({"weekday": 0, "start_time": "07:00", "end_time": "19:00"}, "start_time"),
        ({"weekday": 2, "start_time": "12:00", "end_time": "12:00"}, "end_time"),
        ({"weekday": 2, "start_time": "14:00", "end_time": "09:00"}, "end_time"),
        ({"weekday": 7, "start_time": "08:00", "end_time": "09:00"}, "weekday"),
        ({"weekday": -1, "start_time": "08:00", "end_time": "09:00"}, "weekday"),
        ({"weekday": 2, "start_time": "25:00", "end_time": "26:00"}, "start_time"),
        ({"weekday": "Monday", "start_time": "08:00", "end_time": "09:00"}, "weekday"),
        ({"weekday": 2, "start_time": ["08:00"], "end_time": "09:00"}, "start_time"),
    ],
)
def test_overlapping_or_inverted_slots_answer_400_and_store_nothing(world, body, field):
    AvailabilitySlotFactory(
        mediator=world.mediator, weekday=0, start_time=datetime.time(8), end_time=datetime.time(12)
    )

    response = world.client("mediator").post(SLOTS, body, format="json")

    assert response.status_code == 400
    assert field in response.json()
    assert AvailabilitySlot.objects.filter(mediator=world.mediator).count() == 1


def test_touching_slots_and_the_same_time_on_another_day_are_fine(world):
    AvailabilitySlotFactory(
        mediator=world.mediator, weekday=0, start_time=datetime.time(8), end_time=datetime.time(12)
    )
    client = world.client("mediator")

    touching = client.post(
        SLOTS, {"weekday": 0, "start_time": "12:00", "end_time": "14:00"}, format="json"
    )
    other_day = client.post(
        SLOTS, {"weekday": 1, "start_time": "08:00", "end_time": "12:00"}, format="json"
    )

    assert (touching.status_code, other_day.status_code) == (201, 201)


def test_a_mediator_deletes_an_own_slot_but_not_another_mediators(world):
    own = AvailabilitySlotFactory(mediator=world.mediator)
    others = AvailabilitySlotFactory(mediator=world.other_mediator)
    client = world.client("mediator")

    deleted = client.delete(f"{SLOTS}{own.pk}/")
    refused = client.delete(f"{SLOTS}{others.pk}/")

    assert (deleted.status_code, refused.status_code) == (204, 404)
    assert not AvailabilitySlot.objects.filter(pk=own.pk).exists()
    assert AvailabilitySlot.objects.filter(pk=others.pk).exists()


def test_an_absence_covers_whole_days_both_inclusive(world):
    body = {"starts_on": "2027-07-01", "ends_on": "2027-07-01", "note": "Urlaub"}

    response = world.client("mediator").post(ABSENCES, body, format="json")

    assert response.status_code == 201
    absence = Absence.objects.get(pk=response.json()["id"])
    assert absence.starts_on == absence.ends_on == datetime.date(2027, 7, 1)


@pytest.mark.parametrize(
    "body, field",
    [
        ({"starts_on": "2027-07-10", "ends_on": "2027-07-01"}, "ends_on"),
        ({"starts_on": "2027-02-30", "ends_on": "2027-03-01"}, "starts_on"),
        ({"starts_on": "2027-07-01"}, "ends_on"),
        ({"starts_on": "2027-07-01", "ends_on": "2027-07-02", "note": "x" * 201}, "note"),
        ({"starts_on": 20270701, "ends_on": "2027-07-02"}, "starts_on"),
    ],
)
def test_invalid_absences_answer_400_and_store_nothing(world, body, field):
    response = world.client("mediator").post(ABSENCES, body, format="json")

    assert response.status_code == 400
    assert field in response.json()
    assert not Absence.objects.exists()


def test_a_mediator_deletes_an_own_absence_but_not_another_mediators(world):
    own = AbsenceFactory(mediator=world.mediator)
    others = AbsenceFactory(mediator=world.other_mediator)
    client = world.client("mediator")

    assert client.delete(f"{ABSENCES}{own.pk}/").status_code == 204
    assert client.delete(f"{ABSENCES}{others.pk}/").status_code == 404
    assert list(Absence.objects.all()) == [others]


def test_a_mediator_declares_a_conflict_of_interest_once(world):
    client = world.client("mediator")

    body = {"institution": world.institution.pk, "case_reference": "JA-2027-17"}
    first = client.post(CONFLICTS, body, format="json")
    again = client.post(CONFLICTS, {**body, "case_reference": " ja-2027-17"}, format="json")

    assert (first.status_code, again.status_code) == (201, 201)
    assert first.json()["id"] == again.json()["id"]
    conflict = ConflictOfInterest.objects.get(mediator=world.mediator)
    assert conflict.recorded_by == world.mediator.user
    assert client.get(CONFLICTS).json()["results"][0]["case_reference"] == "JA-2027-17"


@pytest.mark.parametrize("case_reference", ["", "   ", "x" * 65, None, ["JA-1"]])
def test_an_empty_or_oversized_case_reference_answers_400(world, case_reference):
    response = world.client("mediator").post(
        CONFLICTS,
        {"institution": world.institution.pk, "case_reference": case_reference},
        format="json",
    )

    assert response.status_code == 400
    assert "case_reference" in response.json()
    assert not ConflictOfInterest.objects.exists()


def test_other_roles_may_never_use_the_own_mediator_endpoints(world):
    for role in ("coordinator", "requester", "admin"):
        client = world.client(role)
        assert client.get(ME).status_code == 403
        assert client.post(SLOTS, {}, format="json").status_code == 403
        assert client.post(CONFLICTS, {"case_reference": "X"}, format="json").status_code == 403
    assert not ConflictOfInterest.objects.exists()


def test_a_mediator_lists_only_the_own_slots(world):
    AvailabilitySlotFactory(mediator=MediatorFactory(pool=world.pool))
    own = AvailabilitySlotFactory(mediator=world.mediator)

    listed = world.client("mediator").get(SLOTS).json()["results"]

    assert [row["id"] for row in listed] == [own.pk]


@pytest.mark.parametrize(
    "url, make",
    [
        (
            SLOTS,
            lambda m, i: AvailabilitySlotFactory(
                mediator=m,
                weekday=i % 7,
                start_time=datetime.time(i // 7),
                end_time=datetime.time(i // 7, 30),
            ),
        ),
        (ABSENCES, lambda m, i: AbsenceFactory(mediator=m)),
        (
            CONFLICTS,
            lambda m, i: ConflictOfInterest.objects.create(mediator=m, case_reference=f"C{i}"),
        ),
    ],
    ids=["availability", "absences", "conflicts"],
)
def test_the_own_lists_take_the_same_queries_for_2_or_20_rows(world, url, make):
    client = world.client("mediator")
    made = iter(range(100))

    def add_rows(n):
        for _ in range(n):
            make(world.mediator, next(made))

    assert_queries_do_not_grow(
        request=lambda: client.get(url, {"page_size": 100}),
        add_rows=add_rows,
        count=lambda: client.get(url, {"page_size": 100}).json()["count"],
    )


def test_a_language_without_a_code_in_a_patch_answers_400_and_a_missing_level_means_fluent(world):
    client = world.client("mediator")

    without_code = client.patch(ME, {"languages": [{"level": "good"}]}, format="json")
    without_level = client.patch(ME, {"languages": [{"code": "tir"}]}, format="json")

    assert without_code.status_code == 400
    assert "languages" in without_code.json()
    assert without_level.status_code == 200
    assert without_level.json()["languages"] == [
        {"code": "tir", "dialect": None, "level": "fluent"}
    ]
