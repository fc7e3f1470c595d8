# zjtx — the two commands a fresh machine needs: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-stamp

.PHONY: install run test lint format bench clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "zjtx needs Python 3.11 or newer (found " + sys.version.split()[0] + ")")'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP)

run: install
	@for f in examples/*.json; do \
		echo; echo "════════ $$f"; \
		$(VENV)/bin/zjtx assess "$$f" || exit $$?; \
	done

test: install
	$(VENV)/bin/ruff check src tests
	$(VENV)/bin/pytest

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
.PHONY: bench-quick

$(OF_STAMP):
	$(PYTHON) -m venv $(OF_VENV)
	$(OF_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(OF_VENV)/bin/python -m pip install --quiet 'openfisca-core>=46,<47' 'pyarrow>=15'
	@touch $(OF_STAMP)

bench: install $(OF_STAMP)
	$(PY) benchmarks/run.py

bench-quick: install $(OF_STAMP)
	$(PY) benchmarks/run.py --quick

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis
