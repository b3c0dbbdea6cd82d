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

.PHONY: help install run setup test lint check pytest bench messages lock clean

help:
	@echo "make run    - install, migrate, load Batang and the letter catalogue, demo accounts, serve on http://127.0.0.1:8000"
	@echo "make test   - lint, Django checks, migrations check and the whole test suite"
	@echo "make bench  - issue letters end to end and print the figures against a baseline"

$(STAMP): pyproject.toml requirements/constraints.txt requirements/build-constraints.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check --upgrade pip
	$(PIP_INSTALL) --editable ".[dev]"
	touch $(STAMP)

install: $(STAMP)

setup: install
	$(MANAGE) migrate --noinput
	$(MANAGE) setup_demo

run: setup
	DJANGO_DEBUG=$${DJANGO_DEBUG:-1} $(MANAGE) runserver 127.0.0.1:8000

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/djlint layanan --lint --quiet

check: install
	$(MANAGE) check --fail-level WARNING
	$(MANAGE) makemigrations --check --dry-run --no-input

pytest: install
	$(BIN)/pytest $(PYTEST_ARGS)

test: lint check pytest

# Benchmarks are measurements, not tests: figures against a baseline of the same run.
bench: install
	$(PY) bench/bench_letters.py $(BENCH_ARGS)

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
