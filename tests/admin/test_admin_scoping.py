"""The admin is the coordinators' back office: every list, page and choice is scoped to the
coordinator's own pool; superusers see everything."""

import pytest
from django.contrib import admin
from django.urls import reverse

pytestmark = pytest.mark.django_db

SCOPED_LISTS = [
    ("institutions", "institution", "name"),
    ("institutions", "location", "name"),
    ("institutions", "staff", "user__last_name"),
    ("mediators", "mediator", "user__last_name"),
    ("bookings", "booking", "case_reference"),
]


def _value(obj, path: str) -> str:
    for part in path.split("__"):
        obj = getattr(obj, part)
    return str(obj)


@pytest.mark.parametrize(("app", "model", "shown"), SCOPED_LISTS)
def test_a_coordinator_lists_only_rows_of_the_own_pool(
    coordinator_client, own, other, app, model, shown
):
    target = {"institution": "institution", "location": "location", "staff": "staff",
              "mediator": "mediator", "booking": "booking"}[model]  # fmt: skip

    response = coordinator_client.get(reverse(f"admin:{app}_{model}_changelist"))

    assert response.status_code == 200
    page = response.content.decode()
    assert _value(getattr(own, target), shown) in page
    assert _value(getattr(other, target), shown) not in page


@pytest.mark.parametrize(
    ("app", "model", "attribute"),
    [
        ("institutions", "institution", "institution"),
        ("mediators", "mediator", "mediator"),
        ("bookings", "booking", "booking"),
        ("institutions", "pool", "pool"),
    ],
)
def test_another_pools_row_cannot_be_opened(coordinator_client, own, other, app, model, attribute):
    obj = getattr(other, attribute)

    response = coordinator_client.get(reverse(f"admin:{app}_{model}_change", args=[obj.pk]))

    assert response.status_code == 302  # the admin answers "does not exist" and goes home
    assert response.url == reverse("admin:index")


def test_autocomplete_offers_only_institutions_of_the_own_pool(coordinator_client, own, other):
    response = coordinator_client.get(
        reverse("admin:autocomplete"),
        {"app_label": "institutions", "model_name": "location", "field_name": "institution"},
    )

    assert response.status_code == 200
    names = {item["text"] for item in response.json()["results"]}
    assert own.institution.name in names
    assert other.institution.name not in names


def test_a_staff_user_without_a_coordinator_role_sees_no_rows(client, own):
    user = own.staff.user
    user.is_staff = True
    user.save()
    user.groups.add(*own.coordinator.user.groups.all())
    client.force_login(user)

    response = client.get(reverse("admin:bookings_booking_changelist"))

    assert response.status_code == 200
    assert own.booking.case_reference not in response.content.decode()


def test_every_admin_page_opens_for_a_superuser(superuser_client, superuser, own, rf):
    request = rf.get("/")
    request.user = superuser
    for model, model_admin in admin.site._registry.items():
        info = (model._meta.app_label, model._meta.model_name)
        response = superuser_client.get(reverse("admin:{}_{}_changelist".format(*info)))
        assert response.status_code == 200, info
        if model_admin.has_add_permission(request):
            response = superuser_client.get(reverse("admin:{}_{}_add".format(*info)))
            assert response.status_code == 200, info
        first = model._default_manager.first()
        if first is not None:
            response = superuser_client.get(
                reverse("admin:{}_{}_change".format(*info), args=[first.pk])
            )
            assert response.status_code == 200, info


def test_every_admin_list_opens_for_a_coordinator(coordinator_client, own):
    for model in admin.site._registry:
        info = (model._meta.app_label, model._meta.model_name)
        response = coordinator_client.get(reverse("admin:{}_{}_changelist".format(*info)))
        assert response.status_code in (200, 403), info


def test_a_coordinator_opens_the_change_page_of_every_own_row(coordinator_client, own, rf):
    request = rf.get("/")
    request.user = own.coordinator.user
    for model, model_admin in admin.site._registry.items():
        first = model_admin.get_queryset(request).first()
        if first is None or not model_admin.has_view_permission(request, first):
            continue
        info = (model._meta.app_label, model._meta.model_name)
        response = coordinator_client.get(
            reverse("admin:{}_{}_change".format(*info), args=[first.pk])
        )
        assert response.status_code == 200, info
