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
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=lib.sh
. "$HERE/lib.sh"
start_ensemble paddock "$1" "$2" "$3"
