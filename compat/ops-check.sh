#!/usr/bin/env bash
# ops-check.sh PORT ADMIN_PORT [METRICS_PORT [PADDOCK_BIN CONFIG]]
# The operator surface as scripts use it, against a server on 127.0.0.1:
#   - `echo stat | nc` shows a Mode line; `mntr` lines are key<TAB>value
#     with the keys monitoring tools read;
#   - the AdminServer answers /commands, /commands/ruok, /commands/monitor
#     and an unknown command as ZooKeeper does;
#   - with METRICS_PORT: the Prometheus exposition has the server's gauges
#     and request-latency histogram;
#   - with PADDOCK_BIN and CONFIG: `paddock status CONFIG` prints the Mode.
# Prints one line per check; exits 1 if any fails.
set -uo pipefail
if [ $# -lt 2 ]; then
  echo "usage: $0 PORT ADMIN_PORT [METRICS_PORT [PADDOCK_BIN CONFIG]]" >&2
  exit 2
fi
PORT=$1 APORT=$2 MPORT=${3:-} BIN=${4:-} CONF=${5:-}
failed=0
check() { # check NAME COMMAND...: run COMMAND (a shell string), report
  local name=$1; shift
  if out=$(bash -c "$*" 2>&1); then
    echo "ok   $name"
  else
    echo "FAIL $name"
    echo "$out" | sed 's/^/     /' | head -20
    failed=1
  fi
}
A="http://127.0.0.1:$APORT/commands"
check "stat shows Mode" "echo stat | nc -q 2 127.0.0.1 $PORT | grep -E '^Mode: (standalone|leader|follower|observer)$'"
check "ruok is imok" "[ \"\$(echo ruok | nc -q 2 127.0.0.1 $PORT)\" = imok ]"
check "mntr key<TAB>value" "echo mntr | nc -q 2 127.0.0.1 $PORT | awk -F'\t' 'NF != 2 { bad = 1 } END { exit bad }'"
for key in zk_version zk_server_state zk_znode_count zk_watch_count zk_ephemerals_count \
  zk_approximate_data_size zk_avg_latency zk_outstanding_requests zk_open_file_descriptor_count \
  zk_num_alive_connections zk_packets_received zk_avg_fsynctime; do
  check "mntr has $key" "echo mntr | nc -q 2 127.0.0.1 $PORT | grep -q '^$key	'"
done
check "admin /commands lists monitor" "curl -fsS $A | grep -q 'href=\"/commands/monitor\"'"
check "admin ruok" "curl -fsS $A/ruok | tr -d ' \n' | grep -q '\"command\":\"ruok\",\"error\":null'"
check "admin monitor has znode_count" "curl -fsS $A/monitor | grep -q '\"znode_count\" : [0-9]'"
check "admin mntr is monitor" "curl -fsS $A/mntr | grep -q '\"command\" : \"monitor\"'"
check "admin unknown command" "curl -fsS $A/nosuch | grep -q '\"error\" : \"Unknown command: nosuch\"'"
if [ -n "$MPORT" ]; then
  M="http://127.0.0.1:$MPORT/metrics"
  check "metrics: znode_count gauge" "curl -fsS $M | grep -E '^znode_count [0-9]'"
  check "metrics: request latency histogram" "curl -fsS $M | grep -q '^paddock_request_latency_seconds_bucket'"
  check "metrics: fsync histogram" "curl -fsS $M | grep -q '^paddock_fsync_latency_seconds_bucket'"
fi
if [ -n "$BIN" ]; then
  check "paddock status" "$BIN status $CONF | grep -E '^Mode: standalone$'"
fi
exit $failed
