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
GUNICORN = (ROOT / "config" / "gunicorn.py").read_text()
SERVE = (ROOT / "scripts" / "serve").read_text()
PROCFILE = {
    name: shlex.split(command)
    for name, command in (
        line.split(":", 1)
        for line in (ROOT / "Procfile").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    )
}


def settings_env_names() -> set[str]:
    """Every name the settings read with django-environ (env("X"), env.bool("X"), ...), the
    gunicorn configuration and scripts/serve read from the environment."""
    names: set[str] = set()
    for path in (ROOT / "config" / "settings").glob("*.py"):
        names |= set(re.findall(r'env(?:\.\w+)?\(\s*"([A-Z0-9_]+)"', path.read_text()))
    names |= set(re.findall(r'os\.environ\.get\("([A-Z0-9_]+)"', GUNICORN))
    # A name begins with a letter: ${1:-} is the script's first argument.
    names |= set(re.findall(r"\$\{([A-Z][A-Z0-9_]*):-", SERVE)) - {"SERVE_DRY_RUN"}
    return names


def gunicorn_settings() -> dict:
    """config/gunicorn.py read as gunicorn reads it, with this process's environment."""
    namespace: dict = {}
    exec(compile(GUNICORN, "config/gunicorn.py", "exec"), namespace)  # noqa: S102 (our file)
    return namespace


def probe_settings(code: str, environment: dict[str, str]):
    """Run ``code`` in our interpreter with only ``environment`` (and PATH, PYTHONPATH): the
    JSON it printed last."""
    result = subprocess.run(  # noqa: S603 (our interpreter, our probe)
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={"PATH": os.environ["PATH"], "PYTHONPATH": str(ROOT), **environment},
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.splitlines()[-1])


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


def test_compose_the_procfile_and_the_image_start_the_same_commands_from_scripts_serve():
    """One place says how web, worker and beat start: docker-compose.yml and the Procfile of
    `make prod` both call scripts/serve with the process's role, and the image's default is
    the web's."""
    assert set(PROCFILE) == set(APP_SERVICES)
    for name in APP_SERVICES:
        assert command_of(name) == ["scripts/serve", name]
        assert PROCFILE[name] == command_of(name)
    assert 'CMD ["scripts/serve", "web"]' in DOCKERFILE
    assert os.access(ROOT / "scripts" / "serve", os.X_OK)


def serve(role: str) -> list[list[str]]:
    """The commands ``scripts/serve ROLE`` runs, as it prints them with SERVE_DRY_RUN=1."""
    result = subprocess.run(  # noqa: S603 (our script)
        [str(ROOT / "scripts" / "serve"), role],
        env={"PATH": os.environ["PATH"], "SERVE_DRY_RUN": "1"},
        capture_output=True,
        text=True,
        check=True,
    )
    return [shlex.split(line) for line in result.stdout.splitlines()]


def test_web_migrates_collects_static_files_then_serves_the_wsgi_app_with_gunicorn():
    migrate, collectstatic, gunicorn = serve("web")
    assert migrate[:3] == ["python", "manage.py", "migrate"]
    assert collectstatic[:3] == ["python", "manage.py", "collectstatic"]
    assert {"migrate", "collectstatic"} <= set(get_commands())
    assert gunicorn[:3] == ["gunicorn", "--config", "config/gunicorn.py"]
    assert (ROOT / gunicorn[2]).exists()
    module, attribute = gunicorn[-1].split(":")
    assert importlib.util.find_spec(module) is not None
    assert f"{attribute} = " in (ROOT / Path(*module.split("."))).with_suffix(".py").read_text()


@pytest.mark.parametrize("role", ["worker", "beat"])
def test_worker_and_beat_start_the_projects_celery_app(role):
    (words,) = serve(role)
    if role == "worker":  # below the web's CPU priority (docs/operations.md)
        assert words[:3] == ["nice", "-n", "10"]
        words = words[3:]
    assert words[:2] == ["celery", "-A"]
    assert isinstance(find_app(words[2]), Celery)
    assert words[3] == role


def test_the_gunicorn_settings_are_chosen_and_a_request_ends_within_the_timeout():
    namespace = gunicorn_settings()
    assert namespace["workers"] == 3 and namespace["worker_class"] == "sync"
    assert namespace["threads"] == 1  # sync, chosen by the load test (config/gunicorn.py)
    assert namespace["timeout"] == 30 and namespace["graceful_timeout"] == 30
    assert namespace["bind"] == "127.0.0.1:8000"  # loopback unless told (compose: 0.0.0.0)
    assert SERVICES["web"]["environment"]["WEB_BIND"] == "0.0.0.0:8000"
    assert namespace["accesslog"] is None  # Django writes the JSON access line
    assert callable(namespace["child_exit"])


def test_make_prod_runs_the_procfile_with_the_pinned_honcho_and_production_settings():
    makefile = (ROOT / "Makefile").read_text()
    recipe = makefile.split("\nprod: install\n", 1)[1].split("\n\n", 1)[0]
    assert "scripts/check_services.py" in recipe
    assert "DJANGO_SETTINGS_MODULE=config.settings.production" in recipe
    assert "honcho start --procfile Procfile" in recipe
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert "honcho==2.0.0" in project["dependencies"]


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
    seen = probe_settings(probe, environment)

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
    assert "config.wsgi:application" in SERVE


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


def test_static_files_are_compressed_with_gzip_only_in_every_environment():
    """The production image has no brotli, a development environment may (Locust pulls it
    in): the storage writes the same gzip copies in both, and collectstatic stays fast."""
    from config.staticfiles import GzipManifestStaticFilesStorage

    compressor = GzipManifestStaticFilesStorage().create_compressor(quiet=True)

    assert compressor.use_gzip is True
    assert compressor.use_brotli is False


@pytest.mark.parametrize(
    ("worker_class", "pool_size", "expected"),
    [("sync", None, 0), ("gthread", "8", 0), ("gevent", None, 4), ("gevent", "2", 2)],
)
def test_a_gevent_web_worker_and_only_it_takes_its_connections_from_a_pool(
    monkeypatch, worker_class, pool_size, expected
):
    monkeypatch.setenv("WEB_WORKER_CLASS", worker_class)
    if pool_size is None:
        monkeypatch.delenv("WEB_DATABASE_POOL_SIZE", raising=False)
    else:
        monkeypatch.setenv("WEB_DATABASE_POOL_SIZE", pool_size)
    namespace = gunicorn_settings()

    assert namespace["database_pool_size"] == expected
    assert namespace.get("raw_env", []) == ([f"DATABASE_POOL_SIZE={expected}"] if expected else [])


@pytest.mark.parametrize("pool_size", ["0", "-1", "four", ""])
def test_a_gevent_web_worker_refuses_a_pool_it_cannot_use(monkeypatch, pool_size):
    monkeypatch.setenv("WEB_WORKER_CLASS", "gevent")
    monkeypatch.setenv("WEB_DATABASE_POOL_SIZE", pool_size)

    with pytest.raises(SystemExit, match="WEB_DATABASE_POOL_SIZE must be a whole number of 1"):
        gunicorn_settings()


POOL_PROBE = (
    "import django, json; django.setup(); from django.conf import settings; "
    "d = settings.DATABASES['default']; print(json.dumps([d['CONN_MAX_AGE'], d['OPTIONS'].get("
    "'pool'), d['OPTIONS'].get('prepare_threshold')]))"
)


@pytest.mark.parametrize(
    ("pool_size", "expected"),
    [
        (None, [60, None, 2]),
        ("0", [60, None, 2]),
        ("3", [0, {"min_size": 3, "max_size": 3, "timeout": 20}, 2]),
    ],
)
def test_a_database_pool_replaces_the_connection_a_process_keeps(pool_size, expected):
    env = {
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DJANGO_SECRET_KEY": "probe-only-" + "x" * 50,
        "DJANGO_ALLOWED_HOSTS": "pool.example.org",
        "SITE_URL": "https://pool.example.org",
        # Never opened: the probe reads the settings only.
        "DATABASE_URL": "postgres://probe@127.0.0.1:1/never_opened",
        "DATABASE_CONN_MAX_AGE": "60",
        **({"DATABASE_POOL_SIZE": pool_size} if pool_size else {}),
    }
    assert probe_settings(POOL_PROBE, env) == expected


def test_a_negative_database_pool_is_refused_with_its_name():
    env = {
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
        "DATABASE_URL": "postgres://probe@127.0.0.1:1/never_opened",
        "DATABASE_POOL_SIZE": "-2",
    }
    with pytest.raises(AssertionError, match="DATABASE_POOL_SIZE must be 0"):
        probe_settings(POOL_PROBE, env)
