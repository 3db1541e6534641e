# Two commands on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app survey_app
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run test test-fast lint install test-install compile migrate demo serve clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: $(BIN)/python setup.cfg pyproject.toml
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.test-installed: $(VENV)/.installed
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

install: $(VENV)/.installed

test-install: $(VENV)/.test-installed

## compile: build the .mo catalogues from translations/*/LC_MESSAGES/messages.po
compile: install
	$(BIN)/pybabel compile --use-fuzzy --statistics -d translations 2>&1 | grep -v '^$$' || true
	@ls translations/*/LC_MESSAGES/messages.mo >/dev/null

migrate: install
	$(FLASK) db upgrade

demo: migrate
	$(FLASK) seed demo

## run: set everything up and serve on http://127.0.0.1:5000
run: compile demo
	$(FLASK) run --host $(HOST) --port $(PORT)

## test: install test dependencies and run the whole suite (TEST_DATABASE_URL selects PostgreSQL)
test: test-install compile
	$(BIN)/python -m pytest $(PYTEST_ARGS)

## test-fast: the quick loop — the suite without the tests marked slow (browsers, several processes, load)
test-fast: test-install compile
	$(BIN)/python -m pytest -m "not slow" $(PYTEST_ARGS)

## lint: ruff (pyflakes, pycodestyle, import order, bugbear) and mypy (pure modules and services)
lint: test-install
	$(BIN)/ruff check .
	$(BIN)/mypy

clean:
	rm -rf $(VENV) translations/*/LC_MESSAGES/*.mo
