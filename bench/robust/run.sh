#!/usr/bin/env bash
# run.sh [DURATION]
# Builds bin/paddock from the repository root and runs the robustness
# suite against a Paddock ensemble: TestRobustPaddock (workload + nemesis
# for DURATION, default 30s, then the linearizability check) and
# TestFailoverPaddock (time from SIGKILL of the leader to the first
# acknowledged write), after TestHarnessCatchesSplitBrain (three
# standalone servers posing as an ensemble must fail the checks: proof the
# harness can fail). For CI; exits non-zero on a violation, leaving the
# run directory (porcupine's violation.html, history.json, the servers'
# logs) under $ROBUST_OUT (default $TMPDIR/paddock-robust).
#
# Environment: every ROBUST_* variable of bench/robust/robust_test.go
# (ROBUST_N, ROBUST_CLIENTS, ROBUST_FAULTS, ROBUST_SEED, ...) passes
# through; PADDOCK_BIN overrides where the binary goes (default
# bin/paddock); TEST_TIMEOUT is go test's -timeout (default 60m); GOFLAGS
# passes through too (GOFLAGS=-race checks the harness itself).
set -euo pipefail

if [ $# -gt 1 ]; then
  echo "usage: $0 [DURATION]" >&2
  exit 2
fi
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"

export ROBUST_DURATION=${1:-${ROBUST_DURATION:-30s}}
export ROBUST_PADDOCK_BIN="${PADDOCK_BIN:-$ROOT/bin/paddock}"
case "$ROBUST_PADDOCK_BIN" in
  /*) ;;
  *) ROBUST_PADDOCK_BIN="$ROOT/$ROBUST_PADDOCK_BIN" ;;
esac

echo "run.sh: building $ROBUST_PADDOCK_BIN"
go build -o "$ROBUST_PADDOCK_BIN" ./cmd/paddock

echo "run.sh: robustness for $ROBUST_DURATION, then failover"
exec go test -count=1 -v -timeout "${TEST_TIMEOUT:-60m}" \
  -run '^(TestHarnessCatchesSplitBrain|TestRobustPaddock|TestFailoverPaddock)$' ./bench/robust/
