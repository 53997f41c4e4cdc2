# Europass portal — two commands: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000

.PHONY: run test install install-test system-check lint format typecheck bench messages clean lock smoke

$(BIN)/python:
	@$(PYTHON) bin/check-python
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# The exact versions of the locks (hash-checked), then the portal itself, editable.
$(VENV)/.installed: pyproject.toml requirements/production.lock | $(BIN)/python
	$(BIN)/pip install --quiet --require-hashes -r requirements/production.lock
	$(BIN)/pip install --quiet --no-deps --no-build-isolation -e .
	@touch $@

$(VENV)/.installed-test: pyproject.toml requirements/test.lock $(VENV)/.installed
	$(BIN)/pip install --quiet --require-hashes -r requirements/test.lock
	@touch $@

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

system-check: install
	@$(BIN)/python bin/check-system

# Compiling messages reads the settings but serves nothing: development settings (no secrets needed).
messages: install
	@if command -v msgfmt >/dev/null; then DEBUG=true $(BIN)/python manage.py compilemessages --ignore '.venv/*' -v0; \
	else echo "msgfmt (Debian: gettext) not found: using the committed .mo files"; fi

## make run: install, migrate, load the demo data, then start the web server, a real Celery worker and Celery beat.
## Development mode: DEBUG=true (its development secrets and demo password) unless DEBUG is set already.
## No .env file is read, by the settings or by honcho (-e /dev/null): the environment is the caller's.
run: export DEBUG ?= true
# The site's own address (share links, QR codes, claim emails, register URIs) is where this run serves it, for every
# process: honcho gives each process its own PORT (web PORT, worker PORT+100, beat PORT+200), so it is set here.
run: export SITE_URL ?= http://127.0.0.1:$(PORT)
## The demo's own RFC 3161 time-stamping authority (the Procfile's tsa process): demo seals are B-T in both formats.
## Production points TSA_URL at a qualified time-stamping authority.
run: export TSA_PORT ?= 8318
run: export TSA_URL ?= http://127.0.0.1:$(TSA_PORT)/
run: system-check messages
	$(BIN)/python manage.py migrate --no-input -v0
	$(BIN)/python manage.py collectstatic --no-input -v0
	$(BIN)/python manage.py demo_setup
	@echo "Portal: http://127.0.0.1:$(PORT)/  (Ctrl-C stops the web server, the worker and the scheduler)"
	PORT=$(PORT) $(BIN)/honcho start -f Procfile -e /dev/null

## make test: install the test dependencies (and xmlsec1 / chromium when missing), run the whole suite.
test: install-test messages
	@$(BIN)/python bin/check-system --install-test-tools
	$(BIN)/pytest $(PYTEST_ARGS)

lint: install-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy .

format: install-test
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: install-test
	$(BIN)/python bench/run_all.py

## make lock: the locks from pyproject.toml and requirements/build.in, with uv (in var/lock-tools): one universal
## resolution (any OS, any Python 3.11+, markers kept), hashes of every file. Pins already in a lock are kept
## unless upgraded: make lock LOCK_UPGRADE=--upgrade (everything) or LOCK_UPGRADE='--upgrade-package django' (one).
LOCK_UPGRADE ?=
LOCK_ARGS = --quiet --universal --fork-strategy fewest --python-version 3.11 --generate-hashes $(LOCK_UPGRADE)
lock:
	@test -x var/lock-tools/bin/uv || ($(PYTHON) -m venv var/lock-tools && var/lock-tools/bin/pip install --quiet 'uv>=0.5')
	var/lock-tools/bin/uv pip compile $(LOCK_ARGS) pyproject.toml requirements/build.in \
	  --output-file requirements/production.lock
	var/lock-tools/bin/uv pip compile $(LOCK_ARGS) --extra test --constraint requirements/production.lock \
	  pyproject.toml requirements/build.in --output-file requirements/test.lock

## make smoke: the production smoke of .ci/run (needs PostgreSQL and Redis: DATABASE_URL, REDIS_URL).
smoke:
	$(PYTHON) bin/smoke-production

clean:
	rm -rf var/cache var/broker var/static
