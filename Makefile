# `make demo`, `make test` and `make bench` each do all their own set-up on a fresh Debian machine:
# the Debian packages, the virtual environment in .venv, the browser. A second run only checks.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
SYSTEM_STAMP := $(VENV)/.system-deps

.PHONY: demo test bench lint catalogs system-deps venv lock clean

LOCALES := $(notdir $(wildcard assistant/locale/*))
CATALOGS := $(foreach l,$(filter-out %.pot,$(LOCALES)),assistant/locale/$(l)/LC_MESSAGES/ofpra_assistant.mo)

demo: system-deps $(STAMP) $(CATALOGS)
	$(BIN)/python -m fixtures.desktop_session --if-needed --show-notifications -- \
		$(BIN)/ofpra-assistant demo

test: system-deps $(STAMP) $(CATALOGS) lint
	$(BIN)/python -m pytest

# Figures, not tests: each is printed with its target, met or missed (README, "Performance").
bench: system-deps $(STAMP) $(CATALOGS)
	$(BIN)/python -m benchmarks

lint: $(STAMP)
	$(BIN)/ruff check assistant flows fixtures tests scripts benchmarks
	$(BIN)/ruff format --check assistant flows fixtures tests scripts benchmarks
	$(BIN)/mypy

# The build compiles the translations (never by hand); `make catalogs` extracts new messages.
%/LC_MESSAGES/ofpra_assistant.mo: %/LC_MESSAGES/ofpra_assistant.po $(STAMP)
	$(BIN)/pybabel compile --statistics -i $< -o $@

catalogs: $(STAMP)
	$(BIN)/python scripts/catalogs.py

system-deps:
	./scripts/install-system-deps.sh

venv: $(STAMP)

# dbus-python builds against the system's D-Bus headers, so the packages come first.
$(STAMP): pyproject.toml requirements.lock scripts/install-system-deps.sh
	./scripts/install-system-deps.sh
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.lock
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps -e .
	touch $(STAMP)

# The lock file is made from pyproject.toml; run this after changing the dependencies.
lock:
	$(BIN)/python -m pip install --quiet uv
	$(BIN)/uv pip compile pyproject.toml --extra dev --universal --python-version 3.11 \
		-o requirements.lock

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache *.egg-info
