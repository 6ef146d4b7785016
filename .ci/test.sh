#!/usr/bin/env bash
# The whole suite on SQLite, then the functional suite on PostgreSQL; both must pass.
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

run_pass sqlite IDEAS_TEST_DB=sqlite "$PY" -m pytest tests -q
run_pass postgresql IDEAS_TEST_DB=postgresql "$PY" -m pytest tests/functional -q -m "not e2e"

if [ "$failed" -ne 0 ]; then
  echo "=== FAILED" >&2
  exit 1
fi
echo "=== both passes green"
