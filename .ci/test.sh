#!/usr/bin/env bash
# Lint (ruff, ruff format, mypy, the dependency check), the whole suite on SQLite, then the functional suite on
# PostgreSQL; all three must pass. A failed lint does not stop the test passes: one run reports everything.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
failed=0

run_pass() {
  local label=$1 rc=0
  shift
  echo "=== $label: $*"
  env "$@" || rc=$?
  if [ "$rc" -eq 5 ]; then
    echo "=== $label: no tests were collected - that is a failure" >&2
  elif [ "$rc" -ne 0 ]; then
    echo "=== $label: failed (pytest exit code $rc)" >&2
  fi
  [ "$rc" -eq 0 ] || failed=1
}

echo "=== lint: make lint"
if ! make --no-print-directory lint; then
  echo "=== lint: failed" >&2
  failed=1
fi
run_pass sqlite IDEAS_TEST_DB=sqlite "$PY" -m pytest tests -q
run_pass postgresql IDEAS_TEST_DB=postgresql "$PY" -m pytest tests/functional -q -m "not e2e"

if [ "$failed" -ne 0 ]; then
  echo "=== FAILED" >&2
  exit 1
fi
echo "=== lint and both passes green"
