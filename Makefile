# `make demo` and `make test` each do all their own set-up on a fresh Debian machine: the Debian
# packages, the virtual environment in .venv, the browser. A second run only checks.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
SYSTEM_STAMP := $(VENV)/.system-deps

.PHONY: demo test lint check-types unit system-deps venv clean

demo: system-deps $(STAMP)
	$(BIN)/python -m fixtures.desktop_session --if-needed --show-notifications -- \
		$(BIN)/ofpra-assistant demo

test: system-deps $(STAMP) lint
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check assistant flows fixtures tests
	$(BIN)/ruff format --check assistant flows fixtures tests
	$(BIN)/mypy

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
