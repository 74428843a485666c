# Two commands on a fresh machine: `make run` (the ledger on SQLite) and `make test`.
# Each creates the virtual environment it needs (.venv) and installs the project into it.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: install system run demo test lint bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

system:  ## Debian packages the tests need (Chromium, a CJK font), installed when missing
	bash scripts/system-deps.sh

run: $(STAMP)  ## the API on http://127.0.0.1:8000 (docs at /docs), SQLite in ./ledger-data
	$(BIN)/ledger serve

demo: $(STAMP)  ## fill an empty ledger with the demo city
	$(BIN)/ledger demo

test: $(STAMP) system  ## the whole suite; PostgreSQL tests run when a server is reachable
	$(BIN)/pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy domain projections
	$(BIN)/lint-imports

bench: $(STAMP)
	$(BIN)/ledger bench

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
