# Sprachmittlerpool — `make demo` for a first look, `make test` for the whole suite.
SHELL := /bin/bash
UV_VERSION := 0.13.9
VENV := .venv
PY := $(VENV)/bin/python
UV := $(shell command -v uv 2>/dev/null || echo $(VENV)/bin/uv)
export UV_PROJECT_ENVIRONMENT := $(VENV)

.PHONY: prod faults faults-smoke licences install demo run test test-future lint format bench loadtest migrate messages clean audit

# The Debian packages of a group (demo, test, ci): scripts/system_packages.py holds the one
# list and says why each is there. As root it installs what is missing; otherwise it says how
# and make stops. It runs before what uses them (python3 -m venv, npm ci, msgfmt).
SYSTEM_PACKAGES := system-packages-demo system-packages-test system-packages-ci
.PHONY: $(SYSTEM_PACKAGES)
$(SYSTEM_PACKAGES): system-packages-%:
	@python3 scripts/system_packages.py $*

$(VENV)/.installed: pyproject.toml uv.lock | system-packages-demo
	@if ! command -v uv >/dev/null 2>&1 && [ ! -x $(VENV)/bin/uv ]; then \
		python3 -m venv $(VENV) && $(VENV)/bin/pip install --quiet uv==$(UV_VERSION); \
	fi
	$(UV) sync --frozen
	@mkdir -p var
	@touch $@

# ical.js (Thunderbird's iCalendar parser) for the tests that read our invitations.
node_modules/.installed: package.json package-lock.json | system-packages-demo
	npm ci --no-audit --no-fund
	@touch $@

install: system-packages-demo $(VENV)/.installed node_modules/.installed
	$(PY) manage.py compilemessages --ignore=.venv --ignore=var --verbosity=0

migrate: install
	$(PY) manage.py migrate --noinput

# The demo serves without Django's debug pages (a mistyped address shows our 404 page, not
# every URL pattern); WhiteNoise serves the static files (config/settings/local.py).
demo: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py load_demo
	DJANGO_DEBUG=false $(PY) manage.py runserver 127.0.0.1:8000

run: install
	$(PY) manage.py runserver 127.0.0.1:8000

# The production stack on this machine, without Docker: the Procfile's web (gunicorn, production
# settings, WhiteNoise), worker and ONE beat, run by honcho - the same scripts/serve commands as
# docker-compose.yml. PostgreSQL and Redis (DATABASE_URL, REDIS_URL) must be running already:
# make prod checks them and says so, it does not start them. Loopback defaults below (plain
# HTTP on 127.0.0.1; behind a TLS proxy set the hosts, SITE_URL and the secure settings).
prod: install
	@test -n "$$DJANGO_SECRET_KEY" || { echo "make prod: set DJANGO_SECRET_KEY" >&2; exit 1; }
	$(PY) scripts/check_services.py
	PATH="$(CURDIR)/$(VENV)/bin:$$PATH" DJANGO_SETTINGS_MODULE=config.settings.production \
		WEB_BIND=$${WEB_BIND:-127.0.0.1:8000} \
		DJANGO_ALLOWED_HOSTS=$${DJANGO_ALLOWED_HOSTS:-127.0.0.1,localhost} \
		SITE_URL=$${SITE_URL:-http://127.0.0.1:8000} \
		DJANGO_SECURE_COOKIES=$${DJANGO_SECURE_COOKIES:-false} \
		DJANGO_SECURE_SSL_REDIRECT=$${DJANGO_SECURE_SSL_REDIRECT:-false} \
		$(VENV)/bin/honcho start --procfile Procfile

# The faults the production stack must survive (docs/operations.md, "Outages"): PostgreSQL
# restarting, Redis restarting without its data, a worker SIGKILLed mid-SMTP, a killed beat, a
# full disk. scripts/faults.py starts its own PostgreSQL and Redis (never the shared ones) and
# the Procfile's processes; one JSON line per fault. faults-smoke is the short run that
# `make test` runs too (tests/ops/test_faults.py). Needs root for the small tmpfs.
faults: install
	$(PY) -m scripts.faults $(FAULTS_ARGS)

faults-smoke: install
	$(PY) -m scripts.faults --smoke $(FAULTS_ARGS)

# docs/licences.md from the lock file, and the check that every licence is EUPL-compatible.
licences: install
	$(PY) scripts/licences.py --write

test: system-packages-test install
	$(PY) manage.py makemigrations --check --dry-run
	$(VENV)/bin/pytest $(PYTEST_ARGS)

# The suite again on SQLite with the clock FUTURE ahead (CI runs it after `make test`): a date
# that is only right in the year it was written fails here. Only pytest runs under faketime
# (and what it starts: node, Chromium). No PostgreSQL or Redis: TESTS_ON_SQLITE deselects
# their tests, even in CI, and the run says so (tests/services.py).
FUTURE := +400d
test-future: system-packages-ci install
	env -u DATABASE_URL -u REDIS_URL -u CELERY_BROKER_URL TESTS_ON_SQLITE=1 \
		faketime -f $(FUTURE) $(VENV)/bin/pytest $(PYTEST_ARGS)

# mypy (django-stubs, drf-stubs) on the service and selector modules, as STYLE.md asks, on the
# bookings' messages (the hooks the services call, void at change), on the bookings' lock
# order and access rules, which every booking service uses, and on core, which every app
# imports.
TYPED = $(shell git ls-files '*services.py' '*selectors.py' \
	'*/services/*.py' '*/selectors/*.py' 'bookings/messages/*.py' 'bookings/locking.py' \
	'bookings/access.py' 'bookings/receivers.py' 'mediators/signals.py' 'core/*.py' \
	| grep -v '^tests/')

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports --no-cache --no-logo
	$(VENV)/bin/mypy --follow-imports=silent $(TYPED)
	$(VENV)/bin/bandit -c pyproject.toml -q -r .

# Known vulnerabilities of the locked dependencies (pip-audit against PyPI's advisory data).
# It needs pypi.org's per-release JSON API or api.osv.dev; the CI machine reaches neither
# (only the package index), so this is for a machine with network access, not part of CI.
audit: install
	$(UV) export --frozen --format requirements-txt --no-hashes --all-groups -q > var/audit-requirements.txt
	$(VENV)/bin/pip-audit --strict --no-deps --disable-pip -r var/audit-requirements.txt

format: install
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

bench: install
	$(PY) -m bench $(BENCH)

# A Monday morning (bench/load/__main__.py): the production stack on loopback (gunicorn with
# the production settings, a Celery worker, one beat, an aiosmtpd mail sink) and Locust,
# headless: LOAD_USERS (200) for LOAD_SECONDS (180) on state-sized data (LOAD_SIZE=state;
# smoke is small). One JSON line per endpoint class and one "all" with the checks. Needs
# DATABASE_URL (a database of its own: it is dropped and copied from a template) and
# REDIS_URL (an index of its own: flushed). WEB_WORKER_CLASS, WEB_CONCURRENCY, WEB_THREADS
# choose the worker model. CI runs the smoke: tests/ops/test_loadtest.py.
loadtest: install
	$(PY) -m bench.load

# Re-extract every translatable string into locale/*/LC_MESSAGES/django.po (the pages, and the
# bookings' e-mails of bookings/messages/) and the transport's own e-mail catalogue
# notifications/locale/*/LC_MESSAGES/django.po (English is their source), then compile.
# tests/test_catalogues.py keeps them complete.
messages: install
	$(PY) manage.py makemessages -l de -l en -l ar -l fa -l uk -l tr --no-obsolete \
		--ignore=.venv --ignore=var --ignore=tests --ignore=bench --ignore=node_modules \
		--ignore=notifications
	cd notifications && ../$(PY) ../manage.py makemessages -l de -l ar -l fa -l uk -l tr \
		--no-obsolete
	$(PY) manage.py compilemessages --ignore=.venv --ignore=var

clean:
	rm -rf $(VENV) var/db.sqlite3 var/db.sqlite3-wal var/db.sqlite3-shm
