# simkit: two commands on a fresh machine
#   make lab    create .venv, install, open JupyterLab at the start-here notebook
#   make test   create/refresh .venv and run everything CI runs
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.simkit-installed
PORT   ?= 8888
ROOT_FLAG := $(shell [ "$$(id -u)" = 0 ] && echo --allow-root)
PYTEST_ARGS ?=

.PHONY: install lab test test-fast notebooks exercises dashboard workshop bench browser backtest lint lint-imports docs audit clean help

help:
	@echo "make lab        - install and open JupyterLab at notebooks/00-start-here.ipynb"
	@echo "make test       - install and run every test (unit, doctest, nbval, browser)"
	@echo "make test-fast  - unit tests and doctests only: no notebooks, browser or slow tests"
	@echo "make lint-imports - check the package's layers and import cycles (import-linter)"
	@echo "make notebooks  - re-execute every notebook in place (after changing simkit)"
	@echo "make exercises  - build student and instructor versions of the exercises"
	@echo "make dashboard  - start the manager dashboard (Voila) on 127.0.0.1"
	@echo "make workshop   - start the workshop game server on 127.0.0.1 (simkit workshop)"
	@echo "make bench      - run the benchmarks and write benchmarks/results.md"
	@echo "make docs       - rerun the README's simkit commands and rewrite their output and figures"
	@echo "make audit      - check the installed packages for known vulnerabilities (pip-audit; network)"

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip "setuptools>=78.1.1" wheel
	$(BIN)/python -m pip install -q -e ".[dev]"
	@touch $(STAMP)

install: $(STAMP)

# Debian's Chromium for the real-browser tests (never `playwright install`).
browser:
	@if command -v chromium >/dev/null 2>&1 || [ -x /usr/bin/chromium ]; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	  echo "installing Debian chromium for the browser tests"; \
	  (apt-get install -y -qq chromium >/dev/null 2>&1 || \
	   (apt-get update -qq >/dev/null 2>&1 && apt-get install -y -qq chromium >/dev/null 2>&1)) || \
	  echo "warning: could not install chromium; browser tests will be skipped"; \
	else echo "note: chromium missing and not root; browser tests will be skipped (apt-get install chromium)"; fi

lab: install
	$(BIN)/jupyter lab --ServerApp.ip=127.0.0.1 --ServerApp.port=$(PORT) $(ROOT_FLAG) \
	  --ServerApp.root_dir=$(CURDIR) notebooks/00-start-here.ipynb

NBVAL := --nbval --nbval-sanitize-with tests/nbval-sanitize.cfg --nbval-cell-timeout=300

# Everything CI runs: unit and property tests, doctests, strict nbval over the notebooks and
# the exercise solutions, and the real-browser dashboard test.
test: install browser
	$(BIN)/python -m pytest -n 2 --dist loadfile $(NBVAL) tests simkit \
	  $(wildcard notebooks/*.ipynb) $(wildcard exercises/source/*.ipynb) $(PYTEST_ARGS)

# The quick loop while developing (under 90 s on 2 cores): no nbval, no browser, no slow tests.
test-fast: install
	$(BIN)/python -m pytest -n 2 --dist loadfile -m "not browser and not slow" tests simkit \
	  $(PYTEST_ARGS)

notebooks: install
	$(BIN)/python -m simkit.teaching.notebooks execute notebooks exercises/source

exercises: install
	$(BIN)/simkit exercises build

dashboard: install
	$(BIN)/simkit dashboard

workshop: install
	$(BIN)/simkit workshop

bench: install
	$(BIN)/python benchmarks/run_all.py

backtest: install
	$(BIN)/python -m tests.backtest regenerate

lint: install
	$(BIN)/ruff check simkit tests benchmarks

# The layer contracts of pyproject.toml on their own (tests/test_architecture.py runs them too).
lint-imports: install
	$(BIN)/lint-imports --no-cache

# The README's console blocks are real output: rerun every `$ simkit ...` block, rewrite what it
# prints and the figures it makes (tests/test_readme_outputs.py fails when they drift).
docs: install
	$(BIN)/python -m tests.readme_blocks update

# Known vulnerabilities in the installed packages: pip-audit against PyPI's advisory data.
# Needs the network, so it is not part of `make test`. It fails -- never passes silently --
# when the advisory data cannot be fetched, and gives up after AUDIT_TIMEOUT seconds.
AUDIT_TIMEOUT ?= 600
TIMEOUT := $(shell command -v timeout >/dev/null 2>&1 && echo timeout $(AUDIT_TIMEOUT))
audit: install
	@echo "make audit: the installed packages against PyPI's advisory data (needs the network) ..."
	@log=$$(mktemp); \
	$(TIMEOUT) $(BIN)/pip-audit --strict --skip-editable --progress-spinner off --timeout 20 \
	  >$$log 2>&1; code=$$?; cat $$log; \
	if [ $$code = 0 ]; then rm -f $$log; exit 0; fi; \
	if [ $$code = 124 ]; then \
	  echo "make audit: FAILED: pip-audit did not finish within $(AUDIT_TIMEOUT) s (slow or blocked network?)"; \
	elif grep -qiE "could not be audited|connection|timed? ?out|resolve|max retries|ssl" $$log; then \
	  echo "make audit: FAILED: PyPI's advisory data (https://pypi.org/pypi/NAME/VERSION/json) could"; \
	  echo "not be fetched, so nothing was audited. Check the network (or proxy) and run it again."; \
	else \
	  echo "make audit: FAILED: known vulnerabilities are listed above. Upgrade those packages and"; \
	  echo "raise their minimums in pyproject.toml and environment.yml (keep the two equal)."; \
	fi; rm -f $$log; exit 1

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis .ruff_cache test-artifacts simkit-out
