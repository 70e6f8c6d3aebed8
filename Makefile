# crm-desktop: `make run` starts the app, `make test` runs every check. Both set up .venv first.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
PACKAGE_STAMP := $(VENV)/.package-stamp
PO_FILES := $(wildcard resources/locale/*/LC_MESSAGES/crm_desktop.po)
MO_FILES := $(PO_FILES:.po=.mo)

.PHONY: run test test-pg lint bench catalogs extract-messages sysdeps clean package package-smoke

run: sysdeps $(STAMP) catalogs
	$(VENV)/bin/crm-desktop

# The pg tests run against a throw-away local PostgreSQL (started when root) or CRM_TEST_PG_URL;
# then test-pg. Any pytest failure, "no tests collected" (exit 5) included, fails the target.
test: sysdeps $(STAMP) catalogs lint
	@url="$${CRM_TEST_PG_URL:-$$(bash packaging/linux/test-postgres.sh)}"; \
	CRM_TEST_PG_URL="$$url" QT_QPA_PLATFORM=offscreen $(PY) -m pytest || exit $$?; \
	$(MAKE) --no-print-directory test-pg CRM_TEST_PG_URL="$$url"

# The service suite (tests/unit) once more with every test's database on that PostgreSQL server;
# tests about the SQLite file itself (marker sqlite_only) are left out there.
test-pg: $(STAMP) catalogs
	@url="$${CRM_TEST_PG_URL:-$$(bash packaging/linux/test-postgres.sh)}"; \
	if [ -z "$$url" ]; then \
	  echo "Skipped: the service suite on PostgreSQL (no CRM_TEST_PG_URL; a server starts as root)."; \
	  exit 0; \
	fi; \
	echo "The service suite on PostgreSQL (CRM_TEST_BACKEND=postgresql):"; \
	CRM_TEST_PG_URL="$$url" CRM_TEST_BACKEND=postgresql QT_QPA_PLATFORM=offscreen \
	$(PY) -m pytest tests/unit -m "not sqlite_only"

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports

bench: $(STAMP) catalogs
	QT_QPA_PLATFORM=offscreen $(PY) bench/run.py

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "crm-desktop needs Python 3.11 or newer"'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

catalogs: $(STAMP) $(MO_FILES)

%.mo: %.po
	$(VENV)/bin/pybabel compile --use-fuzzy -i $< -o $@ >/dev/null 2>&1

# Developers: refresh the message catalogs after adding strings.
extract-messages: $(STAMP)
	$(VENV)/bin/pybabel extract -F resources/locale/babel.cfg -k N_ -k NC_:1c,2 -o resources/locale/crm_desktop.pot src
	$(VENV)/bin/pybabel update -i resources/locale/crm_desktop.pot -d resources/locale -D crm_desktop

# System libraries Qt (offscreen/xcb), pdftotext and the CJK font need; installed when root.
sysdeps:
	@bash packaging/linux/system-deps.sh

# The one-folder app in dist/crm-desktop/ (PyInstaller, packaging/crm_desktop.spec; several minutes),
# then the smoke test of what was built. Not part of `make test`.
package: sysdeps $(STAMP) catalogs $(PACKAGE_STAMP)
	$(VENV)/bin/pyinstaller --noconfirm --log-level WARN packaging/crm_desktop.spec
	$(MAKE) package-smoke

# The smoke test alone, on the app already in dist/ (after changing only the test, no rebuild).
package-smoke:
	$(PY) packaging/smoke_test.py dist/crm-desktop

$(PACKAGE_STAMP): pyproject.toml $(STAMP)
	$(PY) -m pip install --quiet -e '.[package]'
	touch $@

clean:
	rm -rf $(VENV) build dist .pytest_cache .ruff_cache
