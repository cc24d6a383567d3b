# make run   - set up if needed, migrate, serve the bot on 127.0.0.1:3978 (local mode without Azure settings)
# make test  - set up everything the suite needs (Python, Chromium, PostgreSQL, the Playground) and run it all
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip install -q --disable-pip-version-check
E2E := tests/e2e

.PHONY: run test migrate system-deps playground bench check-profiles package clean

$(PY):
	$(PYTHON) -m venv $(VENV)

$(VENV)/.run-deps: requirements.txt constraints.txt | $(PY)
	$(PIP) -r requirements.txt -c constraints.txt
	touch $@

$(VENV)/.test-deps: $(VENV)/.run-deps requirements-test.txt
	$(PIP) -r requirements.txt -r requirements-test.txt -c constraints.txt
	touch $@

migrate: $(VENV)/.run-deps
	$(PY) -m alembic upgrade head

run: migrate
	$(PY) app.py

system-deps:
	@bash .ci/system-deps.sh

$(E2E)/node_modules/.package-lock.json: $(E2E)/package.json $(E2E)/package-lock.json
	@start=$$SECONDS; npm ci --prefix $(E2E) --no-audit --no-fund --loglevel=error && \
	  echo "playground: npm ci took $$((SECONDS - start)) s"

playground: $(E2E)/node_modules/.package-lock.json

test: $(VENV)/.test-deps system-deps playground
	$(PY) -m pytest

package: $(VENV)/.run-deps
	$(PY) -m manifest appPackage.zip

check-profiles: $(VENV)/.run-deps
	@for p in hackney bristol triborough walsall darlington; do $(PY) -m protocol check $$p || exit 1; done

bench: $(VENV)/.test-deps
	$(PY) bench/protocol_bench.py

clean:
	rm -rf $(VENV) $(E2E)/node_modules .pytest_cache .hypothesis
