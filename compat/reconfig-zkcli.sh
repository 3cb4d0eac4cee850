#!/usr/bin/env bash
# reconfig-zkcli.sh KIND BASEPORT DIR [BIN]
#
# Dynamic reconfiguration as an operator does it with Debian's zkCli.sh,
# against KIND = paddock (BIN: Paddock's binary) or zk (Debian's Apache
# ZooKeeper 3.8), so that both are held to the same script:
#
#   1. three servers with reconfigEnabled=true and skipACL=yes (clients on
#      BASEPORT..+2), and a fourth (BASEPORT+3) started with the members
#      plus itself, as ZooKeeper's admin guide asks of a joining server;
#   2. `reconfig -add server.4=...` through server 1: server 4 follows and
#      serves what was written before (the seed session's /zk_test);
#   3. `reconfig -add server.4=...:observer`: server 4 observes;
#   4. `reconfig -remove 2`: the config lists 1, 3 and the observer 4, and
#      a write still commits;
#   5. server 1 restarts with its original zoo.cfg and still shows the new
#      config (`config`).
#
# Servers live in DIR/sN and are stopped at the end (or on failure).
# Environment: ZKCLI (default /usr/share/zookeeper/bin/zkCli.sh).
set -uo pipefail

if [ $# -lt 3 ]; then
  echo "usage: $0 paddock|zk BASEPORT DIR [BIN]" >&2
  exit 2
fi
KIND=$1 BASE=$2 DIR=$3 BIN=${4:-}
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=../bench/lib.sh
. "$HERE/../bench/lib.sh"
ZKCLI=${ZKCLI:-/usr/share/zookeeper/bin/zkCli.sh}
[ -x "$ZKCLI" ] || die "reconfig-zkcli: $ZKCLI not found (apt-get install zookeeper)"
export CLIENT_JVMFLAGS="${CLIENT_JVMFLAGS:--XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xmx128m}"
[ "$KIND" = zk ] || [ -x "$BIN" ] || die "reconfig-zkcli: Paddock binary '$BIN' not found"
mkdir -p "$DIR"
DIR="$(cd "$DIR" && pwd)"

cport() { echo $((BASE + $1 - 1)); }
qport() { echo $((BASE + 10 + $1)); }
eport() { echo $((BASE + 20 + $1)); }
line() { # line N [ROLE]
  echo "server.$1=127.0.0.1:$(qport "$1"):$(eport "$1")${2:+:$2};127.0.0.1:$(cport "$1")"
}

stop_all() {
  local n
  for n in 1 2 3 4; do
    [ -f "$DIR/s$n/pid" ] && "$HERE/stop.sh" "$DIR/s$n" >/dev/null 2>&1
  done
}
fail() {
  echo "reconfig-zkcli ($KIND): FAIL: $*" >&2
  for n in 1 2 3 4; do
    for f in "$DIR/s$n/paddock.log" "$DIR/s$n/zookeeper.log"; do
      [ -f "$f" ] && { echo "--- tail of $f" >&2; tail -n 15 "$f" >&2; }
    done
  done
  stop_all
  exit 1
}
trap stop_all EXIT

launch() { # launch N
  if [ "$KIND" = zk ]; then launch_zk "$DIR/s$1"; else launch_paddock "$DIR/s$1" "$BIN"; fi
}
wait_serving() { # wait_serving N MODE: srvr on server N says Mode: MODE
  local n=$1 mode=$2 i
  for i in $(seq 1 300); do
    if srvr 127.0.0.1 "$(cport "$n")" | grep -q "^Mode: $mode"; then
      return 0
    fi
    sleep 0.2
  done
  fail "server $n never said Mode: $mode (srvr: $(srvr 127.0.0.1 "$(cport "$n")" | tr '\n' ' '))"
}
# cli N CMD...: a piped zkCli.sh session on server N; prints stdout+stderr.
cli() {
  local n=$1
  shift
  printf '%s\n' "$@" quit | timeout 90 "$ZKCLI" -server "127.0.0.1:$(cport "$n")" 2>&1 | grep -v -e '^SLF4J' -e '^[0-9-]* [0-9:,]* \['
}

for n in 1 2 3 4; do
  d="$DIR/s$n"
  prepare_dir "$d"
  rm -rf "${d:?}"/data/* "${d:?}"/log/* "$d"/*.log "$d"/*.out
  for p in "$(cport $n)" "$(qport $n)" "$(eport $n)"; do port_must_be_free "$p"; done
  bench_zoo_cfg "$d" "$(cport $n)"
  {
    echo "initLimit=10"
    echo "syncLimit=5"
    echo "reconfigEnabled=true"
    echo "skipACL=yes"
    for m in 1 2 3; do line "$m"; done
    [ "$n" = 4 ] && line 4
  } >> "$d/conf/zoo.cfg"
  echo "$n" > "$d/data/myid"
done
for n in 1 2 3; do launch "$n"; done
for n in 1 2 3; do wait_serving "$n" '\(leader\|follower\)'; done
launch 4
sleep 2

out=$(cli 1 "create /zk_test my_data" "reconfig -add $(line 4)")
echo "$out" | grep -q "^server.4=127.0.0.1:$(qport 4):$(eport 4):participant;" ||
  fail "reconfig -add did not print the new config with server.4: $out"
echo "$out" | grep -q '^version=[0-9a-f]' || fail "reconfig -add printed no version: $out"
wait_serving 4 follower
echo "reconfig-zkcli ($KIND): server 4 added and following"

out=$(cli 4 "get /zk_test")
echo "$out" | grep -q '^my_data$' || fail "server 4 does not serve /zk_test: $out"
# Through server 1: ZooKeeper's server 4 drops its clients as it turns
# observer (Paddock's keeps them).
out=$(cli 1 "reconfig -add $(line 4 observer)")
echo "$out" | grep -q "^server.4=127.0.0.1:$(qport 4):$(eport 4):observer;" || fail "reconfig to observer: $out"
wait_serving 4 observer
echo "reconfig-zkcli ($KIND): server 4 switched to observer"

out=$(cli 1 "reconfig -remove 2")
echo "$out" | grep -q '^server.2=' && fail "server 2 still in the config after -remove: $out"
echo "$out" | grep -q '^server.3=' || fail "reconfig -remove printed no config: $out"
# If server 2 led, the others elect a leader (connections may drop meanwhile).
wait_serving 4 observer
out=$(cli 4 "set /zk_test junk" "get /zk_test")
echo "$out" | grep -q '^junk$' || fail "no write after removing server 2: $out"
echo "reconfig-zkcli ($KIND): server 2 removed; writes go on"

"$HERE/stop.sh" "$DIR/s1" >/dev/null 2>&1
launch 1
wait_serving 1 '\(leader\|follower\)'
out=$(cli 1 "config" "delete /zk_test")
for want in "^server.1=" "^server.3=" "^server.4=.*:observer;" "^version="; do
  echo "$out" | grep -q "$want" || fail "server 1 after a restart: config lacks $want: $out"
done
echo "$out" | grep -q '^server.2=' && fail "server 1 after a restart still lists server 2: $out"
echo "reconfig-zkcli ($KIND): server 1 restarted with the new config"
echo "reconfig-zkcli ($KIND): PASS"
