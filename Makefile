# Overblik: two commands for a new user (see README.md).
#   make run    install, generate demo data and load it if there is none, start the app
#   make test   install what the tests need and run lint and the whole test suite

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
DATA := data
INBOX := $(DATA)/inbox
WAREHOUSE := $(DATA)/warehouse
PORT ?= 8501
# make bench PROFILE=demo|national|all
PROFILE ?= all
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: run test lint etl demo-data users chromium postgresql bench clean help

help:
	@echo "make run   - start Overblik at http://127.0.0.1:$(PORT) (installs and loads demo data on first run)"
	@echo "make test  - lint and run all tests (installs test tools, Chromium and PostgreSQL on first run)"
	@echo "make etl   - load $(INBOX) into a new warehouse"
	@echo "make bench - measure the demo and the national profile (~15 min); PROFILE=demo for the demo only"

$(PY):
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "Overblik kræver Python 3.11 eller nyere ($(PYTHON) er for gammel)"; exit 1; }
	@$(PYTHON) -m venv $(VENV) 2>/dev/null || { \
		echo "Installerer python3-venv (Debian) ..."; \
		$(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq python3-venv >/dev/null && \
		rm -rf $(VENV) && $(PYTHON) -m venv $(VENV); }
	@$(PY) -m pip install -q --upgrade pip

$(VENV)/.runtime: requirements.txt | $(PY)
	$(PY) -m pip install -q -r requirements.txt
	@touch $@

$(VENV)/.dev: requirements-dev.txt requirements.txt | $(PY)
	$(PY) -m pip install -q -r requirements-dev.txt
	@touch $@ $(VENV)/.runtime

demo-data: $(VENV)/.runtime
	@if [ -z "$$(ls -A $(INBOX) 2>/dev/null)" ]; then \
		$(PY) -m etl.generate --profile demo --seed 1 --out $(INBOX); fi

$(WAREHOUSE)/current.duckdb:
	@$(MAKE) --no-print-directory demo-data
	$(PY) -m etl.run --inbox $(INBOX) --warehouse $(WAREHOUSE)

etl: $(VENV)/.runtime
	$(PY) -m etl.run --inbox $(INBOX) --warehouse $(WAREHOUSE)

users: $(VENV)/.runtime
	@$(PY) -m data_access seed-demo-users

run: $(VENV)/.runtime $(WAREHOUSE)/current.duckdb users
	@echo ""
	@echo "Overblik kører på http://127.0.0.1:$(PORT)  (stop med Ctrl+C)"
	@echo "Demobrugere (Svendborg Kommune):"
	@echo "  sagsbehandler / demo-sagsbehandler   (sagsbehandler)"
	@echo "  leder         / demo-leder           (leder)"
	@echo "  politiker     / demo-politiker       (politiker)"
	@echo "  admin         / demo-admin           (lokal administrator)"
	@echo ""
	$(PY) -m streamlit run app.py --server.headless true --server.address 127.0.0.1 --server.port $(PORT)

chromium:
	@[ -x /usr/bin/chromium ] || { echo "Installerer Chromium (Debian) til browsertestene ..."; \
		$(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq chromium >/dev/null; }

# The KPI tests compare DuckDB with a private PostgreSQL cluster; they need only the server binaries.
postgresql:
	@ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || { echo "Installerer PostgreSQL (Debian) til testene ..."; \
		$(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq postgresql >/dev/null; }

lint: $(VENV)/.dev
	$(PY) -m ruff check .

test: $(VENV)/.dev chromium postgresql lint
	$(PY) -m pytest

bench: $(VENV)/.dev chromium
	$(PY) -m bench --profile $(PROFILE)

clean:
	rm -rf $(DATA) test-artifacts .pytest_cache .ruff_cache
