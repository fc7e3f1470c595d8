# zjtx — the two commands a fresh machine needs: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-stamp

.PHONY: install run demo messages assess-examples test test-postgres test-e2e lint format bench clean

# Where `make run` serves; PG_URL is the PostgreSQL server `make test-postgres` uses (pytest-django
# creates and drops its own test_<name> database there).
ADDR   ?= 127.0.0.1:8000
PG_URL ?= postgres://postgres@127.0.0.1:5432/test

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "zjtx needs Python 3.11 or newer (found " + sys.version.split()[0] + ")")'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP)

# The platform with demo data at http://$(ADDR): migrate, translations, demo (loaded once; rebuild
# with `.venv/bin/python manage.py load_demo --reset`; the jobs it queued, such as the policies' pushes, are run
# before the dashboard is computed), then web server + background worker until Ctrl-C.
run: demo
	$(PY) manage.py serve_demo $(ADDR)

demo: install messages
	$(PY) manage.py migrate --noinput
	$(PY) manage.py load_demo
	$(PY) manage.py db_worker --batch --no-startup-delay --no-reload
	$(PY) manage.py refresh_dashboard --run-now

# English UI: compile src/portal/locale/*/LC_MESSAGES/django.po when gettext's msgfmt is there;
# without it, already compiled .mo files are used (and the UI stays Chinese where none exist).
messages: install
	@if ! ls src/portal/locale/*/LC_MESSAGES/django.po >/dev/null 2>&1; then \
		true; \
	elif command -v msgfmt >/dev/null 2>&1; then \
		cd src/portal && ../../$(PY) ../../manage.py compilemessages --verbosity 0; \
	elif ls src/portal/locale/*/LC_MESSAGES/django.mo >/dev/null 2>&1; then \
		echo "msgfmt not found (apt-get install gettext): using the translations already compiled"; \
	else \
		echo "msgfmt not found (apt-get install gettext): the English translation is not compiled, the UI stays Chinese"; \
	fi

# The rules engine alone: assess every example profile with the `zjtx` command line.
assess-examples: install
	@for f in examples/*.json; do \
		echo; echo "════════ $$f"; \
		$(VENV)/bin/zjtx assess "$$f" || exit $$?; \
	done

# The tests never take a deployment's environment: with /etc/zjtx/zjtx.env loaded (an upgrade's shell),
# DJANGO_SETTINGS_MODULE and DATABASE_URL would point pytest at the production settings and database.
TEST_ENV := env -u DJANGO_SETTINGS_MODULE -u DATABASE_URL -u ZJTX_DATA_DIR -u EMAIL_URL \
	-u ZJTX_NODE_LEVEL -u ZJTX_NODE_REGION -u ZJTX_NODE_KEY_FILE

# Everything on SQLite: ruff, the rules engine, the portal, the browser tests (skipped without chromium).
test: install messages
	$(VENV)/bin/ruff check src tests
	$(TEST_ENV) $(VENV)/bin/pytest

# The portal and browser tests again on PostgreSQL (the engine's tests do not touch a database).
test-postgres: install messages
	$(TEST_ENV) DATABASE_URL=$(PG_URL) $(VENV)/bin/pytest tests/portal_tests tests/e2e

test-e2e: install
	$(TEST_ENV) $(VENV)/bin/pytest tests/e2e

lint: install
	$(VENV)/bin/ruff check src tests
	$(VENV)/bin/ruff format --check src tests

format: install
	$(VENV)/bin/ruff check --fix src tests
	$(VENV)/bin/ruff format src tests

# Performance benchmarks (docs/performance.md). The OpenFisca peer runs in its own virtualenv:
# openfisca-core is AGPL and never a dependency of zjtx.
OF_VENV  := benchmarks/.venv-openfisca
OF_STAMP := $(OF_VENV)/.installed-stamp
.PHONY: bench-quick bench-dashboard

$(OF_STAMP):
	$(PYTHON) -m venv $(OF_VENV)
	$(OF_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(OF_VENV)/bin/python -m pip install --quiet 'openfisca-core>=46,<47' 'pyarrow>=15'
	@touch $(OF_STAMP)

bench: install $(OF_STAMP)
	$(PY) benchmarks/run.py
	$(PY) benchmarks/bench_policies.py
	$(MAKE) bench-dashboard

# 1,000,000 enterprises in PostgreSQL (database zjtx_bench_dash, built once and reused): dashboard under 1 s.
bench-dashboard: install
	$(PY) benchmarks/bench_dashboard.py --db postgres://postgres@127.0.0.1:5432/zjtx_bench_dash

bench-quick: install $(OF_STAMP)
	$(PY) benchmarks/run.py --quick

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis
