# Runway: `make run` for the demo, `make test` for the suite (what CI runs), `make bench` for timings.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin

.PHONY: install run test bench lint migrate seed clean screenshots prod-check

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $@

# Web + worker + beat on SQLite and a filesystem broker: no external service needed.
run: install
	bash scripts/run-local.sh

migrate: install
	DEBUG=True $(BIN)/python manage.py migrate

seed: migrate
	DEBUG=True $(BIN)/python manage.py seed_demo

test: install
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# The production profile, locally: DEBUG off, PostgreSQL, Redis, gunicorn ×2, worker, beat, smoke checks.
prod-check: install
	bash scripts/prod_check.sh

bench: install
	$(BIN)/python -m bench

# Screenshots of each role's main pages from a fresh demo (docs/screenshots/; needs Debian's chromium).
screenshots: install
	$(BIN)/python scripts/screenshots.py

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

clean:
	rm -rf var .pytest_cache
