# Every documented way to run, test, build and deploy the project.
SHELL := /bin/bash
PYTHON_VERSION := 3.12
# The interpreter for the venv: Python 3.12, the Lambda runtime's version, so the .pyc
# built for the layers match the runtime. Override with PYTHON=...
PYTHON ?= $(shell command -v python$(PYTHON_VERSION) 2>/dev/null || ls /root/.pyenv/versions/$(PYTHON_VERSION).*/bin/python$(PYTHON_VERSION) 2>/dev/null | tail -n1 || echo python3)
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
export PYTHONPATH := $(CURDIR):$(CURDIR)/layers/shared/python
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := 20
export CDK_DISABLE_CLI_TELEMETRY := 1

.PHONY: help install run test lint clean

help:
	@echo "make run    - start the local cloud on http://127.0.0.1:$${PORT:-8000} (installs on first use)"
	@echo "make test   - run every test offline"
	@echo "make clean  - remove the virtualenv and build outputs"

$(BIN)/.installed: requirements-dev.txt layers/deps/requirements.txt
	@echo ">> creating the virtualenv in $(VENV) with $(PYTHON) (first run only)"
	@test -x "$(PY)" || $(PYTHON) -m venv $(VENV)
	@echo ">> installing dependencies from requirements-dev.txt"
	@$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip
	@$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	@touch $@

install: $(BIN)/.installed

run: install
	@$(PY) -m localcloud

test: install
	@$(PY) -m pytest $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) cdk.out build .pytest_cache
