#!/usr/bin/env bash
# kazoo-tests.sh HOST:PORT [PYTEST_ARGS...]
#
# Runs kazoo's own test suite (Debian's python3-kazoo, installed under
# /usr/lib/python3/dist-packages/kazoo/tests) against the server already
# running at HOST:PORT, through the pytest plugin compat/kazoo/conftest.py.
# Tests listed in compat/kazoo/deselected.txt are deselected (with reasons).
# Extra arguments go to pytest (e.g. -k lock, -x, or test node ids such as
# kazoo/tests/test_lock.py::KazooLockTests::test_lock, relative to
# site-packages as pytest prints them).
#
# Environment:
#   KAZOO_TEST_TIMEOUT   per-test timeout in seconds (default 60; needs
#                        python3-pytest-timeout, otherwise only the suite limit)
#   KAZOO_SUITE_TIMEOUT  limit for the whole run in seconds (default 900)
#   KAZOO_JUNIT          write a JUnit XML report to this file
#   PYTHON               default /usr/bin/python3 (Debian's, which sees python3-kazoo)
set -uo pipefail

if [ $# -lt 1 ]; then
  echo "usage: $0 HOST:PORT [PYTEST_ARGS...]" >&2
  exit 2
fi
HP=$1
shift
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
PY=${PYTHON:-/usr/bin/python3}

SITE=$("$PY" -c 'import os, kazoo.tests; print(os.path.dirname(os.path.dirname(os.path.dirname(kazoo.tests.__file__))))' 2>/dev/null) \
  || { echo "kazoo-tests: $PY cannot import kazoo.tests (apt-get install python3-kazoo)" >&2; exit 1; }
"$PY" -c 'import pytest, mock, objgraph' 2>/dev/null \
  || { echo "kazoo-tests: $PY lacks pytest/mock/objgraph (apt-get install python3-pytest python3-mock python3-objgraph)" >&2; exit 1; }

args=(-c "$HERE/kazoo/pytest.ini" --rootdir="$SITE" -p conftest -q -rfE)
if "$PY" -c 'import pytest_timeout' 2>/dev/null; then
  args+=(--timeout="${KAZOO_TEST_TIMEOUT:-60}")
else
  echo "kazoo-tests: pytest-timeout not installed; only the ${KAZOO_SUITE_TIMEOUT:-900}s suite limit applies"
fi
if [ -n "${KAZOO_JUNIT:-}" ]; then
  args+=(--junitxml="$KAZOO_JUNIT")
fi
# Test ids relative to site-packages (as printed, and as in deselected.txt)
# are resolved there; without any test path, run the whole suite.
have_path=
extra=()
for a in "$@"; do
  case "$a" in
    kazoo/tests*) extra+=("$SITE/$a"); have_path=1 ;;
    */kazoo/tests*) extra+=("$a"); have_path=1 ;;
    *) extra+=("$a") ;;
  esac
done
[ -n "$have_path" ] || extra+=("$SITE/kazoo/tests")
set -- "${extra[@]}"

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
echo "kazoo-tests: server $HP, kazoo $("$PY" -c 'import kazoo.version as v; print(v.__version__)' 2>/dev/null), tests under $SITE/kazoo/tests"
start=$SECONDS
# Run from an empty directory so nothing in the caller's cwd is picked up.
(
  cd "$WORK" &&
  KAZOO_TEST_SERVER="$HP" PYTHONPATH="$HERE/kazoo${PYTHONPATH:+:$PYTHONPATH}" PYTHONDONTWRITEBYTECODE=1 \
    timeout -k 10 "${KAZOO_SUITE_TIMEOUT:-900}" "$PY" -m pytest "${args[@]}" "$@"
) 2>&1 | tee "$WORK/log"
rc=${PIPESTATUS[0]}
summary=$(grep -E '^(=+ )?[0-9]+ (passed|failed|error|skipped|deselected)|^(=+ )?no tests ran' "$WORK/log" | tail -n 1 | sed -E 's/^=+ //; s/ =+$//')
if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
  echo "kazoo-tests: FAIL: the suite exceeded ${KAZOO_SUITE_TIMEOUT:-900}s"
  exit 1
fi
if [ "$rc" -eq 0 ]; then
  echo "kazoo-tests: PASS ${summary:-?} ($((SECONDS - start))s)"
else
  echo "kazoo-tests: FAIL (pytest exit $rc) ${summary:-?} ($((SECONDS - start))s)"
fi
exit "$rc"
