"""The statistics dashboard: charts from our own static files, numbers also as tables."""

import pytest
from django.urls import reverse

from bookings.constants import Status
from tests.bookings.factories import BookingFactory
from tests.institutions.factories import InstitutionFactory

from .conftest import local

pytestmark = pytest.mark.django_db

URL = "/coordinator/statistics/"


def test_the_dashboard_shows_the_figures_as_tables_with_charts_from_our_static_files(
    page_for, coordinator
):
    institution = InstitutionFactory(pool=coordinator.pool)
    BookingFactory(institution=institution, starts_at=local(2026, 3, 2, 9), status=Status.UNFILLED)

    response = page_for(coordinator.user).get(URL, {"from": "2026-03-01", "to": "2026-03-31"})

    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="table-unmet_by_language"' in html
    assert '<th scope="row">Arabic</th>' in html
    assert '<th scope="row">ara</th>' not in html
    assert 'data-testid="kpi-requests">1<' in html
    assert '<canvas id="chart-by_month" data-chart=' in html
    assert 'src="/static/vendor/chart.js/chart.umd.min.js"' in html
    assert "/api/v1/stats/export/?from=2026-03-01&amp;to=2026-03-31&amp;format=xlsx" in html


def test_an_impossible_period_is_explained_next_to_the_field(page_for, coordinator):
    response = page_for(coordinator.user).get(URL, {"from": "2026-04-01", "to": "2026-03-01"})

    html = response.content.decode()
    assert response.status_code == 200
    assert 'aria-invalid="true"' in html
    assert "The end lies before the start." in html
    assert "chart-specs" not in html


@pytest.mark.parametrize("role", ["staff", "mediator"])
def test_the_dashboard_is_forbidden_to_other_roles(page_for, role, request):
    user = request.getfixturevalue(role).user

    assert page_for(user).get(URL).status_code == 403


def test_signed_out_visitors_are_asked_to_sign_in(client):
    response = client.get(URL)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
