#!/usr/bin/env bash
# start-zk-ensemble.sh BASEPORT DIR
# Starts a three-server Apache ZooKeeper 3.8 ensemble on 127.0.0.1 (Debian's
# packages), modelled on compat/start-zk.sh: server N (1..3) lives in
# DIR/zkN (conf/zoo.cfg, data/myid, data, log, pid, zookeeper.log) and
# serves clients on BASEPORT+N-1; quorum ports are BASEPORT+3..+5 and
# election ports BASEPORT+6..+8. The zoo.cfg keys are compat's (via
# bench/lib.sh: tickTime=2000, forceSync, dataLogDir apart from dataDir,
# maxClientCnxns=0) plus initLimit/syncLimit and the server list. Returns
# once every server answers srvr with Mode: leader or follower.
# Stop it with: for n in 1 2 3; do compat/stop.sh DIR/zk$n; done
#
# Environment: ZK_HEAP (-Xmx per server, default 512m), PIN (CPU pinning
# prefix, e.g. "taskset -c 0,1"), ZK_START_TIMEOUT seconds (default 90).
set -euo pipefail

if [ $# -ne 2 ]; then
  echo "usage: $0 BASEPORT DIR" >&2
  exit 2
fi
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=lib.sh
. "$HERE/lib.sh"
start_ensemble zk "$1" "$2"
