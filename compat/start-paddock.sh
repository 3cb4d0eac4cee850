#!/usr/bin/env bash
# start-paddock.sh PORT DIR BIN
# Starts Paddock (`BIN server DIR/conf/zoo.cfg`) in the background on
# 127.0.0.1:PORT with the same zoo.cfg keys start-zk.sh gives ZooKeeper,
# writes its pid to DIR/pid and waits until `srvr` reports `Mode:`.
# Output: DIR/paddock.log. Stop it with compat/stop.sh DIR.
#
# Environment: PADDOCK_START_TIMEOUT seconds (default 30).
set -euo pipefail

if [ $# -ne 3 ]; then
  echo "usage: $0 PORT DIR BIN" >&2
  exit 2
fi
PORT=$1
DIR=$2
BIN=$3
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=lib.sh
. "$HERE/lib.sh"

[ -x "$BIN" ] || die "start-paddock: $BIN is not an executable (build it: go build -o bin/paddock ./cmd/paddock)"
BIN="$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")"

prepare_dir "$DIR"
DIR="$(cd "$DIR" && pwd)"
port_must_be_free "$PORT"

write_zoo_cfg "$DIR" "$PORT"
# The brief's canonical location is DIR/zoo.cfg; keep both in sync.
cp "$DIR/conf/zoo.cfg" "$DIR/zoo.cfg"

setsid "$BIN" server "$DIR/zoo.cfg" </dev/null >"$DIR/paddock.log" 2>&1 &
echo $! > "$DIR/pid"

wait_for_mode "$PORT" "$(cat "$DIR/pid")" "${PADDOCK_START_TIMEOUT:-30}" "$DIR/paddock.log"
echo "start-paddock: Paddock up on 127.0.0.1:$PORT (pid $(cat "$DIR/pid"), dir $DIR)"
