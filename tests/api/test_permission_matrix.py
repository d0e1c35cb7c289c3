"""Who may call which endpoint, on what: every endpoint × role × target, in one table.

Targets: ``own`` is the caller's own institution, own mediator record or a booking of the own
institution assigned to the own mediator; ``other`` belongs to another institution (or
mediator) of the same pool; ``foreign`` to another pool; ``shared`` is a mediator of a pool
that explicitly shares its mediators with the caller's (visible, kept by that pool); ``-``
for collections. 401 without credentials, 403 for a role that may never do this (or for
changing what another pool keeps), 404 for an object outside reach (never revealing that it
exists), 400 for a body naming something outside reach.
Each cell starts from the same world (changes are rolled back), so an allowed change
really succeeds.
"""

import datetime
import json

import pytest
from django.db import transaction
from django.utils import timezone
from knox.models import AuthToken

from bookings.constants import Status
from bookings.models import Report
from mediators.models import AvailabilityDate
from tests.api.world import ROLES
from tests.institutions.factories import CompensationRuleFactory, PoolFactory, UserFactory
from tests.mediators.factories import AbsenceFactory, AvailabilitySlotFactory, MediatorFactory

pytestmark = pytest.mark.django_db

MATRIX = """
method path                                target   anonymous coordinator requester admin mediator
POST   /auth/token/                        -        200       200         200       200   200
DELETE /auth/token/                        -        401       400         400       400   400
GET    /auth/tokens/                       -        401       200         200       200   200
DELETE /auth/tokens/{id}/                  other    401       404         404       404   404
GET    /languages/                         -        401       200         200       200   200
GET    /institutions/                      -        401       200         200       200   403
POST   /institutions/                      -        401       201         403       403   403
GET    /institutions/{id}/                 own      401       200         200       200   403
GET    /institutions/{id}/                 other    401       200         404       404   403
GET    /institutions/{id}/                 foreign  401       404         404       404   403
PATCH  /institutions/{id}/                 own      401       200         403       403   403
PATCH  /institutions/{id}/                 other    401       200         403       403   403
PATCH  /institutions/{id}/                 foreign  401       404         403       403   403
GET    /institutions/{id}/locations/       own      401       200         200       200   403
GET    /institutions/{id}/locations/       other    401       200         404       404   403
GET    /institutions/{id}/locations/       foreign  401       404         404       404   403
POST   /institutions/{id}/locations/       own      401       201         403       201   403
POST   /institutions/{id}/locations/       other    401       201         403       404   403
POST   /institutions/{id}/locations/       foreign  401       404         403       404   403
GET    /mediators/                         -        401       200         403       403   403
POST   /mediators/                         -        401       201         403       403   403
GET    /mediators/{id}/                    own      401       200         403       403   403
GET    /mediators/{id}/                    other    401       200         403       403   403
GET    /mediators/{id}/                    foreign  401       404         403       403   403
GET    /mediators/{id}/                    shared   401       200         403       403   403
PATCH  /mediators/{id}/                    own      401       200         403       403   403
PATCH  /mediators/{id}/                    other    401       200         403       403   403
PATCH  /mediators/{id}/                    foreign  401       404         403       403   403
PATCH  /mediators/{id}/                    shared   401       403         403       403   403
POST   /mediators/{id}/pause/              own      401       200         403       403   403
POST   /mediators/{id}/pause/              other    401       200         403       403   403
POST   /mediators/{id}/pause/              foreign  401       404         403       403   403
POST   /mediators/{id}/pause/              shared   401       403         403       403   403
POST   /mediators/{id}/resume/             own      401       200         403       403   403
POST   /mediators/{id}/resume/             other    401       200         403       403   403
POST   /mediators/{id}/resume/             foreign  401       404         403       403   403
POST   /mediators/{id}/resume/             shared   401       403         403       403   403
GET    /mediators/{id}/conflicts/          own      401       200         403       403   403
GET    /mediators/{id}/conflicts/          other    401       200         403       403   403
GET    /mediators/{id}/conflicts/          foreign  401       404         403       403   403
GET    /mediators/{id}/conflicts/          shared   401       403         403       403   403
POST   /mediators/{id}/conflicts/          own      401       201         403       403   403
POST   /mediators/{id}/conflicts/          other    401       201         403       403   403
POST   /mediators/{id}/conflicts/          foreign  401       404         403       403   403
POST   /mediators/{id}/conflicts/          shared   401       403         403       403   403
GET    /mediators/me/                      -        401       403         403       403   200
PATCH  /mediators/me/                      -        401       403         403       403   200
GET    /mediators/me/availability/         -        401       403         403       403   200
POST   /mediators/me/availability/         -        401       403         403       403   201
DELETE /mediators/me/availability/{id}/    own      401       403         403       403   204
DELETE /mediators/me/availability/{id}/    other    401       403         403       403   404
DELETE /mediators/me/availability/{id}/    foreign  401       403         403       403   404
GET    /mediators/me/availability-dates/   -        401       403         403       403   200
POST   /mediators/me/availability-dates/   -        401       403         403       403   201
DELETE /mediators/me/availability-dates/{id}/ own   401       403         403       403   204
DELETE /mediators/me/availability-dates/{id}/ other 401       403         403       403   404
DELETE /mediators/me/availability-dates/{id}/ foreign 401     403         403       403   404
GET    /mediators/me/absences/             -        401       403         403       403   200
POST   /mediators/me/absences/             -        401       403         403       403   201
DELETE /mediators/me/absences/{id}/        own      401       403         403       403   204
DELETE /mediators/me/absences/{id}/        other    401       403         403       403   404
DELETE /mediators/me/absences/{id}/        foreign  401       403         403       403   404
GET    /mediators/me/conflicts/            -        401       403         403       403   200
POST   /mediators/me/conflicts/            -        401       403         403       403   201
GET    /bookings/                          -        401       200         200       200   200
POST   /bookings/                          own      401       201         201       201   403
POST   /bookings/                          other    401       201         400       400   403
POST   /bookings/                          foreign  401       400         400       400   403
GET    /bookings/{id}/                     own      401       200         200       200   200
GET    /bookings/{id}/                     other    401       200         404       404   404
GET    /bookings/{id}/                     foreign  401       404         404       404   404
POST   /bookings/{id}/approve/             own      401       200         403       403   403
POST   /bookings/{id}/approve/             other    401       200         403       403   403
POST   /bookings/{id}/approve/             foreign  401       404         403       403   403
POST   /bookings/{id}/refuse/              own      401       200         403       403   403
POST   /bookings/{id}/refuse/              other    401       200         403       403   403
POST   /bookings/{id}/refuse/              foreign  401       404         403       403   403
POST   /bookings/{id}/cancel/              own      401       200         200       200   200
POST   /bookings/{id}/cancel/              other    401       200         404       404   404
POST   /bookings/{id}/cancel/              foreign  401       404         404       404   404
POST   /bookings/{id}/report/              own      401       403         403       403   200
POST   /bookings/{id}/report/              other    401       403         403       403   404
POST   /bookings/{id}/report/              foreign  401       403         403       403   404
POST   /bookings/{id}/confirm-report/      own      401       403         200       200   403
POST   /bookings/{id}/confirm-report/      other    401       403         404       404   403
POST   /bookings/{id}/confirm-report/      foreign  401       403         404       404   403
POST   /bookings/{id}/dispute-report/      own      401       403         200       200   403
POST   /bookings/{id}/dispute-report/      other    401       403         404       404   403
POST   /bookings/{id}/dispute-report/      foreign  401       403         404       404   403
POST   /bookings/{id}/reschedule/          own      401       200         200       200   403
POST   /bookings/{id}/reschedule/          other    401       200         404       404   403
POST   /bookings/{id}/reschedule/          foreign  401       404         404       404   403
POST   /bookings/{id}/resolve-report/      own      401       200         403       403   403
POST   /bookings/{id}/resolve-report/      other    401       200         403       403   403
POST   /bookings/{id}/resolve-report/      foreign  401       404         403       403   403
POST   /bookings/{id}/travel-report/       own      401       403         403       403   200
POST   /bookings/{id}/travel-report/       other    401       403         403       403   404
POST   /bookings/{id}/travel-report/       foreign  401       403         403       403   404
POST   /bookings/{id}/no-show/             own      401       200         403       403   403
POST   /bookings/{id}/no-show/             other    401       200         403       403   403
POST   /bookings/{id}/no-show/             foreign  401       404         403       403   403
GET    /budgets/                           -        401       200         200       200   403
GET    /statements/                        -        401       200         403       403   200
GET    /statements/?mediator={id}          own      401       200         403       403   200
GET    /statements/?mediator={id}          other    401       200         403       403   404
GET    /statements/?mediator={id}          foreign  401       404         403       403   404
GET    /statements/?mediator={id}          shared   401       404         403       403   404
GET    /payouts/                           -        401       200         403       403   403
"""


def _institution(world, target):
    return {
        "own": world.institution,
        "other": world.other_institution,
        "foreign": world.foreign_institution,
    }[target]


def _dated(mediator):
    """A one-off time of ``mediator`` a month ahead."""
    return AvailabilityDate.objects.create(
        mediator=mediator,
        day=timezone.localdate() + datetime.timedelta(days=30),
        start_time=datetime.time(9),
        end_time=datetime.time(13),
    )


def _mediator(world, target):
    if target == "shared":
        # A mediator of a pool that explicitly shares its mediators with the caller's pool.
        sharing = PoolFactory(name="KI Stadt Krefeld")
        sharing.shares_mediators_with.add(world.pool)
        return MediatorFactory(pool=sharing)
    return {
        "own": world.mediator,
        "other": world.other_mediator,
        "foreign": world.foreign_mediator,
    }[target]


def _future_start() -> str:
    return (timezone.now() + datetime.timedelta(days=21)).isoformat()


def _booking(world, target, *, status=Status.CONFIRMED, started=False):
    starts_at = timezone.now() + (
        datetime.timedelta(hours=-3) if started else datetime.timedelta(days=14)
    )
    if status in (Status.CONFIRMED, Status.COMPLETED):
        return world.confirmed_booking(
            target, mediator=_mediator(world, target), status=status, starts_at=starts_at
        )
    return world.booking(target, status=status, starts_at=starts_at)


def _reported(world, target):
    CompensationRuleFactory(
        pool=_institution(world, target).pool, valid_from=datetime.date(2020, 1, 1)
    )
    booking = _booking(world, target, status=Status.COMPLETED, started=True)
    Report.objects.create(booking=booking, actual_minutes=47, travel_km=3)
    return booking


def _cancelled_late(world, target):
    """A booking the institution cancelled within the notice period, held by the target's
    mediator, with the pool's compensation rule."""
    CompensationRuleFactory(
        pool=_institution(world, target).pool, valid_from=datetime.date(2020, 1, 1)
    )
    return world.booking(
        target,
        status=Status.CANCELLED,
        mediator=_mediator(world, target),
        late_cancellation=True,
        cancelled_by_role="institution",
        starts_at=timezone.now() + datetime.timedelta(hours=2),
    )


def _new_mediator_body():
    return {
        "first_name": "Amal",
        "last_name": "Haddad",
        "email": "amal@example.org",
        "gender": "female",
        "home_postal_code": "41751",
        "languages": [{"code": "ara", "level": "fluent"}],
    }


def _booking_body(world, target):
    institution = _institution(world, target)
    return {
        "institution": institution.pk,
        "language": "ara",
        "starts_at": _future_start(),
        "duration_minutes": 60,
        "mode": "on_site",
        "location": institution.locations.first().pk,
        "field": "school",
    }


# (method, path) → f(world, target) → (url, body)
ENDPOINTS = {
    ("POST", "/auth/token/"): lambda w, t: (
        "/auth/token/",
        {"username": w.requester.user.username, "password": "secret-pass-123"},
    ),
    # The matrix's clients are signed in without a token: DELETE /auth/token/ has none to
    # revoke (400); nobody revokes another person's token (404).
    ("DELETE", "/auth/token/"): lambda w, t: ("/auth/token/", None),
    ("GET", "/auth/tokens/"): lambda w, t: ("/auth/tokens/", None),
    ("DELETE", "/auth/tokens/{id}/"): lambda w, t: (
        f"/auth/tokens/{AuthToken.objects.create(user=UserFactory())[0].token_key}/",
        None,
    ),
    ("GET", "/languages/"): lambda w, t: ("/languages/", None),
    ("GET", "/institutions/"): lambda w, t: ("/institutions/", None),
    ("POST", "/institutions/"): lambda w, t: (
        "/institutions/",
        {"name": "Jugendamt", "kind": "youth_office", "town": "Viersen"},
    ),
    ("GET", "/institutions/{id}/"): lambda w, t: (
        f"/institutions/{_institution(w, t).pk}/",
        None,
    ),
    ("PATCH", "/institutions/{id}/"): lambda w, t: (
        f"/institutions/{_institution(w, t).pk}/",
        {"phone": "02162 1"},
    ),
    ("GET", "/institutions/{id}/locations/"): lambda w, t: (
        f"/institutions/{_institution(w, t).pk}/locations/",
        None,
    ),
    ("POST", "/institutions/{id}/locations/"): lambda w, t: (
        f"/institutions/{_institution(w, t).pk}/locations/",
        {"name": "Aula", "address": "Weg 1", "postal_code": "41747"},
    ),
    ("GET", "/mediators/"): lambda w, t: ("/mediators/", None),
    ("POST", "/mediators/"): lambda w, t: ("/mediators/", _new_mediator_body()),
    ("GET", "/mediators/{id}/"): lambda w, t: (f"/mediators/{_mediator(w, t).pk}/", None),
    ("PATCH", "/mediators/{id}/"): lambda w, t: (
        f"/mediators/{_mediator(w, t).pk}/",
        {"max_travel_km": 25},
    ),
    ("GET", "/mediators/{id}/conflicts/"): lambda w, t: (
        f"/mediators/{_mediator(w, t).pk}/conflicts/",
        None,
    ),
    ("POST", "/mediators/{id}/conflicts/"): lambda w, t: (
        f"/mediators/{_mediator(w, t).pk}/conflicts/",
        {"institution": w.institution.pk, "case_reference": "JA-1"},
    ),
    ("POST", "/mediators/{id}/pause/"): lambda w, t: (
        f"/mediators/{_mediator(w, t).pk}/pause/",
        {"reason": "Rückfrage"},
    ),
    ("POST", "/mediators/{id}/resume/"): lambda w, t: (
        f"/mediators/{_mediator(w, t).pk}/resume/",
        None,
    ),
    ("GET", "/mediators/me/"): lambda w, t: ("/mediators/me/", None),
    ("PATCH", "/mediators/me/"): lambda w, t: ("/mediators/me/", {"max_travel_km": 25}),
    ("GET", "/mediators/me/availability/"): lambda w, t: ("/mediators/me/availability/", None),
    ("POST", "/mediators/me/availability/"): lambda w, t: (
        "/mediators/me/availability/",
        {"weekday": 2, "start_time": "09:00", "end_time": "12:00"},
    ),
    ("DELETE", "/mediators/me/availability/{id}/"): lambda w, t: (
        f"/mediators/me/availability/{AvailabilitySlotFactory(mediator=_mediator(w, t)).pk}/",
        None,
    ),
    ("GET", "/mediators/me/availability-dates/"): lambda w, t: (
        "/mediators/me/availability-dates/",
        None,
    ),
    ("POST", "/mediators/me/availability-dates/"): lambda w, t: (
        "/mediators/me/availability-dates/",
        {
            "day": (timezone.localdate() + datetime.timedelta(days=30)).isoformat(),
            "start_time": "09:00",
            "end_time": "13:00",
        },
    ),
    ("DELETE", "/mediators/me/availability-dates/{id}/"): lambda w, t: (
        f"/mediators/me/availability-dates/{_dated(_mediator(w, t)).pk}/",
        None,
    ),
    ("GET", "/mediators/me/absences/"): lambda w, t: ("/mediators/me/absences/", None),
    ("POST", "/mediators/me/absences/"): lambda w, t: (
        "/mediators/me/absences/",
        {"starts_on": "2027-08-01", "ends_on": "2027-08-14"},
    ),
    ("DELETE", "/mediators/me/absences/{id}/"): lambda w, t: (
        f"/mediators/me/absences/{AbsenceFactory(mediator=_mediator(w, t)).pk}/",
        None,
    ),
    ("GET", "/mediators/me/conflicts/"): lambda w, t: ("/mediators/me/conflicts/", None),
    ("POST", "/mediators/me/conflicts/"): lambda w, t: (
        "/mediators/me/conflicts/",
        {"institution": w.institution.pk, "case_reference": "JA-1"},
    ),
    ("GET", "/bookings/"): lambda w, t: ("/bookings/", None),
    ("POST", "/bookings/"): lambda w, t: ("/bookings/", _booking_body(w, t)),
    ("GET", "/bookings/{id}/"): lambda w, t: (f"/bookings/{_booking(w, t).pk}/", None),
    ("POST", "/bookings/{id}/approve/"): lambda w, t: (
        f"/bookings/{_booking(w, t, status=Status.AWAITING_APPROVAL).pk}/approve/",
        {},
    ),
    ("POST", "/bookings/{id}/refuse/"): lambda w, t: (
        f"/bookings/{_booking(w, t, status=Status.AWAITING_APPROVAL).pk}/refuse/",
        {"reason": "Budget erschöpft"},
    ),
    ("POST", "/bookings/{id}/cancel/"): lambda w, t: (
        f"/bookings/{_booking(w, t).pk}/cancel/",
        {"reason": "Termin entfällt"},
    ),
    ("POST", "/bookings/{id}/report/"): lambda w, t: (
        f"/bookings/{_booking(w, t, started=True).pk}/report/",
        {"actual_minutes": 47, "travel_km": 3},
    ),
    ("POST", "/bookings/{id}/confirm-report/"): lambda w, t: (
        f"/bookings/{_reported(w, t).pk}/confirm-report/",
        {"feedback": {"rating": 4}},
    ),
    ("POST", "/bookings/{id}/dispute-report/"): lambda w, t: (
        f"/bookings/{_reported(w, t).pk}/dispute-report/",
        {"reason": "Nur 30 Minuten"},
    ),
    ("POST", "/bookings/{id}/reschedule/"): lambda w, t: (
        f"/bookings/{_booking(w, t).pk}/reschedule/",
        {"duration_minutes": 90, "reason": "längeres Gespräch"},
    ),
    ("POST", "/bookings/{id}/resolve-report/"): lambda w, t: (
        f"/bookings/{_reported(w, t).pk}/resolve-report/",
        {"actual_minutes": 30, "reason": "laut Schule 30 Minuten"},
    ),
    ("POST", "/bookings/{id}/travel-report/"): lambda w, t: (
        f"/bookings/{_cancelled_late(w, t).pk}/travel-report/",
        {"travel_km": 12},
    ),
    ("POST", "/bookings/{id}/no-show/"): lambda w, t: (
        f"/bookings/{_booking(w, t, started=True).pk}/no-show/",
        {},
    ),
    ("GET", "/budgets/"): lambda w, t: ("/budgets/?year=2027", None),
    ("GET", "/statements/"): lambda w, t: ("/statements/?year=2027&month=3", None),
    ("GET", "/payouts/"): lambda w, t: ("/payouts/?year=2027&month=3", None),
    ("GET", "/statements/?mediator={id}"): lambda w, t: (
        f"/statements/?mediator={_mediator(w, t).pk}",
        None,
    ),
}


def _rows():
    lines = [line.split() for line in MATRIX.strip().splitlines()]
    header, rows = lines[0], lines[1:]
    assert header[3:] == list(ROLES)
    for method, path, target, *codes in rows:
        expected = dict(zip(ROLES, map(int, codes), strict=True))
        yield pytest.param(method, path, target, expected, id=f"{method} {path} {target}")


# The modules of this part of the API; matching, offers, calendar feeds and statistics keep
# their own permission tests.
MODULES = (
    "config.api.auth",
    "institutions.apis",
    "mediators.apis.languages",
    "mediators.apis.profiles",
    "mediators.apis.own",
    "bookings.apis.bookings",
    "bookings.apis.reports",
    "bookings.apis.lifecycle",
    "bookings.apis.accounting",
)


def test_every_endpoint_of_these_modules_is_in_the_matrix():
    from config import api_urls

    routes = {
        "/" + str(p.pattern).replace("<int:pk>", "{id}").replace("<str:key>", "{id}")
        for p in api_urls.urlpatterns
        if p.callback.view_class.__module__ in MODULES
    }
    in_matrix = {path for _method, path in ENDPOINTS}
    assert len(routes) >= 20
    assert routes <= in_matrix, routes - in_matrix


@pytest.mark.parametrize("method, path, target, expected", list(_rows()))
def test_permission_matrix(world, method, path, target, expected):
    """One row of the table: each role's call runs in a savepoint that is rolled back, so
    every cell starts from the same world and an allowed change really succeeds."""
    answered = {}
    for role in ROLES:
        with transaction.atomic():
            url, body = ENDPOINTS[(method, path)](world, target)
            response = world.client(role).generic(
                method,
                f"/api/v1{url}",
                json.dumps(body) if body is not None else "",
                content_type="application/json",
            )
            answered[role] = response.status_code
            transaction.set_rollback(True)

    assert answered == expected
