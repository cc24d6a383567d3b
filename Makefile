# make run   - set up if needed, migrate, serve the bot on 127.0.0.1:3978 (local mode without Azure settings)
# make test  - set up everything the suite needs (Python, Chromium, PostgreSQL, the Playground) and run it all
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip install -q --disable-pip-version-check
E2E := tests/e2e

.PHONY: run test migrate system-deps playground playground-deps bench crash-trials mutate audit check-profiles package clean

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

PLAYGROUND := $(E2E)/node_modules/.bin/agentsplayground
PLAYGROUND_PORT ?= 56150
ENDPOINT = $$($(PY) -c "from settings import Settings; s = Settings(); print(f'http://{s.host}:{s.port}/api/messages')")

# In local mode (no MICROSOFT_APP_ID) the Agents Playground starts too, with the people of
# .m365agentsplayground.yml and their contacts directory (storage/directories/playground.yaml).
run: migrate
	@mkdir -p data; \
	if $(PY) -c "import sys; from settings import Settings; sys.exit(0 if Settings().local_mode else 1)" && command -v npm >/dev/null; then \
	  $(MAKE) --no-print-directory playground-deps >/dev/null; \
	  TEAMSAPPTESTER_BROWSER=none $(PLAYGROUND) -e $(ENDPOINT) -c msteams --dt -p $(PLAYGROUND_PORT) > data/playground.log 2>&1 & \
	  playground=$$!; trap 'kill $$playground 2>/dev/null' EXIT INT TERM; \
	  echo ""; echo "  Agents Playground (a local Teams): http://localhost:$(PLAYGROUND_PORT)   (log: data/playground.log)"; echo ""; \
	  CONTACTS_FILE=$${CONTACTS_FILE:-storage/directories/playground.yaml} $(PY) app.py; \
	else \
	  $(PY) app.py; \
	fi

# The Playground on its own, against a bot that is already running (make run starts both).
playground: playground-deps
	TEAMSAPPTESTER_BROWSER=none $(PLAYGROUND) -e $(ENDPOINT) -c msteams --dt -p $(PLAYGROUND_PORT)

system-deps:
	@bash .ci/system-deps.sh

$(E2E)/node_modules/.package-lock.json: $(E2E)/package.json $(E2E)/package-lock.json
	@start=$$SECONDS; npm ci --prefix $(E2E) --no-audit --no-fund --loglevel=error && \
	  echo "playground: npm ci took $$((SECONDS - start)) s"

playground-deps: $(E2E)/node_modules/.package-lock.json

test: $(VENV)/.test-deps system-deps playground-deps
	$(PY) -m pytest

package: $(VENV)/.run-deps
	$(PY) -m manifest appPackage.zip

check-profiles: $(VENV)/.run-deps
	@for p in hackney bristol triborough walsall darlington; do $(PY) -m protocol check $$p || exit 1; done

# The Agents SDK echo agent runs in a virtualenv of its own: the SDK pins versions strategy-bot does not.
.venv-agents/.deps: bench/requirements-agents.txt
	$(PYTHON) -m venv .venv-agents
	.venv-agents/bin/python -m pip install -q --disable-pip-version-check -r bench/requirements-agents.txt
	touch $@

bench: $(VENV)/.test-deps .venv-agents/.deps
	@bash .ci/system-deps.sh bench
	$(PY) bench/protocol_bench.py
	$(PY) bench/http_bench.py
	$(PY) bench/sweep_bench.py
	$(PY) bench/tab_bench.py
	$(PY) bench/crash_trials.py

# SIGKILL the service at random moments while it convenes, finalises and sweeps (SQLite and PostgreSQL).
# Mutation testing of the functional core (bench/mutation.py -> bench/MUTATION.md); not part of `make test`.
mutate: $(VENV)/.test-deps
	$(PIP) mutmut==3.8.1 -c constraints.txt
	$(PY) bench/mutation.py

# Known vulnerabilities in the pinned packages (pip-audit; .ci/audit.py): fails on one that has a fix. CI runs it.
audit: $(VENV)/.test-deps
	$(PIP) pip-audit==2.10.1
	$(PY) .ci/audit.py

crash-trials: $(VENV)/.test-deps
	$(PY) bench/crash_trials.py $(TRIALS)

clean:
	rm -rf $(VENV) $(E2E)/node_modules .pytest_cache .hypothesis
