# Two commands on a fresh machine: `make run` and `make test` (see README.md).
# Everything they need is created here: the gateway's environment (.venv, Python >= 3.11, uv),
# the Rasa environment (.venv-rasa, Python 3.10) and the NLU model (trained only when its
# data or config changed; cached by hash).

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

UV_VERSION := 0.13.9
UV := $(shell command -v uv 2>/dev/null || echo .venv-tools/bin/uv)
LTSA := .venv/bin/ltsa
SUDO := $(if $(filter 0,$(shell id -u)),,sudo)

export RASA_TELEMETRY_ENABLED := false
export UV_NO_PROGRESS := 1
# trust the system certificate store (a proxy with its own CA is common on office networks)
export UV_NATIVE_TLS := 1

.PHONY: help setup model run test bench lint format clean browser

help:
	@echo "make run    set up everything, train the NLU model if needed, start the service"
	@echo "make test   set up everything and run the whole test suite"
	@echo "make bench  run the benchmarks (reports/bench.md)"

.venv-tools/bin/uv:
	python3 -m venv .venv-tools
	.venv-tools/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

.venv/.installed: pyproject.toml uv.lock | $(UV)
	$(UV) sync --frozen --quiet --python "$$(scripts/find-python 3.11)"
	touch $@

.venv-rasa/.installed: nlu/rasa-env/requirements.lock | $(UV)
	$(UV) venv --quiet --allow-existing --python "$$(scripts/find-python 3.10)" .venv-rasa
	VIRTUAL_ENV=$(CURDIR)/.venv-rasa $(UV) pip sync --quiet nlu/rasa-env/requirements.lock
	touch $@

setup: .venv/.installed .venv-rasa/.installed

# Debian's Chromium for the console's browser tests (Playwright drives it; its own browser
# downloads are never used). Skipped when /usr/bin/chromium exists.
browser: /usr/bin/chromium

/usr/bin/chromium:
	$(SUDO) apt-get install -y chromium || { $(SUDO) apt-get update && $(SUDO) apt-get install -y chromium; }

model: setup
	$(LTSA) nlu train

run: model
	$(LTSA) serve

test: model browser
	scripts/check

bench: model
	$(LTSA) bench

lint: .venv/.installed
	.venv/bin/ruff format .
	.venv/bin/ruff check --fix .

clean:
	rm -rf .venv .venv-rasa .venv-tools models var/rasa
