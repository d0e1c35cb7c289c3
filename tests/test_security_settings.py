"""Production settings that pass a review: `check --deploy` is clean, the host names and the
site's address must be given, X-Forwarded-Proto is trusted only when told, docker-compose.yml
has secure defaults and no default password, Celery falls back to the production settings,
and load_demo refuses to run where DEBUG is off."""

import os
import re
import secrets
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
import yaml
from django.core.management import CommandError, call_command
from django.test import override_settings

from institutions.models import Pool

ROOT = Path(__file__).resolve().parent.parent
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
APP_ENV = COMPOSE["services"]["web"]["environment"]
PRODUCTION = {
    "DJANGO_SETTINGS_MODULE": "config.settings.production",
    "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
    "DJANGO_ALLOWED_HOSTS": "pool.example.org",
    "SITE_URL": "https://pool.example.org",
}


def run(code_or_args: list[str], **env: str) -> subprocess.CompletedProcess:
    """Our interpreter in the project folder with only the given environment (no .env
    file is read from a temporary HOME; DATABASE_URL to SQLite, never opened)."""
    environment = {
        "PATH": os.environ["PATH"],
        "PYTHONPATH": str(ROOT),
        "DATABASE_URL": "sqlite:///:memory:",
        **env,
    }
    return subprocess.run(  # noqa: S603 (our interpreter, our code)
        [sys.executable, *code_or_args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


def test_check_deploy_with_the_production_settings_is_clean():
    result = run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], **PRODUCTION)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize("missing", ["DJANGO_ALLOWED_HOSTS", "SITE_URL"])
def test_production_refuses_to_start_without_hosts_or_site_address(missing):
    env = {**PRODUCTION}
    del env[missing]
    result = run(["manage.py", "check"], **env)

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and missing in result.stderr


PROBE = (
    "import django, json; django.setup(); from django.conf import settings; "
    "print(json.dumps([settings.SECURE_PROXY_SSL_HEADER, settings.SECURE_SSL_REDIRECT, "
    "settings.SESSION_COOKIE_SECURE, settings.CSRF_COOKIE_SECURE, settings.SECURE_HSTS_SECONDS]))"
)


def test_x_forwarded_proto_is_trusted_only_when_told():
    plain = run(["-c", PROBE], **PRODUCTION)
    behind_proxy = run(["-c", PROBE], **PRODUCTION, DJANGO_TRUST_X_FORWARDED_PROTO="true")

    assert plain.stdout.strip() == "[null, true, true, true, 31536000]", plain.stderr
    assert behind_proxy.stdout.strip().startswith('[["HTTP_X_FORWARDED_PROTO", "https"], true')


def test_celery_falls_back_to_the_production_settings():
    result = run(
        ["-c", "import os, config.celery_app; print(os.environ['DJANGO_SETTINGS_MODULE'])"],
        **{k: v for k, v in PRODUCTION.items() if k != "DJANGO_SETTINGS_MODULE"},
    )
    assert result.stdout.strip() == "config.settings.production", result.stderr


# docker-compose.yml ---------------------------------------------------------------------------


def default_of(value: str, name: str) -> tuple[str, str] | None:
    """``${NAME:-x}`` → (":-", "x"), ``${NAME:?msg}`` → (":?", "msg") inside value."""
    match = re.search(r"\$\{" + name + r"(:-|:\?)([^}]*)\}", str(value))
    return (match.group(1), match.group(2)) if match else None


def test_compose_sets_secure_cookies_by_default():
    assert default_of(APP_ENV["DJANGO_SECURE_COOKIES"], "DJANGO_SECURE_COOKIES") == (":-", "true")


def test_compose_has_no_default_database_password():
    db_env = COMPOSE["services"]["db"]["environment"]
    assert default_of(db_env["POSTGRES_PASSWORD"], "POSTGRES_PASSWORD")[0] == ":?"
    assert default_of(APP_ENV["DATABASE_URL"], "POSTGRES_PASSWORD")[0] == ":?"
    assert "spm@db" not in APP_ENV["DATABASE_URL"]


def test_compose_needs_the_host_names_and_the_site_address():
    for name in ("DJANGO_ALLOWED_HOSTS", "SITE_URL", "DJANGO_SECRET_KEY"):
        assert default_of(APP_ENV[name], name)[0] == ":?", name


def test_compose_trusts_the_proxy_header_only_when_told():
    assert default_of(
        APP_ENV["DJANGO_TRUST_X_FORWARDED_PROTO"], "DJANGO_TRUST_X_FORWARDED_PROTO"
    ) == (":-", "false")
    for service in ("web", "worker", "beat"):
        assert COMPOSE["services"][service]["environment"] == APP_ENV


def test_the_health_check_asks_the_path_exempt_from_the_https_redirect(client):
    check = " ".join(COMPOSE["services"]["web"]["healthcheck"]["test"])
    assert "/healthz/" in check
    result = run(
        [
            "-c",
            "import django; django.setup(); from django.conf import settings; "
            "import re; exempt = settings.SECURE_REDIRECT_EXEMPT; "
            "print(any(re.search(p, 'healthz/') for p in exempt))",
        ],
        **PRODUCTION,
    )
    assert result.stdout.strip() == "True", result.stderr
    assert client.get("/healthz/").content == b"ok"


# load_demo ------------------------------------------------------------------------------------


@pytest.mark.django_db
@override_settings(DEBUG=False)
def test_load_demo_refuses_to_run_with_debug_off():
    with pytest.raises(CommandError, match="--i-know-this-is-not-production"):
        call_command("load_demo", stdout=StringIO())
    assert not Pool.objects.exists()


def test_the_image_build_gives_the_production_settings_what_they_require():
    """The Dockerfile runs compilemessages and collectstatic with the production settings:
    its build-only values must let them load."""
    dockerfile = (ROOT / "Dockerfile").read_text()
    exported = re.search(r"RUN export ((?:\w+=\S+\s*(?:\\\s*)?)+)", dockerfile).group(1)
    values = dict(re.findall(r"(\w+)=(\S+)", exported))
    assert {"DJANGO_SECRET_KEY", "DJANGO_ALLOWED_HOSTS", "SITE_URL"} <= set(values)

    result = run(
        ["-c", "import django; django.setup(); print('loaded')"],
        DJANGO_SETTINGS_MODULE="config.settings.production",
        **values,
    )
    assert result.stdout.strip() == "loaded", result.stderr
