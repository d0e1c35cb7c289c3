"""The open requests board is on for a new pool, and its coordinators find the switch in
the pool's settings."""

import pytest
from django.urls import reverse

from institutions.models import Pool

pytestmark = pytest.mark.django_db


def test_the_board_is_on_by_default_and_the_coordinator_may_switch_it(coordinator_client, own):
    assert Pool.objects.get(pk=own.pool.pk).open_board is True

    page = coordinator_client.get(reverse("admin:institutions_pool_change", args=[own.pool.pk]))

    assert page.status_code == 200
    (field,) = [tag for tag in page.content.decode().split("<input") if 'name="open_board"' in tag]
    assert 'type="checkbox"' in field and "checked" in field.split(">")[0]
