"""Two-factor sign-in: coordinators and anyone with admin access must set up an
authenticator and give its code after their password before any page, the admin or the
session API; staff and mediators may. Recovery codes work once. A coordinator resets the
second factor of a person of their pool. The demo's accounts are exempt only where the
settings allow it, never in production. An API token needs the code too."""

import datetime
import os
import re
import subprocess
import sys

import pytest
from django.conf import settings as django_settings
from django.test import Client
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import DemoAccount
from tests.institutions.factories import CoordinatorFactory, StaffFactory, UserFactory
from tests.mediators.factories import MediatorFactory
from tests.support.two_factor import authenticator, code_from_secret, code_of, recovery_code

pytestmark = pytest.mark.django_db

PASSWORD = "secret-pass-123"
TOKEN_URL = "/api/v1/auth/token/"
START = datetime.datetime(2031, 3, 4, 9, 0, tzinfo=datetime.UTC)


def sign_in(client: Client, username: str):
    answer = client.post("/accounts/login/", {"username": username, "password": PASSWORD})
    assert answer.status_code == 302, answer.content.decode()[:500]
    return answer


def enrol(client: Client) -> list[str]:
    page = client.get("/accounts/two-factor/enrol/").content.decode()
    secret = re.search(r'id="totp-secret">([A-Z2-7 ]+)<', page).group(1)
    done = client.post("/accounts/two-factor/enrol/", {"code": code_from_secret(secret)})
    assert done.status_code == 200
    return re.findall(r"<li><code>([a-z2-7]+)</code></li>", done.content.decode())


@pytest.fixture
def coordinator():
    return CoordinatorFactory(user__username="koordination")


# --- required for coordinators and admin access ---------------------------------------


def test_a_coordinator_must_set_up_a_second_factor_before_any_page(client, coordinator):
    sign_in(client, "koordination")

    work = client.get("/coordinator/work/")
    admin = client.get("/admin/")
    api = client.get("/api/v1/bookings/")

    assert work.status_code == 302 and work["Location"].startswith("/accounts/two-factor/enrol/")
    assert admin.status_code == 302 and admin["Location"].startswith("/accounts/two-factor/")
    assert api.status_code == 403 and api.json()["detail"]


def test_setting_up_the_authenticator_shows_ten_recovery_codes_and_opens_the_pages(
    client, coordinator
):
    sign_in(client, "koordination")

    codes = enrol(client)

    assert len(codes) == 10
    assert client.get("/coordinator/work/").status_code == 200
    assert TOTPDevice.objects.filter(user=coordinator.user, confirmed=True).count() == 1


def test_a_wrong_code_does_not_set_it_up(client, coordinator):
    sign_in(client, "koordination")
    client.get("/accounts/two-factor/enrol/")

    answer = client.post("/accounts/two-factor/enrol/", {"code": "000000"})

    assert answer.status_code == 400
    assert not TOTPDevice.objects.filter(user=coordinator.user, confirmed=True).exists()
    assert client.get("/coordinator/work/").status_code == 302


def test_at_the_next_sign_in_the_code_is_asked_and_checked(client, coordinator, time_machine):
    time_machine.move_to(START, tick=False)
    device = authenticator(coordinator.user)
    sign_in(client, "koordination")

    asked = client.get("/coordinator/work/")
    wrong = client.post("/accounts/two-factor/verify/", {"code": "000000"})
    # django-otp makes the device wait after a wrong code (1 s, doubling with each one).
    time_machine.shift(datetime.timedelta(seconds=2))
    right = client.post(
        "/accounts/two-factor/verify/", {"code": code_of(device), "next": "/coordinator/work/"}
    )

    assert asked["Location"].startswith("/accounts/two-factor/verify/")
    assert wrong.status_code == 400
    assert right.status_code == 302 and right["Location"] == "/coordinator/work/"
    assert client.get("/coordinator/work/").status_code == 200


def test_a_recovery_code_signs_in_once(coordinator):
    authenticator(coordinator.user)
    code = recovery_code(coordinator.user)

    first, second = Client(), Client()
    sign_in(first, "koordination")
    sign_in(second, "koordination")

    assert first.post("/accounts/two-factor/verify/", {"code": code}).status_code == 302
    assert second.post("/accounts/two-factor/verify/", {"code": code}).status_code == 400


def test_wrong_codes_count_for_the_lock_out(client, coordinator, time_machine):
    time_machine.move_to(START, tick=False)
    device = authenticator(coordinator.user)
    sign_in(client, "koordination")

    answers = []
    for i in range(6):
        answers.append(client.post("/accounts/two-factor/verify/", {"code": f"00000{i}"}))
        time_machine.shift(datetime.timedelta(seconds=60))  # past the device's own wait
    right = client.post("/accounts/two-factor/verify/", {"code": code_of(device)})

    assert [a.status_code for a in answers[:4]] == [400] * 4
    assert {a.status_code for a in answers[4:]} == {429}
    assert right.status_code == 429
    assert client.get("/coordinator/work/").status_code == 302


def test_anyone_with_admin_access_needs_it_too(client):
    UserFactory(username="admin", is_staff=True, is_superuser=True)

    client.post("/admin/login/", {"username": "admin", "password": PASSWORD})

    assert client.get("/admin/")["Location"].startswith("/accounts/two-factor/enrol/")


def test_a_coordinator_cannot_turn_it_off(client, coordinator):
    client.force_login(coordinator.user)
    assert client.post("/accounts/two-factor/turn-off/").status_code == 403


def test_a_password_alone_neither_turns_the_second_factor_off_nor_renews_its_codes(client):
    mediator = MediatorFactory(user__username="amira")
    authenticator(mediator.user)
    sign_in(client, "amira")

    off = client.post("/accounts/two-factor/turn-off/")
    codes = client.post("/accounts/two-factor/recovery-codes/")

    assert off.status_code == 403 and codes.status_code == 403
    assert TOTPDevice.objects.filter(user=mediator.user, confirmed=True).exists()


# --- optional for staff and mediators ------------------------------------------------


def test_a_mediator_needs_none_but_may_set_it_up_from_the_profile_and_turn_it_off(client):
    mediator = MediatorFactory(user__username="amira")
    sign_in(client, "amira")
    assert client.get("/mediator/profile/").status_code == 200
    assert 'href="/accounts/two-factor/"' in client.get("/mediator/profile/").content.decode()

    codes = enrol(client)
    client.logout()
    sign_in(client, "amira")
    asked = client.get("/mediator/offers/")
    verified = client.post("/accounts/two-factor/verify/", {"code": codes[0]})
    off = client.post("/accounts/two-factor/turn-off/")

    assert asked["Location"].startswith("/accounts/two-factor/verify/")
    assert verified.status_code == 302
    assert off.status_code == 302
    assert not TOTPDevice.objects.filter(user=mediator.user).exists()
    client.logout()
    sign_in(client, "amira")
    assert client.get("/mediator/offers/").status_code == 200


def test_institution_staff_need_none(client):
    StaffFactory(user__username="schule")
    sign_in(client, "schule")
    assert client.get("/institution/bookings/").status_code == 200


# --- a coordinator resets a second factor ---------------------------------------------


def test_a_coordinator_resets_the_second_factor_of_a_person_of_their_pool_only(client):
    coordinator = CoordinatorFactory()
    own = MediatorFactory(pool=coordinator.pool, user__username="amira")
    foreign = MediatorFactory(user__username="yusuf")
    for person in (own, foreign):
        authenticator(person.user)
        recovery_code(person.user)
    client.force_login(coordinator.user)
    listed = client.get("/coordinator/security/").content.decode()

    refused = client.post(f"/coordinator/security/{foreign.user.pk}/reset-second-factor/")
    reset = client.post(f"/coordinator/security/{own.user.pk}/reset-second-factor/")

    assert "amira" in listed and "yusuf" not in listed
    assert refused.status_code == 403
    assert reset.status_code == 302
    assert not TOTPDevice.objects.filter(user=own.user).exists()
    assert not StaticDevice.objects.filter(user=own.user).exists()
    assert TOTPDevice.objects.filter(user=foreign.user).exists()
    amira = Client()
    sign_in(amira, "amira")
    assert amira.get("/mediator/offers/").status_code == 200


def test_a_reset_coordinator_sets_up_a_new_one_at_the_next_sign_in(client):
    pool_coordinator = CoordinatorFactory()
    colleague = CoordinatorFactory(pool=pool_coordinator.pool, user__username="kollegin")
    authenticator(colleague.user)
    client.force_login(pool_coordinator.user)

    client.post(f"/coordinator/security/{colleague.user.pk}/reset-second-factor/")

    other = Client()
    sign_in(other, "kollegin")
    assert other.get("/coordinator/work/")["Location"].startswith("/accounts/two-factor/enrol/")


# --- the demo's exemption --------------------------------------------------------------


def test_the_demo_accounts_are_exempt_where_the_settings_allow_it(client, settings, coordinator):
    DemoAccount.objects.create(user=coordinator.user)
    settings.MFA_DEMO_EXEMPTION = True

    sign_in(client, "koordination")

    assert client.get("/coordinator/work/").status_code == 200


def test_without_the_setting_a_demo_account_needs_the_second_factor(client, settings, coordinator):
    DemoAccount.objects.create(user=coordinator.user)
    settings.MFA_DEMO_EXEMPTION = False

    sign_in(client, "koordination")

    assert client.get("/coordinator/work/")["Location"].startswith("/accounts/two-factor/")


def test_production_never_exempts_anyone_whatever_the_environment_says():
    script = (
        "import django; django.setup(); from django.conf import settings; "
        "print(settings.MFA_DEMO_EXEMPTION, settings.TRUSTED_PROXY_COUNT)"
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DJANGO_SECRET_KEY": "x" * 50,
        "DJANGO_ALLOWED_HOSTS": "pool.example.org",
        "SITE_URL": "https://pool.example.org",
        "MFA_DEMO_EXEMPTION": "true",
    }
    out = subprocess.run(  # noqa: S603
        [sys.executable, "-c", script],
        cwd=django_settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.split()[0] == "False"


def test_the_local_settings_exempt_the_demo_and_the_loader_marks_its_accounts():
    from config.settings import local

    assert local.MFA_DEMO_EXEMPTION is True
    from demo import people

    assert "DemoAccount.objects.create" in open(people.__file__).read()


# --- the API token -----------------------------------------------------------------------


def test_a_coordinator_gets_a_token_only_with_the_code(api_client, coordinator, time_machine):
    time_machine.move_to(START, tick=False)
    device = authenticator(coordinator.user)
    body = {"username": "koordination", "password": PASSWORD}

    missing = api_client.post(TOKEN_URL, body, format="json")
    wrong = api_client.post(TOKEN_URL, {**body, "otp": "000000"}, format="json")
    time_machine.shift(datetime.timedelta(seconds=2))  # the device's wait after a wrong code
    right = api_client.post(TOKEN_URL, {**body, "otp": code_of(device)}, format="json")

    assert missing.status_code == 400 and "otp" in missing.json()
    assert wrong.status_code == 400 and "otp" in wrong.json()
    assert right.status_code == 200
    assert right.json()["token"]
    assert "token" not in missing.json() and "token" not in wrong.json()


def test_a_coordinator_without_an_authenticator_gets_no_token(api_client, coordinator):
    answer = api_client.post(
        TOKEN_URL, {"username": "koordination", "password": PASSWORD}, format="json"
    )
    assert answer.status_code == 400
    assert "token" not in answer.json()


def test_a_mediator_without_a_second_factor_gets_a_token_with_the_password(api_client):
    MediatorFactory(user__username="amira")
    answer = api_client.post(TOKEN_URL, {"username": "amira", "password": PASSWORD}, format="json")
    assert answer.status_code == 200


def test_a_mediator_who_set_one_up_needs_it_for_a_token_too(api_client):
    mediator = MediatorFactory(user__username="amira")
    device = authenticator(mediator.user)
    body = {"username": "amira", "password": PASSWORD}

    assert api_client.post(TOKEN_URL, body, format="json").status_code == 400
    right = api_client.post(TOKEN_URL, {**body, "otp": code_of(device)}, format="json")
    assert right.status_code == 200


# --- passwords ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "password",
    ["short-pw-1", "password1234", "123456789012345", "amira@example.org"],
    ids=["too-short", "common", "numeric", "like-the-name"],
)
def test_weak_passwords_are_refused_when_set_through_the_link(client, password):
    from tests.accounts.test_lockout import set_password_url

    user = UserFactory(username="amira", first_name="Amira", last_name="Haddad")
    form = client.get(set_password_url(user), follow=True)

    answer = client.post(
        form.redirect_chain[-1][0], {"new_password1": password, "new_password2": password}
    )

    assert answer.status_code == 200  # the form again, with the validator's message
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


def test_the_demo_and_the_test_passwords_pass_the_validators():
    from django.contrib.auth.models import User
    from django.contrib.auth.password_validation import validate_password

    from demo.loader import DEMO_PASSWORD

    for username in ("koordination", "schule", "jugendamt", "amira", "yusuf"):
        person = User(username=username, email=f"{username}@demo.kreis-viersen.invalid")
        validate_password(DEMO_PASSWORD, person)
    validate_password(PASSWORD, User(username="anna", email="anna@example.org"))
