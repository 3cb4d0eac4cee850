#!/usr/bin/env bash
# run-all.sh HOST:PORT
#
# Runs every third-party-client compatibility suite against the server at
# HOST:PORT and prints one summary line per suite; exits non-zero if any
# suite failed.
#   zkcli    zkcli-seed.sh       Apache ZooKeeper's own CLI (zkCli.sh)
#   kazoo    kazoo-tests.sh      kazoo's own test suite (python3-kazoo)
#   recipes  kazoo-recipes.py    kazoo recipes under contention
#   node     node/check.js       node-zookeeper-client (npm)
#
# Environment:
#   SUITES="zkcli kazoo recipes node"   which suites to run (default: all)
#   COMPAT_LOG_DIR                      keep each suite's full log here
#   (plus each suite's own variables, e.g. KAZOO_SUITE_TIMEOUT)
set -uo pipefail

if [ $# -ne 1 ]; then
  echo "usage: $0 HOST:PORT" >&2
  exit 2
fi
HP=$1
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
SUITES=${SUITES:-zkcli kazoo recipes node}
LOGS=${COMPAT_LOG_DIR:-$(mktemp -d)}
mkdir -p "$LOGS"

host=${HP%:*}
port=${HP##*:}
if ! echo srvr | nc -w 3 "$host" "$port" 2>/dev/null | grep -q '^Mode:'; then
  echo "run-all: no server answering srvr with Mode: at $HP" >&2
  exit 1
fi

declare -a summary
failed=0

run_suite() {
  local name=$1
  shift
  local log="$LOGS/$name.log"
  echo
  echo "=============== $name: $* ==============="
  local start=$SECONDS
  "$@" 2>&1 | tee "$log"
  local rc=${PIPESTATUS[0]}
  local secs=$((SECONDS - start))
  # The suite's own last verdict line (…: PASS … / …: FAIL …).
  local verdict
  verdict=$(grep -E ': (PASS|FAIL)' "$log" | tail -n 1)
  [ -n "$verdict" ] || verdict="(exit status $rc)"
  if [ "$rc" -eq 0 ]; then
    summary+=("$(printf 'PASS  %-8s %5ss  %s' "$name" "$secs" "$verdict")")
  else
    failed=1
    summary+=("$(printf 'FAIL  %-8s %5ss  %s' "$name" "$secs" "$verdict")")
  fi
}

for s in $SUITES; do
  case "$s" in
    zkcli)   run_suite zkcli "$HERE/zkcli-seed.sh" "$HP" ;;
    kazoo)   run_suite kazoo "$HERE/kazoo-tests.sh" "$HP" ;;
    recipes) run_suite recipes "${PYTHON:-/usr/bin/python3}" "$HERE/kazoo-recipes.py" "$HP" ;;
    node)
      if [ ! -d "$HERE/node/node_modules/node-zookeeper-client" ]; then
        echo "run-all: installing compat/node dependencies (npm ci)"
        (cd "$HERE/node" && npm ci --no-audit --no-fund) || { failed=1; summary+=("FAIL  node     npm ci failed in $HERE/node"); continue; }
      fi
      run_suite node node "$HERE/node/check.js" "$HP"
      ;;
    *) echo "run-all: unknown suite '$s'" >&2; failed=1; summary+=("FAIL  $s  unknown suite") ;;
  esac
done

echo
echo "=============== compat summary for $HP (logs: $LOGS) ==============="
printf '%s\n' "${summary[@]}"
if [ "$failed" -ne 0 ]; then
  echo "run-all: FAIL"
  exit 1
fi
echo "run-all: PASS"
