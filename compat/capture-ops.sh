#!/usr/bin/env bash
# capture-ops.sh: regenerate server/testdata/ops, the answers of Apache
# ZooKeeper 3.8 to every four-letter word and AdminServer command for the
# state TestOpsGolden builds, which the test compares Paddock's with.
#
# It starts Debian's ZooKeeper 3.8 with its AdminServer (compat/start-zk.sh),
# runs the test with -rewrite against it, and stops it.
# Environment: ZK_PORT (default 21890), ZK_ADMIN_PORT (default 18090).
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
PORT=${ZK_PORT:-21890}
APORT=${ZK_ADMIN_PORT:-18090}
DIR=$(mktemp -d /tmp/paddock-capture-ops.XXXXXX)
trap '"$HERE/stop.sh" "$DIR" >/dev/null 2>&1 || true; rm -rf "$DIR"' EXIT

ZK_ADMIN_ENABLE=true ZK_ADMIN_PORT=$APORT "$HERE/start-zk.sh" "$PORT" "$DIR"
cd "$ROOT"
PADDOCK_GOLDEN_ZK=127.0.0.1:$PORT PADDOCK_GOLDEN_ZK_ADMIN=127.0.0.1:$APORT \
  go test ./server -run 'TestOpsGolden$' -count=1 -rewrite -v | grep -E '^(---|ok|FAIL)|wrote'
git -C "$ROOT" status --short server/testdata/ops
