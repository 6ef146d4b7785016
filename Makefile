# Developer entry points; everything runs from the project's own .venv.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python

.PHONY: run install install-test test mutants bench clean

$(PY):
	$(PYTHON) -m venv $(VENV)

# The stamps make re-installs happen only when pyproject.toml changes.
$(VENV)/.installed: pyproject.toml | $(PY)
	$(PY) -m pip install -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(PY)
	$(PY) -m pip install -e '.[test]'
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed

run: $(VENV)/.installed
	$(PY) -m devtools.devserver

# Browser tests drive Debian's chromium; `playwright install` is never needed.
install-test: $(VENV)/.installed-test
	@if [ ! -x /usr/bin/chromium ]; then \
		if [ "$$(id -u)" -ne 0 ]; then echo "chromium is missing: run 'make install-test' as root or apt-get install chromium" >&2; exit 1; fi; \
		DEBIAN_FRONTEND=noninteractive apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium; \
	fi

test: install-test
	bash .ci/test.sh

# Breaks the code on purpose, one change at a time, and checks a test notices each (not part of `make test`).
mutants: install-test
	$(PY) tests/mutants.py

bench: $(VENV)/.installed
	$(PY) bench/run.py
	cd bench && ../$(PY) fanout.py
	cd bench && ../$(PY) contests.py

clean:
	rm -rf instance .pytest_cache .ci-pg tests/e2e/screenshots
	find . -path ./$(VENV) -prune -o -type d -name __pycache__ -exec rm -rf {} +
