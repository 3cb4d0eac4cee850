#!/usr/bin/env bash
# failover-zkcli.sh PORT=PIDFILE [PORT=PIDFILE ...]
# zkCli.sh (Debian's Java client) through a failover: one interactive
# zkCli.sh session against every server of an ensemble on 127.0.0.1 creates
# an ephemeral; the server it is connected to (found with the `cons` four
# letter word) is killed with SIGKILL (pid from PIDFILE); the same zkCli.sh
# session must reconnect to another server without its session expiring,
# still own the ephemeral (ephemeralOwner unchanged) and write.
set -euo pipefail
if [ $# -lt 2 ]; then
  sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
fi
ZKCLI=${ZKCLI:-/usr/share/zookeeper/bin/zkCli.sh}
declare -A pidfile
hosts=
for a in "$@"; do
  port=${a%%=*}
  pidfile[$port]=${a#*=}
  hosts="$hosts${hosts:+,}127.0.0.1:$port"
done
work=$(mktemp -d)
trap 'exec 3>&- 2>/dev/null || true; kill "${cli:-}" 2>/dev/null || true; rm -rf "$work"' EXIT
mkfifo "$work/in"
"$ZKCLI" -server "$hosts" <"$work/in" >"$work/out" 2>&1 &
cli=$!
exec 3>"$work/in"

say() { echo "$1" >&3; }
# wait_for TEXT SECONDS: until zkCli.sh's output holds TEXT.
wait_for() {
  for _ in $(seq $(($2 * 10))); do
    grep -q -- "$1" "$work/out" && return 0
    sleep 0.1
  done
  echo "failover-zkcli: FAIL: no '$1' from zkCli.sh within $2 s; its output:" >&2
  cat "$work/out" >&2
  exit 1
}

say "delete /zkcli_failover_eph"
say "create -e /zkcli_failover_eph mine"
wait_for "Created /zkcli_failover_eph" 30
# The server holding zkCli.sh's session: the one whose cons lists a sid.
port= sid=
for p in "${!pidfile[@]}"; do
  s=$(printf cons | nc -q 2 127.0.0.1 "$p" | grep -o 'sid=0x[0-9a-f]*' | grep -v 'sid=0x0$' | head -1 || true)
  if [ -n "$s" ]; then port=$p; sid=${s#sid=}; fi
done
[ -n "$port" ] || { echo "failover-zkcli: FAIL: no server lists zkCli.sh's connection" >&2; exit 1; }
pid=$(cat "${pidfile[$port]}")
echo "failover-zkcli: session $sid on port $port; killing pid $pid"
kill -KILL "$pid"
killed=$(date +%s%N)
# zkCli.sh reconnects on its own (a command issued meanwhile fails with
# ConnectionLoss): wait for its second SyncConnected, then write.
for _ in $(seq 300); do
  [ "$(grep -c 'state:SyncConnected' "$work/out")" -ge 2 ] && break
  sleep 0.1
done
say "create /zkcli_failover_after y"
wait_for "Created /zkcli_failover_after" 30
took=$((($(date +%s%N) - killed) / 1000000))
say "stat /zkcli_failover_eph"
wait_for "ephemeralOwner" 10
owner=$(grep -o 'ephemeralOwner = 0x[0-9a-f]*' "$work/out" | tail -1)
say "delete /zkcli_failover_after"
say "quit"
exec 3>&-
wait "$cli" || true
if grep -q "state:Expired" "$work/out"; then
  echo "failover-zkcli: FAIL: zkCli.sh's session expired" >&2
  exit 1
fi
if [ "$owner" != "ephemeralOwner = $sid" ]; then
  echo "failover-zkcli: FAIL: the ephemeral's owner is '$owner', want $sid" >&2
  exit 1
fi
echo "failover-zkcli: ok: session $sid kept its ephemeral across the kill; the create after it returned ${took} ms after the kill"
