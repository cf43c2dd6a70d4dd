# The two commands of the README. Both create their own environment in .venv on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: demo test lint docs

demo: $(VENV)/.installed
	$(BIN)/immtrack demo --serve

test: $(VENV)/.installed
	sh scripts/ensure-chromium.sh
	$(BIN)/pytest

lint: $(VENV)/.installed
	$(BIN)/ruff check src tests bench

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

docs: $(VENV)/.installed
	$(BIN)/python -m immtrack.docs
