#!/usr/bin/env bash
# start-paddock-ensemble.sh BASEPORT DIR BIN
# Starts a three-server Paddock ensemble on 127.0.0.1, laid out like
# start-zk-ensemble.sh's ZooKeeper one: server N (1..3) lives in DIR/pdN
# (conf/zoo.cfg, data/myid, data, log, pid, paddock.log) and serves clients
# on BASEPORT+N-1; quorum ports are BASEPORT+3..+5 and election ports
# BASEPORT+6..+8 (Paddock does not use them, but zoo.cfg needs them). The
# zoo.cfg keys are the same as the ZooKeeper ensemble's. Returns once every
# server answers srvr with Mode: leader or follower.
# Stop it with: for n in 1 2 3; do compat/stop.sh DIR/pd$n; done
#
# Environment: PADDOCK_ENV (e.g. "GOMAXPROCS=2 GOMEMLIMIT=1800MiB"), PIN,
# PADDOCK_START_TIMEOUT seconds (default 30).
set -euo pipefail

if [ $# -ne 3 ]; then
  echo "usage: $0 BASEPORT DIR BIN" >&2
  exit 2
fi
BASE=$1
DIR=$2
BIN=$3
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=lib.sh
. "$HERE/lib.sh"

mkdir -p "$DIR"
DIR="$(cd "$DIR" && pwd)"
for n in 1 2 3; do
  d="$DIR/pd$n"
  prepare_dir "$d"
  for p in $((BASE + n - 1)) $((BASE + 2 + n)) $((BASE + 5 + n)); do
    port_must_be_free "$p"
  done
  bench_zoo_cfg "$d" $((BASE + n - 1))
  cat >> "$d/conf/zoo.cfg" <<CFG
initLimit=10
syncLimit=5
server.1=127.0.0.1:$((BASE + 3)):$((BASE + 6))
server.2=127.0.0.1:$((BASE + 4)):$((BASE + 7))
server.3=127.0.0.1:$((BASE + 5)):$((BASE + 8))
CFG
  echo "$n" > "$d/data/myid"
done
for n in 1 2 3; do
  launch_paddock "$DIR/pd$n" "$BIN"
done
for n in 1 2 3; do
  d="$DIR/pd$n"
  wait_for_mode $((BASE + n - 1)) "$(cat "$d/pid")" "${PADDOCK_START_TIMEOUT:-30}" "$d/paddock.log"
done
for n in 1 2 3; do
  echo "start-paddock-ensemble: server $n on 127.0.0.1:$((BASE + n - 1)) ($(srvr 127.0.0.1 $((BASE + n - 1)) | grep '^Mode:'), pid $(cat "$DIR/pd$n/pid"))"
done
