"""No body at all yields a 500 on any write endpoint of this part of the API, and a refused
body changes nothing. (The booking request has its own, deeper fuzz.)"""

import json

import pytest
from django.apps import apps
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

pytestmark = pytest.mark.django_db

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**30), max_value=10**30)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=40),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3)
    ),
    max_leaves=8,
)

# (role, method, url, a valid body); the fuzz replaces some of its fields
ENDPOINTS = {
    "institution": (
        "coordinator",
        "POST",
        lambda w: "/api/v1/institutions/",
        {"name": "Jugendamt", "kind": "youth_office", "town": "Viersen", "email": ""},
    ),
    "institution change": (
        "coordinator",
        "PATCH",
        lambda w: f"/api/v1/institutions/{w.institution.pk}/",
        {"name": "Neu", "active": True},
    ),
    "location": (
        "admin",
        "POST",
        lambda w: f"/api/v1/institutions/{w.institution.pk}/locations/",
        {"name": "Aula", "address": "Weg 1", "postal_code": "41747", "latitude": 51.2},
    ),
    "mediator": (
        "coordinator",
        "POST",
        lambda w: "/api/v1/mediators/",
        {
            "first_name": "Amal",
            "last_name": "Haddad",
            "email": "amal@example.org",
            "gender": "female",
            "home_postal_code": "41751",
            "languages": [{"code": "ara", "level": "fluent"}],
            "police_certificate_valid_until": "2030-01-01",
        },
    ),
    "own profile": (
        "mediator",
        "PATCH",
        lambda w: "/api/v1/mediators/me/",
        {"max_travel_km": 20, "languages": [{"code": "tir"}], "declined_topics": ["debt"]},
    ),
    "availability": (
        "mediator",
        "POST",
        lambda w: "/api/v1/mediators/me/availability/",
        {"weekday": 1, "start_time": "09:00", "end_time": "12:00"},
    ),
    "absence": (
        "mediator",
        "POST",
        lambda w: "/api/v1/mediators/me/absences/",
        {"starts_on": "2027-08-01", "ends_on": "2027-08-03", "note": ""},
    ),
    "conflict": (
        "mediator",
        "POST",
        lambda w: "/api/v1/mediators/me/conflicts/",
        {"case_reference": "JA-1"},
    ),
    "cancel": (
        "requester",
        "POST",
        lambda w: f"/api/v1/bookings/{w.booking('own').pk}/cancel/",
        {"reason": "entfällt"},
    ),
}

TRACKED = [
    "institutions.Institution",
    "institutions.Location",
    "mediators.Mediator",
    "mediators.MediatorLanguage",
    "mediators.AvailabilitySlot",
    "mediators.Absence",
    "mediators.ConflictOfInterest",
    "bookings.BookingEvent",
]


def _counts():
    return {name: apps.get_model(name).objects.count() for name in TRACKED}


@st.composite
def mutations(draw, valid: dict):
    if draw(st.integers(0, 5)) == 0:
        return draw(json_values)
    keys = st.sampled_from(sorted(valid)) | st.text(max_size=8)
    return {**valid, **draw(st.dictionaries(keys, json_values, min_size=1, max_size=3))}


@pytest.mark.parametrize("name", list(ENDPOINTS))
def test_no_body_yields_a_500_and_a_refused_body_changes_nothing(world, name):
    role, method, url_of, valid = ENDPOINTS[name]
    client = world.client(role)

    @settings(
        max_examples=40,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(body=mutations(valid))
    def check(body):
        url = url_of(world)
        before = _counts()
        response = client.generic(method, url, json.dumps(body), content_type="application/json")
        assert response.status_code < 500, response.content[:300]
        assert response.status_code in (200, 201, 400), response.content[:300]
        if response.status_code == 400:
            assert _counts() == before

    check()
