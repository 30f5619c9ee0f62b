# seqguard: `make run` starts a dev node, `make test` runs the whole suite.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
PIP    := $(VENV)/bin/pip

.PHONY: run test test-fast lint bench contracts install install-test npm clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip
	$(PIP) install -q -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed pyproject.toml
	$(PIP) install -q -e '.[test]'
	touch $@

# `npm install` with the lock file rather than `npm ci`: the registry here serves
# only the linux build of anvil, so the lock cannot list the other platforms'.
node_modules/.installed: package.json package-lock.json
	npm install --no-audit --no-fund
	touch $@

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test
npm: node_modules/.installed

run: install
	$(VENV)/bin/seqguard node $(ARGS)

test: install-test npm
	$(VENV)/bin/ruff check src tests
	$(PY) -m pytest $(PYTEST_ARGS)

# Everything except the slow end-to-end tests (those that start several nodes).
test-fast: install-test npm
	$(PY) -m pytest -m "not slow" $(PYTEST_ARGS)

lint: install-test
	$(VENV)/bin/ruff check src tests

bench: install-test npm
	$(VENV)/bin/seqguard bench $(ARGS)

# Rebuild the committed contract artifacts from contracts/*.sol with npm solc 0.8.24.
contracts: npm
	node scripts/compile_contracts.js

clean:
	rm -rf $(VENV) node_modules .pytest_cache
