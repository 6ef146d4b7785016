# Developer entry points; everything runs from the project's own .venv.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
# Exact versions with hashes, written by `make lock` from pyproject.toml: run.lock is the app and its dev extra
# (what `make run` needs), test.lock adds the test extra. Both pin the same versions.
RUN_LOCK := requirements/run.lock
TEST_LOCK := requirements/test.lock

.PHONY: run install install-test test lint lock mutants bench bench-sqlite clean

$(PY):
	$(PYTHON) -m venv $(VENV)

# The stamps make re-installs happen only when a lock file or pyproject.toml changes.
$(VENV)/.installed: $(RUN_LOCK) pyproject.toml | $(PY)
	$(PY) -m pip install --require-hashes -r $(RUN_LOCK)
	$(PY) -m pip install --no-deps -e .
	touch $@

$(VENV)/.installed-test: $(TEST_LOCK) pyproject.toml | $(PY)
	$(PY) -m pip install --require-hashes -r $(TEST_LOCK)
	$(PY) -m pip install --no-deps -e .
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

# ruff (lint and format) and mypy, all three reported; `make test` runs this first. `ruff format .` and
# `ruff check --fix .` repair most findings. depcheck: pyproject names what the code imports, the locks pin it.
lint: $(VENV)/.installed-test
	@status=0; \
	echo "$$ ruff check ."; $(VENV)/bin/ruff check . || status=1; \
	echo "$$ ruff format --check ."; $(VENV)/bin/ruff format --check --output-format concise . || status=1; \
	echo "$$ mypy"; $(VENV)/bin/mypy || status=1; \
	echo "$$ python -m devtools.depcheck"; $(PY) -m devtools.depcheck || status=1; \
	exit $$status

# Run after changing the dependencies in pyproject.toml, and commit both files. Pins already in a lock are kept;
# `make lock LOCK_FLAGS=--upgrade` moves every package to its newest allowed release.
lock: $(VENV)/.installed
	mkdir -p requirements
	$(VENV)/bin/uv pip compile pyproject.toml --extra dev --extra test --python $(PY) --python-version 3.11 \
		--generate-hashes --custom-compile-command "make lock" --quiet $(LOCK_FLAGS) --output-file $(TEST_LOCK)
	$(VENV)/bin/uv pip compile pyproject.toml --extra dev --python $(PY) --python-version 3.11 \
		--generate-hashes --custom-compile-command "make lock" --quiet --constraint $(TEST_LOCK) --output-file $(RUN_LOCK)

# Breaks the code on purpose, one change at a time, and checks a test notices each (not part of `make test`).
mutants: install-test
	$(PY) tests/mutants.py

bench: $(VENV)/.installed
	$(PY) bench/run.py
	cd bench && ../$(PY) fanout.py
	cd bench && ../$(PY) contests.py
	cd bench && ../$(PY) dashboard.py

# The same benchmark (bench/run.py) with the app on a seeded SQLite file, the embedded default.
bench-sqlite: $(VENV)/.installed
	BENCH_DATABASE=sqlite $(PY) bench/run.py

clean:
	rm -rf instance .pytest_cache .mypy_cache .ruff_cache .ci-pg tests/e2e/screenshots
	find . -path ./$(VENV) -prune -o -type d -name __pycache__ -exec rm -rf {} +
