"""The production stack on loopback, for the load test and the fault tests (never used by the
product): ``scripts/serve web``, ``scripts/serve worker`` and ONE ``scripts/serve beat`` - the
very commands of the Procfile (``make prod``) and docker-compose.yml - with the production
settings, each process in its own process group, its output in a log file of its own.

    with RecordingSmtpServer() as smtp, ProductionStack(
        database_url="postgres://postgres@127.0.0.1:5432/smp_loadtest",
        redis_url="redis://127.0.0.1:6379/1",
        smtp_port=smtp.port,
        log_dir=Path("var/loadtest"),
    ) as stack:
        requests.get(stack.url + "/readyz")

- PostgreSQL and Redis are the caller's (``DATABASE_URL``/``REDIS_URL`` of its own): the
  stack never starts, stops or restarts them.
- ``env`` adds or overrides environment variables of every process (``WEB_CONCURRENCY``,
  ``WEB_WORKER_CLASS``, ``API_THROTTLE_USER``, ...); ``web_env`` those of the web only.
- ``serve_web=False`` starts gunicorn with the same ``config/gunicorn.py`` directly, after
  ``prepare()`` migrated and collected the static files only if they changed (collectstatic
  compresses 40 MB again every time: 90 s on a busy 2-core machine).
- ``start()`` waits for ``/readyz`` to answer 200 and for the worker's "ready"; it raises
  with the log's tail when a process dies first. ``stop()`` sends SIGTERM to every process
  group (SIGKILL after ``grace`` seconds); ``kill(name)`` SIGKILLs one (a fault test's tool).
"""

from __future__ import annotations

import contextlib
import functools
import os
import shutil
import signal
import subprocess
import sys
import sysconfig
import time
import urllib.error
import urllib.request
from pathlib import Path

from tests.support.live import ROOT, free_port, wait_until

PROCESSES = ("web", "worker", "beat")
SECRET_KEY = "loopback-production-stack-not-a-secret-0123456789abcdefghijklmnopqrstuvwxyz"  # noqa: S105  # nosec B105


class ProductionStack:
    def __init__(
        self,
        *,
        database_url: str,
        redis_url: str,
        smtp_port: int,
        log_dir: Path,
        port: int | None = None,
        env: dict[str, str] | None = None,
        web_env: dict[str, str] | None = None,
        processes: tuple[str, ...] = PROCESSES,
        serve_web: bool = True,
        migrate: bool = True,
    ) -> None:
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_dir = Path(log_dir)
        self.log_dir.mkdir(parents=True, exist_ok=True)
        self.processes = processes
        venv_bin = str(Path(sys.executable).parent)
        self.env = {
            **os.environ,
            "PATH": f"{venv_bin}:{os.environ.get('PATH', '/usr/bin:/bin')}",
            "DJANGO_SETTINGS_MODULE": "config.settings.production",
            "DJANGO_SECRET_KEY": SECRET_KEY,
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
            "SITE_URL": self.url,
            # Plain HTTP on loopback, as `make prod` does.
            "DJANGO_SECURE_COOKIES": "false",
            "DJANGO_SECURE_SSL_REDIRECT": "false",
            "DATABASE_URL": database_url,
            "DATABASE_CONN_MAX_AGE": "60",  # docker-compose.yml's value
            "REDIS_URL": redis_url,
            "CELERY_BROKER_URL": redis_url,
            "CELERY_TASK_ALWAYS_EAGER": "false",
            "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": str(smtp_port),
            "WEB_BIND": f"127.0.0.1:{self.port}",
            "PROMETHEUS_MULTIPROC_DIR": str(self.log_dir / "prometheus"),
            "PYTHONUNBUFFERED": "1",
            **(env or {}),
        }
        for name in ("DJANGO_DEBUG", "PYTEST_CURRENT_TEST"):
            self.env.pop(name, None)
        self.web_env = web_env or {}
        self.serve_web = serve_web
        self.migrate = migrate
        self.running: dict[str, subprocess.Popen[bytes]] = {}

    # -- processes ---------------------------------------------------------------------------

    def log_path(self, name: str) -> Path:
        return self.log_dir / f"{name}.log"

    def log(self, name: str, tail: int = 6000) -> str:
        path = self.log_path(name)
        return path.read_text(errors="replace")[-tail:] if path.exists() else ""

    def launch(self, name: str) -> subprocess.Popen[bytes]:
        """Start ``scripts/serve NAME`` (again, after ``kill``)."""
        env = {**self.env, **(self.web_env if name == "web" else {})}
        command = [str(ROOT / "scripts" / "serve"), name]
        if name == "web" and not self.serve_web:
            # What `scripts/serve web` ends with; its migrate and collectstatic were done by
            # the caller (prepare()), which saves a minute and a half of compressing.
            shutil.rmtree(env["PROMETHEUS_MULTIPROC_DIR"], ignore_errors=True)
            Path(env["PROMETHEUS_MULTIPROC_DIR"]).mkdir(parents=True)
            command = ["gunicorn", "--config", "config/gunicorn.py", "config.wsgi:application"]
        with self.log_path(name).open("ab") as log:
            process = subprocess.Popen(  # noqa: S603 - our own script and arguments
                command,
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.running[name] = process
        return process

    def prepare(self) -> None:
        """``scripts/serve web``'s first two steps, for ``serve_web=False``: migrate, and
        collect the static files unless the collected ones are newer than every source
        (``migrate=False``: the caller migrated the database already)."""
        run = functools.partial(subprocess.run, cwd=ROOT, env=self.env, check=True)
        # The image compiles the installed packages' bytecode (UV_COMPILE_BYTECODE=1, and
        # PYTHONDONTWRITEBYTECODE=1 at run time): without it every worker compiles each module
        # it imports lazily, seconds into its first requests. Up-to-date files are skipped.
        purelib = sysconfig.get_paths()["purelib"]
        subprocess.run(  # noqa: S603 - our interpreter; a package's odd file may not compile
            [sys.executable, "-m", "compileall", "-q", "-j", "0", purelib],
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            check=False,
        )
        if self.migrate:
            run(["python", "manage.py", "migrate", "--noinput", "--verbosity=0"])  # noqa: S607
        manifest = ROOT / "var" / "static" / "staticfiles.json"
        sources = [p for p in (ROOT / "static").rglob("*") if p.is_file()]
        if not manifest.exists() or any(
            p.stat().st_mtime > manifest.stat().st_mtime for p in sources
        ):
            run(["python", "manage.py", "collectstatic", "--noinput", "--verbosity=0"])  # noqa: S607

    def start(self, *, timeout: float = 180) -> ProductionStack:
        if "web" in self.processes and not self.serve_web:
            self.prepare()
        for name in self.processes:
            self.launch(name)
        try:
            if "web" in self.processes:
                wait_until(self._ready, timeout=timeout, what=f"/readyz ({self.log_path('web')})")
            if "worker" in self.processes:
                wait_until(
                    lambda: self._alive("worker") and " ready." in self.log("worker", 10**9),
                    timeout=timeout,
                    what=f"the worker ({self.log_path('worker')})",
                )
        except BaseException:
            self.stop()
            raise
        return self

    def _alive(self, name: str) -> bool:
        process = self.running[name]
        if process.poll() is not None:
            raise RuntimeError(f"{name} exited with {process.returncode}:\n{self.log(name)}")
        return True

    def _ready(self) -> bool:
        self._alive("web")
        try:
            with urllib.request.urlopen(self.url + "/readyz", timeout=5) as response:  # noqa: S310 - our loopback URL  # nosec B310
                return response.status == 200
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            return False

    def pids(self, name: str) -> list[int]:
        """The process group's members (gunicorn's master and workers, Celery's pool)."""
        group = self.running[name].pid
        found = []
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                with contextlib.suppress(OSError, IndexError, ValueError):
                    fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                    if int(fields[2]) == group:
                        found.append(int(entry.name))
        return sorted(found)

    def kill(self, name: str, sig: int = signal.SIGKILL) -> None:
        process = self.running.get(name)
        if process is None or process.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, sig)
        process.wait(timeout=30)

    def stop(self, *, grace: float = 20) -> None:
        for process in self.running.values():
            if process.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGTERM)
        deadline = time.monotonic() + grace
        for name, process in self.running.items():
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                self.kill(name)
        # A pool child that outlived its parent (SIGKILL of the parent only) goes too.
        for process in self.running.values():
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(process.pid, signal.SIGKILL)

    def __enter__(self) -> ProductionStack:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
