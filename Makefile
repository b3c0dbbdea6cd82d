# Layanan Desa Mandiri: `make run` starts the site, `make test` runs every check.
# Both create the virtual environment on first use; later runs reuse it.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
MANAGE := $(PY) manage.py
STAMP := $(VENV)/.installed
PIP_INSTALL := $(BIN)/pip install --quiet --disable-pip-version-check \
	--constraint requirements/constraints.txt --build-constraint requirements/build-constraints.txt

.PHONY: help install node-tools run setup test lint typecheck check pytest e2e bench bench-load bench-backup bench-pages serve worker scheduler \
	bsre-fake panduan-screenshots messages lock clean

help:
	@echo "make run    - make setup, then serve on http://127.0.0.1:8000 (PORT=8001: another port; QR codes and emails follow it)"
	@echo "make setup  - install, migrate, load Batang and the letter catalogue, the local PKI, demo accounts, letter and content"
	@echo "make test   - lint (with the apps' layer order), type check, Django checks, migrations check and the whole test suite"
	@echo "make bench  - issue letters end to end and print the figures against a baseline"

$(STAMP): pyproject.toml requirements/constraints.txt requirements/build-constraints.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check --upgrade pip
	$(PIP_INSTALL) --editable ".[dev]"
	touch $(STAMP)

install: $(STAMP)

# Test-only browser tools (axe-core for the accessibility checks), from package-lock.json.
NODE_STAMP := node_modules/.installed
$(NODE_STAMP): package.json package-lock.json
	command -v npm >/dev/null || { echo "npm is needed for the browser tests (apt-get install npm)"; exit 1; }
	npm ci --no-audit --no-fund --loglevel error
	touch $(NODE_STAMP)

node-tools: $(NODE_STAMP)

# `make run PORT=8001` serves on another port. The site's own address (LDM_PUBLIC_URL, in QR
# codes and emails, also of the demo letter made by setup) follows it unless it is given
# (config/settings/base.py, LDM_RUN_PORT).
PORT ?= 8000
RUN_ENV := LDM_RUN_PORT=$(PORT)

setup: install
	$(RUN_ENV) $(MANAGE) migrate --noinput
	$(RUN_ENV) $(MANAGE) setup_demo

# Beside the server, the news is fetched once it answers (the demo serves its own feed).
run: setup
	$(RUN_ENV) DJANGO_DEBUG=$${DJANGO_DEBUG:-1} $(MANAGE) fetch_demo_news & \
	$(RUN_ENV) DJANGO_DEBUG=$${DJANGO_DEBUG:-1} $(MANAGE) runserver 127.0.0.1:$(PORT)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/djlint layanan --lint --quiet
	$(BIN)/lint-imports

# Type hints checked with mypy and django-stubs (configuration in pyproject.toml).
typecheck: install
	$(BIN)/mypy

check: install
	$(MANAGE) check --fail-level WARNING
	$(MANAGE) makemigrations --check --dry-run --no-input

pytest: install node-tools
	$(BIN)/pytest $(PYTEST_ARGS)

# Only the browser journeys, accessibility and page-weight checks (also part of `make pytest`).
e2e: install node-tools
	$(BIN)/pytest -m e2e $(PYTEST_ARGS)

test: lint typecheck check pytest

# Benchmarks are measurements, not tests: figures against a baseline of the same run.
bench: install
	$(PY) bench/bench_letters.py $(BENCH_ARGS)

# Not a test: PostgreSQL with generated data, gunicorn with 2 workers, wrk at 50 connections;
# requests/s and latency per page against a bare Django view. BENCH_ARGS="--full" for
# 200,000 residents and 1,000,000 requests.
bench-load: install
	command -v wrk >/dev/null || apt-get install -y -qq wrk || \
		(apt-get update -qq && apt-get install -y -qq wrk)
	$(PY) bench/bench_load.py $(BENCH_ARGS)

# Not a test: backup_create and backup_restore on PostgreSQL with generated data (by default
# the full size) against pg_dump and pg_restore of the same database.
bench-backup: install
	$(PY) bench/bench_backup.py $(BENCH_ARGS)

# Not a test: Lighthouse (pinned in bench/pages/, installed there, never by `make test`) with
# Debian's Chromium, mobile profile, over home, catalogue, Masuk, Beranda, Riwayat and the QR
# page, served by gunicorn with production settings; reports in test-artifacts/lighthouse/.
BENCH_PAGES_STAMP := bench/pages/node_modules/.installed
$(BENCH_PAGES_STAMP): bench/pages/package.json bench/pages/package-lock.json
	command -v npm >/dev/null || { echo "npm is needed for Lighthouse (apt-get install npm)"; exit 1; }
	cd bench/pages && npm ci --no-audit --no-fund --loglevel error
	touch $(BENCH_PAGES_STAMP)

bench-pages: install $(BENCH_PAGES_STAMP)
	test -x /usr/bin/chromium || apt-get install -y -qq chromium || \
		(apt-get update -qq && apt-get install -y -qq chromium)
	$(PY) bench/bench_pages.py $(BENCH_ARGS)

# The production processes on this machine (README, "Deployment"): production settings,
# HTTP on 127.0.0.1:8000 (no TLS here, so no redirect to https), the keys kept in var/.
PROD_ENV := DJANGO_SETTINGS_MODULE=config.settings.production \
	DJANGO_SECRET_KEY=$${DJANGO_SECRET_KEY:-$$(cat var/secret_key)} \
	LDM_FILE_KEYS=$${LDM_FILE_KEYS:-$$(cat var/file-key 2>/dev/null)} \
	DJANGO_SECURE_SSL_REDIRECT=$${DJANGO_SECURE_SSL_REDIRECT:-0}

serve: setup
	$(PROD_ENV) $(MANAGE) collectstatic --noinput --verbosity 0
	$(PROD_ENV) WEB_CONCURRENCY=$${WEB_CONCURRENCY:-2} \
		$(BIN)/gunicorn --config config/gunicorn.conf.py config.wsgi

worker: setup
	$(PROD_ENV) $(BIN)/celery -A config worker --loglevel INFO

scheduler: setup
	$(PROD_ENV) $(BIN)/celery -A config beat --loglevel INFO --schedule var/celerybeat-schedule

# A fake BSrE signing service on http://127.0.0.1:8088 for demos (see README, "Issued letters").
bsre-fake: install
	$(PY) -m bsre_fake --port 8088 --config bsre_fake/users.example.toml --ca-out var/bsre-fake-ca.pem

# The Panduan's screenshots, taken from a throwaway demo installation with Chromium.
panduan-screenshots: install
	$(MANAGE) panduan_screenshots

# Regenerate the Indonesian message catalogues after changing user-facing strings,
# then fill in the new msgstr entries and compile.
messages: install
	$(MANAGE) makemessages --locale id --no-location --no-obsolete --ignore ".venv/*"
	$(MANAGE) compilemessages --locale id --ignore ".venv/*"

# Re-pin the transitive dependencies after changing pyproject.toml.
lock: install
	$(BIN)/pip freeze --exclude-editable | grep -v '^-e ' > requirements/constraints.txt

clean:
	rm -rf $(VENV)
