"""Mediator services: onboarding with its invitation, profile, availability, absences,
conflicts of interest."""

import datetime

import pytest
from django.contrib.auth import get_user_model
from django.db import DatabaseError

from core.exceptions import DomainError
from core.invitations import account_invite
from mediators.models import AvailabilitySlot, ConflictOfInterest, Mediator, MediatorLanguage
from mediators.selectors import conflict_history_of, conflicts_of, language_by_code
from mediators.services import (
    MEDIATOR_EDITABLE,
    LanguageSkill,
    absence_create,
    availability_slot_create,
    conflict_declare,
    conflict_lift,
    mediator_create,
    mediator_onboard,
    mediator_update,
)
from mediators.signals import WIDENING, EligibilityChange, mediator_eligibility_changed
from notifications.constants import MessageKind
from notifications.models import Message
from tests.clock import frozen
from tests.institutions.factories import CoordinatorFactory, InstitutionFactory, PoolFactory
from tests.mediators.factories import (
    AvailabilitySlotFactory,
    DialectFactory,
    MediatorFactory,
)

pytestmark = pytest.mark.django_db


def test_onboarding_derives_the_home_from_the_postal_code():
    mediator = mediator_create(
        pool=PoolFactory(),
        email="Y.Osman@Example.org",
        first_name="Yusuf",
        last_name="Osman",
        gender="male",
        home_postal_code="41334",
        languages=[LanguageSkill(language=language_by_code("tir"), level=4)],
    )

    assert mediator.user.username == "y.osman@example.org"
    assert mediator.home_latitude is not None and mediator.home_longitude is not None
    assert list(
        MediatorLanguage.objects.filter(mediator=mediator).values_list("level", flat=True)
    ) == [4]


def test_onboarding_with_an_unknown_postal_code_and_no_coordinates_stores_nothing():
    with pytest.raises(DomainError) as refused:
        mediator_create(
            pool=PoolFactory(),
            email="a@example.org",
            first_name="A",
            last_name="B",
            gender="female",
            home_postal_code="10115",
        )

    assert refused.value.field == "home_postal_code"
    from django.contrib.auth import get_user_model

    assert not get_user_model().objects.filter(username="a@example.org").exists()


def test_a_dialect_of_another_language_is_refused():
    ukrainian = language_by_code("ukr")
    levantine = DialectFactory(language=language_by_code("ara"), code="levantine")

    with pytest.raises(DomainError) as refused:
        mediator_update(
            mediator=MediatorFactory(),
            data={},
            languages=[LanguageSkill(language=ukrainian, dialect=levantine, level=3)],
        )

    assert refused.value.field == "languages"


def test_a_mediator_cannot_change_the_own_vetting_dates():
    mediator = MediatorFactory(police_certificate_valid_until=datetime.date(2026, 1, 1))

    mediator_update(
        mediator=mediator,
        data={"police_certificate_valid_until": datetime.date(2099, 1, 1), "max_travel_km": 5},
        allowed=MEDIATOR_EDITABLE,
    )

    mediator.refresh_from_db()
    assert mediator.police_certificate_valid_until == datetime.date(2026, 1, 1)
    assert mediator.max_travel_km == 5


@pytest.mark.parametrize(
    "start, end",
    [(datetime.time(9), datetime.time(10)), (datetime.time(7), datetime.time(8, 1))],
)
def test_a_slot_overlapping_another_of_the_same_weekday_is_refused(start, end):
    slot = AvailabilitySlotFactory(start_time=datetime.time(8), end_time=datetime.time(12))

    with pytest.raises(DomainError):
        availability_slot_create(
            mediator=slot.mediator, weekday=slot.weekday, start_time=start, end_time=end
        )

    assert AvailabilitySlot.objects.filter(mediator=slot.mediator).count() == 1


def test_a_slot_must_end_after_it_starts():
    with pytest.raises(DomainError) as refused:
        availability_slot_create(
            mediator=MediatorFactory(),
            weekday=1,
            start_time=datetime.time(10),
            end_time=datetime.time(10),
        )
    assert refused.value.field == "end_time"


def test_an_absence_may_be_a_single_day_but_never_end_before_it_starts():
    mediator = MediatorFactory()
    day = datetime.date(2027, 5, 3)

    single = absence_create(mediator=mediator, starts_on=day, ends_on=day)
    with pytest.raises(DomainError):
        absence_create(mediator=mediator, starts_on=day, ends_on=day - datetime.timedelta(days=1))

    assert single.starts_on == single.ends_on == day
    assert mediator.absences.count() == 1


def test_declaring_a_conflict_twice_keeps_the_first_record():
    mediator = MediatorFactory()
    coordinator = CoordinatorFactory(pool=mediator.pool)

    institution = InstitutionFactory(pool=mediator.pool)
    first = conflict_declare(
        mediator=mediator,
        institution=institution,
        case_reference=" JA-9 ",
        recorded_by=mediator.user,
    )
    second = conflict_declare(
        mediator=mediator,
        institution=institution,
        case_reference="ja-9",
        recorded_by=coordinator.user,
    )

    assert first.pk == second.pk
    assert ConflictOfInterest.objects.get().recorded_by == mediator.user


def test_lifting_a_conflict_widens_eligibility_once_and_a_second_lift_is_refused():
    # Given a conflict a coordinator recorded
    mediator = MediatorFactory()
    coordinator = CoordinatorFactory(pool=mediator.pool)
    conflict = conflict_declare(
        mediator=mediator,
        institution=InstitutionFactory(pool=mediator.pool),
        case_reference="JA-9",
        recorded_by=coordinator.user,
    )
    told = []

    def listen(sender, **kwargs):
        told.append(kwargs["reason"])

    mediator_eligibility_changed.connect(listen)
    try:
        # When it is lifted
        conflict_lift(conflict=conflict, lifted_by=coordinator.user)
        # Then it no longer holds, and the bookings app hears of a change that can only widen
        assert not ConflictOfInterest.objects.active().exists()
        assert told == [EligibilityChange.CONFLICT_LIFTED]
        assert EligibilityChange.CONFLICT_LIFTED in WIDENING
        # and lifting it again says so and tells nobody
        with pytest.raises(DomainError):
            conflict_lift(conflict=conflict, lifted_by=coordinator.user)
        assert told == [EligibilityChange.CONFLICT_LIFTED]
    finally:
        mediator_eligibility_changed.disconnect(listen)


DECLARED_AT = datetime.datetime(2027, 3, 1, 8, 0, tzinfo=datetime.UTC)


@frozen(DECLARED_AT)
def test_a_lifted_conflict_is_kept_with_who_declared_and_lifted_it_when_and_why():
    # Given a conflict a mediator declared
    mediator = MediatorFactory()
    coordinator = CoordinatorFactory(pool=mediator.pool)
    institution = InstitutionFactory(pool=mediator.pool)
    declared_at = DECLARED_AT
    lifted_at = declared_at + datetime.timedelta(days=3)
    conflict = conflict_declare(
        mediator=mediator,
        institution=institution,
        case_reference="JA-9",
        recorded_by=mediator.user,
        reason="Nachbarin der Familie",
    )

    # When a coordinator lifts it
    lifted = conflict_lift(
        conflict=conflict, lifted_by=coordinator.user, reason="  Familie verzogen ", now=lifted_at
    )

    # Then the record stays, with both sides of its history
    row = ConflictOfInterest.objects.get()
    assert row.pk == lifted.pk == conflict.pk
    assert (row.recorded_by, row.created_at, row.reason) == (
        mediator.user,
        declared_at,
        "Nachbarin der Familie",
    )
    assert (row.lifted_by, row.lifted_at, row.lift_reason) == (
        coordinator.user,
        lifted_at,
        "Familie verzogen",
    )
    assert list(conflict_history_of(mediator)) == [row]
    assert not conflicts_of(mediator).exists()

    # and declaring the case again makes a new active record next to the lifted one
    again = conflict_declare(
        mediator=mediator, institution=institution, case_reference="ja-9", recorded_by=None
    )
    assert again.pk != row.pk
    assert list(conflicts_of(mediator)) == [again]
    assert list(conflict_history_of(mediator)) == [again, row]


def test_an_overlong_lift_reason_is_refused_and_the_conflict_holds():
    mediator = MediatorFactory()
    conflict = conflict_declare(
        mediator=mediator,
        institution=InstitutionFactory(pool=mediator.pool),
        case_reference="JA-9",
        recorded_by=None,
    )
    with pytest.raises(DomainError):
        conflict_lift(conflict=conflict, lifted_by=None, reason="x" * 501)
    assert list(conflicts_of(mediator)) == [conflict]


@pytest.mark.parametrize("case_reference", ["", "   ", "x" * 65])
def test_an_empty_or_overlong_case_reference_is_refused(case_reference):
    mediator = MediatorFactory()
    with pytest.raises(DomainError):
        conflict_declare(
            mediator=mediator,
            institution=InstitutionFactory(pool=mediator.pool),
            case_reference=case_reference,
            recorded_by=None,
        )
    assert not ConflictOfInterest.objects.exists()


ONBOARDING = {
    "email": "Semhar.Tesfay@Example.org",
    "first_name": "Semhar",
    "last_name": "Tesfay",
    "gender": "female",
    "home_postal_code": "41747",
    "language": "en",
    "training_completed_on": datetime.date(2026, 1, 10),
}


def onboarding(**extra):
    """ONBOARDING with the one language a mediator needs at least."""
    return {"languages": [LanguageSkill(language=language_by_code("tir"), level=4)]} | {
        **ONBOARDING,
        **extra,
    }


def onboarding_footprint() -> tuple[int, int, int, int]:
    """Accounts, mediators, their languages and messages: what an onboarding writes."""
    return (
        get_user_model().objects.count(),
        Mediator.objects.count(),
        MediatorLanguage.objects.count(),
        Message.objects.count(),
    )


def test_onboarding_creates_account_profile_languages_and_the_invitation_together():
    pool = PoolFactory()
    tigrinya = language_by_code("tir")

    mediator = mediator_onboard(
        pool=pool, languages=[LanguageSkill(language=tigrinya, level=4)], **ONBOARDING
    )

    user = mediator.user
    assert (user.username, user.email) == ("semhar.tesfay@example.org",) * 2
    assert not user.has_usable_password(), "the invitation lets them choose a password"
    assert (mediator.pool, mediator.language) == (pool, "en")
    assert mediator.home_latitude is not None
    assert [(row.language, row.level) for row in mediator.languages.all()] == [(tigrinya, 4)]
    invitation = Message.objects.get()
    assert (invitation.kind, invitation.recipient_user, invitation.language) == (
        MessageKind.ACCOUNT_INVITATION,
        user,
        "en",
    )
    assert (invitation.recipient_email, invitation.pool) == (user.email, pool)


def an_unknown_postal_code_without_coordinates():
    return {"home_postal_code": "10115"}


def a_certificate_expiring_before_its_inspection():
    # Checked after the account is written: the account must go again.
    return {
        "police_certificate_inspected_on": datetime.date(2026, 3, 1),
        "police_certificate_valid_until": datetime.date(2026, 2, 1),
    }


def no_language():
    return {"languages": []}


def the_same_language_twice():
    skill = LanguageSkill(language=language_by_code("tir"), level=4)
    return {"languages": [skill, skill]}


@pytest.mark.parametrize(
    ("bad_input", "field"),
    [
        (an_unknown_postal_code_without_coordinates, "home_postal_code"),
        (a_certificate_expiring_before_its_inspection, "police_certificate_valid_until"),
        (the_same_language_twice, "languages"),
        (no_language, "languages"),
    ],
)
def test_refused_onboarding_writes_no_account_no_mediator_and_sends_nothing(bad_input, field):
    pool = PoolFactory()
    before = onboarding_footprint()

    with pytest.raises(DomainError) as refused:
        mediator_onboard(pool=pool, **onboarding(**bad_input()))

    assert refused.value.field == field
    assert onboarding_footprint() == before


def test_onboarding_an_address_that_has_an_account_changes_nothing():
    pool = PoolFactory()
    mediator_onboard(pool=pool, **onboarding())
    before = onboarding_footprint()

    with pytest.raises(DomainError) as refused:
        mediator_onboard(pool=pool, **onboarding(email="semhar.tesfay@example.org "))

    assert refused.value.field == "email"
    assert onboarding_footprint() == before


def test_when_the_invitation_cannot_be_written_the_mediator_is_not_kept(monkeypatch):
    # No input makes the outbox fail, so the failure is injected after the real write.
    from mediators import services

    def invitation_then_failure(**kwargs):
        account_invite(**kwargs)
        raise DatabaseError("the outbox is gone")

    monkeypatch.setattr(services, "account_invite", invitation_then_failure)
    pool = PoolFactory()
    before = onboarding_footprint()

    with pytest.raises(DatabaseError):
        mediator_onboard(pool=pool, **onboarding())

    assert onboarding_footprint() == before


def test_only_a_coordinator_pauses_and_resumes_a_mediator():
    from django.core.exceptions import PermissionDenied

    from mediators.services import mediator_pause, mediator_resume

    mediator = MediatorFactory()
    coordinator = CoordinatorFactory(pool=mediator.pool)

    with pytest.raises(PermissionDenied):
        mediator_pause(mediator=mediator, by=mediator.user, reason="selbst")
    paused = mediator_pause(mediator=mediator, by=coordinator.user, reason="Rückfrage")
    with pytest.raises(PermissionDenied):
        mediator_resume(mediator=mediator, by=mediator.user)
    still = Mediator.objects.get(pk=mediator.pk)
    resumed = mediator_resume(mediator=mediator, by=coordinator.user)

    assert (paused.active, paused.paused_reason, paused.paused_by) == (
        False,
        "Rückfrage",
        coordinator.user,
    )
    assert still.active is False
    assert (resumed.active, resumed.paused_reason, resumed.paused_by) == (True, "", None)


def test_an_overlapping_slot_is_refused_also_against_a_slot_until_midnight():
    mediator = MediatorFactory()
    availability_slot_create(
        mediator=mediator, weekday=5, start_time=datetime.time(20), end_time=datetime.time(0)
    )
    touching = availability_slot_create(
        mediator=mediator, weekday=5, start_time=datetime.time(16), end_time=datetime.time(20)
    )

    for start, end in (
        (datetime.time(23), datetime.time(0)),
        (datetime.time(19), datetime.time(21)),
    ):
        with pytest.raises(DomainError):
            availability_slot_create(mediator=mediator, weekday=5, start_time=start, end_time=end)

    assert touching.pk and mediator.availability.count() == 2


def test_a_mediator_cannot_be_left_without_any_language():
    mediator = MediatorFactory()
    tigrinya = language_by_code("tir")
    mediator_update(mediator=mediator, data={}, languages=[LanguageSkill(tigrinya, level=4)])

    with pytest.raises(DomainError) as refused:
        mediator_update(mediator=mediator, data={}, languages=[])

    assert refused.value.field == "languages"
    assert [row.language for row in mediator.languages.all()] == [tigrinya]


def test_an_iban_is_kept_without_spaces_and_a_mistyped_one_is_refused():
    mediator = MediatorFactory()

    mediator_update(mediator=mediator, data={"iban": "de89 3704 0044 0532 0130 00"})
    with pytest.raises(DomainError) as refused:
        mediator_update(mediator=mediator, data={"iban": "DE89 3704 0044 0532 0130 01"})

    mediator.refresh_from_db()
    assert mediator.iban == "DE89370400440532013000"
    assert refused.value.field == "iban"
