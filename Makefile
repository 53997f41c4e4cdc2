# Europass portal — two commands: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000

.PHONY: run test install install-test system-check lint format typecheck bench messages clean

$(BIN)/python:
	@$(PYTHON) bin/check-python
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	@touch $@

$(VENV)/.installed-test: pyproject.toml $(VENV)/.installed
	$(BIN)/pip install --quiet -e '.[test]'
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

clean:
	rm -rf var/cache var/broker var/static
