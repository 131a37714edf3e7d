# Every documented way to run, test, build and deploy the project.
SHELL := /bin/bash
PYTHON_VERSION := 3.12
# The interpreter for the venv: Python 3.12, the Lambda runtime's version, so the .pyc
# built for the layers match the runtime. Override with PYTHON=...
# The first candidate that actually runs (a pyenv shim with no version selected does not).
PYTHON ?= $(firstword $(foreach p,python$(PYTHON_VERSION) $(wildcard $(HOME)/.pyenv/versions/$(PYTHON_VERSION).*/bin/python$(PYTHON_VERSION)),$(shell $(p) -c pass >/dev/null 2>&1 && command -v $(p))) python3)
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
export PYTHONPATH := $(CURDIR):$(CURDIR)/layers/shared/python:$(CURDIR)/layers/dashboard/python
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := 20
export CDK_DISABLE_CLI_TELEMETRY := 1

# Deployments: STAGE=sandbox|production, AWS_REGION=<region> (see docs/deploy.md).
STAGE ?= sandbox
CDK := node_modules/.bin/cdk
CDK_CONTEXT = -c stage=$(STAGE) $(if $(AWS_REGION),-c region=$(AWS_REGION))

.PHONY: help install run listen test browser mutate fuzz lint clean build synth bootstrap deploy destroy bench openapi sdks sdk-toolchains

help:
	@echo "make run    - start the local cloud on http://127.0.0.1:$${PORT:-8000} (installs on first use)"
	@echo "make listen - receive the running local cloud's webhooks on 127.0.0.1 and print them, verified (ARGS=--help)"
	@echo "make test   - run every test offline"
	@echo "make fuzz   - the long schemathesis run against a local cloud (docs/reliability.md)"
	@echo "make mutate - mutation testing of the modules that carry the guarantees: score and survivors (ARGS=--only signing)"
	@echo "make openapi - regenerate openapi/openapi.json from the code (commit it)"
	@echo "make sdks   - regenerate every SDK's generated part from openapi/openapi.json (sdks/*/generate.sh)"
	@echo "make build  - build the Lambda layers into build/ (no Docker; skipped when inputs are unchanged)"
	@echo "make bench  - performance figures beside their targets: prints a table, writes bench/results.json (< 10 min)"
	@echo "make synth  - write the CloudFormation template to cdk.out (offline, no AWS credentials)"
	@echo "make deploy - deploy STAGE=sandbox|production to AWS_REGION with the pinned CDK CLI"
	@echo "make destroy - delete that deployment (a production table is kept)"
	@echo "make clean  - remove the virtualenv and build outputs"

$(BIN)/.installed: requirements-dev.txt layers/deps/requirements.txt layers/dashboard/requirements.txt
	@echo ">> creating the virtualenv in $(VENV) with $(PYTHON) (first run only)"
	@test -x "$(PY)" || $(PYTHON) -m venv $(VENV)
	@echo ">> installing dependencies from requirements-dev.txt"
	@$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip
	@$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	@touch $@

install: $(BIN)/.installed

run: install
	@$(PY) -m localcloud

# Like `stripe listen`: a local receiver registered on the running `make run` cloud.
listen: install
	@$(PY) -m localcloud.listen $(ARGS)

test: install openapi/node_modules/.installed sdk-toolchains browser
	@$(PY) -m pytest $(PYTEST_ARGS)

# The dashboard's browser tests' Chromium (tests/browser/install.sh: a no-op once installed).
browser:
	@bash tests/browser/install.sh

# The OpenAPI document SDKs are generated from: checked in, a test keeps it equal to this.
openapi: install
	@$(PY) -m localcloud.openapi > openapi/openapi.json.tmp && mv openapi/openapi.json.tmp openapi/openapi.json
	@echo ">> openapi/openapi.json"

# Redocly CLI, the document's second validator (pinned in openapi/package-lock.json).
openapi/node_modules/.installed: openapi/package.json openapi/package-lock.json
	cd openapi && npm ci --no-audit --no-fund
	@touch $@

# Each SDK's toolchain (sdks/<lang>/install.sh: a no-op once installed).
sdk-toolchains:
	@for s in sdks/*/install.sh; do [ -e "$$s" ] || continue; echo ">> $$s"; bash "$$s" || exit 1; done

# Every SDK's generated part, from openapi/openapi.json (deterministic: no diff on a clean tree).
sdks: install
	@$(PY) sdks/version.py  # sdks/VERSION into every SDK's manifest and version constant
	@for s in sdks/*/generate.sh; do [ -e "$$s" ] || continue; echo ">> $$s"; bash "$$s" || exit 1; done

# Mutation testing (docs/reliability.md, "Mutation testing"): not part of `make test`
# (minutes). ARGS: --only idempotency,signing  --budget SECONDS  --list
mutate: install
	@$(PY) -m tests.mutate $(ARGS)

# The long schemathesis run (docs/reliability.md): coverage phase, 100 examples per
# operation, 30 stateful scenarios of up to 20 steps. FUZZ_EXAMPLES=... to change.
fuzz: install
	@FUZZ_EXAMPLES=$${FUZZ_EXAMPLES:-100} FUZZ_PHASES=examples,coverage,fuzzing FUZZ_STATEFUL_RUNS=30 \
		FUZZ_STATEFUL_STEPS=20 $(PY) -m pytest -p no:cacheprovider tests/reliability/test_fuzz.py $(PYTEST_ARGS)

build: install
	@$(PY) -m infra.build

# Not part of `make test` (it takes minutes); docs/performance.md explains each figure.
# Valgrind counts the import instructions the cold-start targets gate on (installed on first use).
bench: install
	@command -v valgrind >/dev/null || { echo ">> installing valgrind (first run only)"; \
		$$( [ "$$(id -u)" = 0 ] || echo sudo ) apt-get -o DPkg::Lock::Timeout=600 install -y --no-install-recommends valgrind \
		|| echo ">> valgrind could not be installed: the import targets will be n/a"; }
	@$(PY) -m bench $(ARGS)

synth: build
	@STAGE=$(STAGE) $(PY) infra/app.py

# The CDK CLI pinned in package.json / package-lock.json (never a bare npx).
node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund
	@touch $@

bootstrap: node_modules/.installed
	$(CDK) bootstrap --no-notices $(CDK_CONTEXT)

deploy: build node_modules/.installed
	$(CDK) deploy --no-notices $(CDK_CONTEXT) $(CDK_ARGS)

destroy: build node_modules/.installed
	$(CDK) destroy --no-notices $(CDK_CONTEXT) $(CDK_ARGS)

clean:
	rm -rf $(VENV) cdk.out build .pytest_cache openapi/node_modules
