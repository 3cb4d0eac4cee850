#!/usr/bin/env bash
# catchup.sh [BASEPORT] [ZNODES]
# A follower catching up from a snapshot, and what it costs the leader's
# writes: starts a 3-server Paddock ensemble (bench/start-paddock-ensemble.sh
# on BASEPORT, default 23870, under /tmp/paddock-catchup), loads ZNODES
# znodes of 100 bytes (default 200000), kills a follower, runs setData for
# 8 s on the leader (the baseline: the follower down, so the log moves far
# past the leader's in-memory slack), then restarts the follower 2 s into a
# second 8 s setData run: the leader streams it a snapshot while the run
# goes on. Prints both runs and the snapshot's size and install time from
# the servers' logs. Needs bin/paddock (go build -o bin/paddock ./cmd/paddock).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
B=${1:-23870}
N=${2:-200000}
D=/tmp/paddock-catchup
BIN=bin/paddock
rm -rf "$D"
bench/start-paddock-ensemble.sh "$B" "$D" "$BIN" >/dev/null
trap 'for n in 1 2 3; do compat/stop.sh "$D/pd$n" >/dev/null 2>&1 || true; done' EXIT
L= F=
for n in 1 2 3; do
  case "$(printf srvr | nc -q 2 127.0.0.1 $((B + n - 1)) | grep '^Mode:')" in
    *leader) L=$n ;;
    *follower) F=$n ;;
  esac
done
echo "catchup: leader server $L, follower server $F; loading $N znodes"
run() { "$BIN" bench -quiet -server "127.0.0.1:$((B + L - 1))" "$@" 2>&1 | grep -E '^ +(load|setData) '; }
run -workloads load -root /big -keys "$N" -value-size 100 -keep -clients 16 -outstanding 16
kill -9 "$(cat "$D/pd$F/pid")"
echo "catchup: setData for 8 s with follower $F down (baseline)"
run -workloads setData -keys 10000 -duration 8s -clients 32 -outstanding 16
echo "catchup: setData for 8 s; follower $F restarts 2 s in and catches up"
(sleep 2; "$BIN" server "$D/pd$F/conf/zoo.cfg" >>"$D/pd$F/paddock.log" 2>&1 & echo $! >"$D/pd$F/pid") &
run -workloads setData -keys 10000 -duration 8s -clients 32 -outstanding 16
wait
grep -h "snapshot sent" "$D/pd$L/paddock.log" || echo "catchup: the leader sent no snapshot (the follower caught up from the log)"
grep -h "installed the leader's snapshot" "$D/pd$F/paddock.log" || true
