"""docker-compose.yml and the Dockerfile, checked without Docker: the services are there, every
command names modules and files of this repository, and every environment variable they set
is one that the settings read."""

import importlib.util
import json
import os
import re
import shlex
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml
from celery import Celery
from celery.app.utils import find_app
from django.core.management import get_commands

ROOT = Path(__file__).resolve().parent.parent
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
SERVICES = COMPOSE["services"]
APP_SERVICES = ("web", "worker", "beat")
DOCKERFILE = (ROOT / "Dockerfile").read_text()


def settings_env_names() -> set[str]:
    """Every name the settings read with django-environ: env("X"), env.bool("X"), ..."""
    names: set[str] = set()
    for path in (ROOT / "config" / "settings").glob("*.py"):
        names |= set(re.findall(r'env(?:\.\w+)?\(\s*"([A-Z0-9_]+)"', path.read_text()))
    return names


def command_of(service: str) -> list[str]:
    command = SERVICES[service]["command"]
    return shlex.split(command) if isinstance(command, str) else list(command)


def test_the_five_services_are_there_with_their_images():
    assert set(SERVICES) == {"db", "redis", "web", "worker", "beat"}
    assert SERVICES["db"]["image"] == "postgres:15"
    assert SERVICES["redis"]["image"] == "redis:7"
    for name in APP_SERVICES:
        assert SERVICES[name]["build"] == "."


def test_every_service_has_a_healthcheck_and_named_volumes_are_declared():
    declared = set(COMPOSE["volumes"])
    for name, service in SERVICES.items():
        assert service["healthcheck"]["test"], name
        for volume in service.get("volumes", []):
            source = volume.split(":")[0]
            assert source in declared, (name, source)


def test_web_migrates_first_then_serves_the_wsgi_application_with_gunicorn():
    words = command_of("web")
    script = words[words.index("-c") + 1]
    assert script.index("manage.py migrate") < script.index("gunicorn")
    target = re.search(r"gunicorn (\S+)", script).group(1)
    module, attribute = target.split(":")
    assert importlib.util.find_spec(module) is not None
    assert f"{attribute} = " in (ROOT / Path(*module.split("."))).with_suffix(".py").read_text()
    assert (ROOT / "manage.py").exists()
    assert "migrate" in get_commands()


@pytest.mark.parametrize(("service", "role"), [("worker", "worker"), ("beat", "beat")])
def test_worker_and_beat_start_the_projects_celery_app(service, role):
    words = command_of(service)
    assert words[:2] == ["celery", "-A"]
    assert isinstance(find_app(words[2]), Celery)
    assert words[3] == role


def test_the_app_services_depend_on_healthy_database_and_redis():
    assert SERVICES["web"]["depends_on"]["db"]["condition"] == "service_healthy"
    assert SERVICES["web"]["depends_on"]["redis"]["condition"] == "service_healthy"
    for name in ("worker", "beat"):
        assert SERVICES[name]["depends_on"]["web"]["condition"] == "service_healthy"


def test_every_environment_variable_set_for_the_app_is_read_by_the_settings():
    read = settings_env_names() | {"DJANGO_SETTINGS_MODULE"}
    for name in APP_SERVICES:
        environment = SERVICES[name]["environment"]
        assert set(environment) <= read, set(environment) - read
        assert {"DATABASE_URL", "REDIS_URL", "DJANGO_SECRET_KEY"} <= set(environment)
        assert environment["DJANGO_SETTINGS_MODULE"] == "config.settings.production"
        assert importlib.util.find_spec(environment["DJANGO_SETTINGS_MODULE"]) is not None


def test_the_database_url_points_at_the_db_service_and_redis_at_the_redis_service():
    environment = SERVICES["web"]["environment"]
    assert "@db:5432/" in environment["DATABASE_URL"]
    assert environment["REDIS_URL"].startswith("redis://redis:6379/")


def compose_value(value: str, given: dict[str, str]) -> str:
    """A value as docker compose fills it in: ``${X:-default}``, ``${X:?error}``, ``${X}``."""

    def fill(match: re.Match) -> str:
        name, op, rest = match.group(1), match.group(2), match.group(3)
        if name in given:
            return given[name]
        assert op != ":?", f"{name} must be set"
        return rest if op == ":-" else ""

    return re.sub(r"\$\{(\w+)(?:(:-|:\?)([^}]*))?\}", fill, str(value))


def test_web_worker_and_beat_run_with_the_same_database_settings():
    database = {
        name: {k: v for k, v in SERVICES[name]["environment"].items() if k.startswith("DATABASE")}
        for name in APP_SERVICES
    }
    assert database["worker"] == database["beat"] == database["web"]
    assert set(database["web"]) == {"DATABASE_URL", "DATABASE_CONN_MAX_AGE"}
    assert int(compose_value(database["web"]["DATABASE_CONN_MAX_AGE"], {})) >= 30


def test_with_the_compose_environment_web_and_workers_keep_health_checked_connections():
    """The production settings, loaded with what docker-compose.yml sets (no database is
    opened): persistent, health-checked connections, and Celery workers that keep them
    between tasks instead of closing them after each."""
    given = {
        "DJANGO_SECRET_KEY": "x" * 50,
        "POSTGRES_PASSWORD": "a-password",
        "DJANGO_ALLOWED_HOSTS": "pool.example.org",
        "SITE_URL": "https://pool.example.org",
    }
    environment = {
        name: compose_value(value, given)
        for name, value in SERVICES["worker"]["environment"].items()
    }
    probe = (
        "import json, django; django.setup()\n"
        "from django.conf import settings\n"
        "from celery import signals\n"
        "from celery.fixups.django import DjangoWorkerFixup\n"
        "from config.celery_app import app, close_old_connections\n"
        "db = settings.DATABASES['default']\n"
        "print(json.dumps({'age': db['CONN_MAX_AGE'], 'checks': db['CONN_HEALTH_CHECKS'],\n"
        "  'reuse': DjangoWorkerFixup(app).db_reuse_max,\n"
        "  'around_tasks': [any(r[1]() is close_old_connections for r in s.receivers)\n"
        "                   for s in (signals.task_prerun, signals.task_postrun)]}))\n"
    )
    env = {"PATH": os.environ["PATH"], "PYTHONPATH": str(ROOT), **environment}
    result = subprocess.run(  # noqa: S603 (our interpreter, our probe)
        [sys.executable, "-c", probe],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout.splitlines()[-1])

    assert seen == {"age": 60, "checks": True, "reuse": 1000, "around_tasks": [True, True]}


def test_the_dockerfile_uses_the_projects_python_uv_and_lock_file():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert "3.11" in project["requires-python"]
    assert DOCKERFILE.startswith("#") and "FROM python:3.11" in DOCKERFILE
    uv = re.search(r"^UV_VERSION := (\S+)", (ROOT / "Makefile").read_text(), re.M).group(1)
    assert f"uv=={uv}" in DOCKERFILE
    assert "uv sync --frozen --no-dev" in DOCKERFILE
    for copied in re.findall(r"^COPY (.+) \./$", DOCKERFILE, re.M):
        for name in copied.split():
            assert (ROOT / name).exists(), name
    assert '"config.wsgi:application"' in DOCKERFILE


def test_the_build_context_leaves_out_local_environments():
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert {".venv", "node_modules", "var", ".git"} <= set(ignored)


def test_the_readme_documents_every_setting_read_from_the_environment():
    readme = (ROOT / "README.md").read_text()
    undocumented = {name for name in settings_env_names() if f"`{name}`" not in readme}
    assert undocumented == set()


def test_the_readme_quick_start_is_exactly_make_demo_and_make_test():
    readme = (ROOT / "README.md").read_text()
    quick_start = readme.split("## Quick start", 1)[1].split("```sh", 1)[1].split("```", 1)[0]
    assert quick_start.split("\n") == ["", "make demo", "make test", ""]


@pytest.mark.django_db
def test_the_system_checks_raise_no_warning_on_this_database():
    """`make demo` on SQLite and production on PostgreSQL start without system-check noise."""
    from django.core.management import call_command

    call_command("check", "--database", "default", "--fail-level", "WARNING", verbosity=0)
