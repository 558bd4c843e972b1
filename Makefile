# ClearDesk — the two commands a new machine needs: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DEMO_DB := $(CURDIR)/.demo/cleardesk-demo.sqlite3
DEMO_URL := sqlite:///$(DEMO_DB)

.PHONY: run test test-pg lint bench screenshots clean dist deb

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(VENV)/.installed: $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install -q -e '.[dev,postgres]'
	touch $@

run: $(VENV)/.installed
	@mkdir -p $(dir $(DEMO_DB))
	$(BIN)/cleardesk --db $(DEMO_URL) demo --parcels 3000 --seed 7 --if-empty --accounts
	$(BIN)/cleardesk --db $(DEMO_URL)

test: $(VENV)/.installed
	$(BIN)/ruff check app ui tests bench tools
	$(BIN)/mypy
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest

# The database and GUI suites against PostgreSQL (needs a server; see .ci/run).
PG_TEST_URL ?= postgresql+psycopg://cleardesk:cleardesk@127.0.0.1/postgres
test-pg: $(VENV)/.installed
	CLEARDESK_TEST_PG=$(PG_TEST_URL) QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest tests/db tests/ui

lint: $(VENV)/.installed
	$(BIN)/ruff check app ui tests bench tools
	$(BIN)/mypy

bench: $(VENV)/.installed
	$(BIN)/python -m bench --quick

screenshots: $(VENV)/.installed
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m ui.screenshots docs/screenshots

# Installable build (README "Install on a workstation"): a self-contained one-folder bundle in
# dist/cleardesk (PyInstaller, packaging/cleardesk.spec), and from it a Debian package.
$(VENV)/.dist-installed: $(VENV)/.installed pyproject.toml
	$(BIN)/python -m pip install -q -e '.[dev,postgres,dist]'
	touch $@

dist: $(VENV)/.dist-installed
	$(BIN)/python packaging/write_build_info.py
	$(BIN)/pyinstaller --noconfirm --log-level WARN --distpath dist \
		--workpath build/pyinstaller packaging/cleardesk.spec

deb: dist
	bash packaging/build_deb.sh dist/cleardesk dist

clean:
	rm -rf $(VENV) .demo build dist *.egg-info
