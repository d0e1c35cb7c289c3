# Sprachmittlerpool — `make demo` for a first look, `make test` for the whole suite.
SHELL := /bin/bash
UV_VERSION := 0.13.9
VENV := .venv
PY := $(VENV)/bin/python
UV := $(shell command -v uv 2>/dev/null || echo $(VENV)/bin/uv)
export UV_PROJECT_ENVIRONMENT := $(VENV)

.PHONY: install demo run test lint format bench migrate messages clean

$(VENV)/.installed: pyproject.toml uv.lock
	@if ! command -v uv >/dev/null 2>&1 && [ ! -x $(VENV)/bin/uv ]; then \
		python3 -m venv $(VENV) && $(VENV)/bin/pip install --quiet uv==$(UV_VERSION); \
	fi
	$(UV) sync --frozen
	@mkdir -p var
	@touch $@

# ical.js (Thunderbird's iCalendar parser) for the tests that read our invitations.
node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund
	@touch $@

install: $(VENV)/.installed node_modules/.installed
	$(PY) manage.py compilemessages --ignore=.venv --ignore=var --verbosity=0

migrate: install
	$(PY) manage.py migrate --noinput

demo: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py load_demo
	$(PY) manage.py runserver 127.0.0.1:8000

run: install
	$(PY) manage.py runserver 127.0.0.1:8000

test: install
	$(PY) manage.py makemigrations --check --dry-run
	$(VENV)/bin/pytest $(PYTEST_ARGS)

# mypy (django-stubs, drf-stubs) on the service and selector modules, as STYLE.md asks, and on
# core, which every app imports.
TYPED = $(shell git ls-files '*services.py' '*selectors.py' '*selectors_*.py' \
	'*/services/*.py' '*/selectors/*.py' 'core/*.py' | grep -v '^tests/')

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports --no-cache --no-logo
	$(VENV)/bin/mypy --follow-imports=silent $(TYPED)

format: install
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

bench: install
	$(PY) -m bench $(BENCH)

# Re-extract every translatable string into locale/*/LC_MESSAGES/django.po and the e-mails'
# own catalogue notifications/locale/*/LC_MESSAGES/django.po (English is their source), then
# compile. tests/test_catalogues.py keeps them complete.
messages: install
	$(PY) manage.py makemessages -l de -l en -l ar -l fa -l uk -l tr --no-obsolete \
		--ignore=.venv --ignore=var --ignore=tests --ignore=bench --ignore=node_modules \
		--ignore=notifications
	cd notifications && ../$(PY) ../manage.py makemessages -l de -l ar -l fa -l uk -l tr \
		--no-obsolete
	$(PY) manage.py compilemessages --ignore=.venv --ignore=var

clean:
	rm -rf $(VENV) var/db.sqlite3
