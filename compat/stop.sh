#!/usr/bin/env bash
# stop.sh DIR: stops the server started by start-zk.sh / start-paddock.sh
# with the same DIR (SIGTERM, then SIGKILL after STOP_TIMEOUT seconds, default
# 15) and waits until the process is gone. Succeeds if nothing is running.
set -euo pipefail
if [ $# -ne 1 ]; then
  echo "usage: $0 DIR" >&2
  exit 2
fi
DIR=$1
PIDFILE="$DIR/pid"
if [ ! -f "$PIDFILE" ]; then
  echo "stop: no $PIDFILE, nothing to stop"
  exit 0
fi
PID=$(cat "$PIDFILE")
case "$PID" in
  ''|*[!0-9]*) echo "stop: bad pid '$PID' in $PIDFILE" >&2; exit 1 ;;
esac
if ! kill -0 "$PID" 2>/dev/null; then
  echo "stop: process $PID already gone"
  rm -f "$PIDFILE"
  exit 0
fi
kill -TERM "$PID" 2>/dev/null || true
deadline=$((SECONDS + ${STOP_TIMEOUT:-15}))
while kill -0 "$PID" 2>/dev/null; do
  if [ "$SECONDS" -ge "$deadline" ]; then
    echo "stop: $PID ignored SIGTERM for ${STOP_TIMEOUT:-15}s, sending SIGKILL" >&2
    kill -KILL "$PID" 2>/dev/null || true
    sleep 0.5
    break
  fi
  sleep 0.2
done
# A zombie (if the caller is our parent and has not reaped it) counts as gone.
# (/proc/PID/stat field 3 is the state; the name in field 2 has no spaces here.)
if kill -0 "$PID" 2>/dev/null && [ "$(awk '{print $3}' "/proc/$PID/stat" 2>/dev/null)" != Z ]; then
  echo "stop: process $PID still alive" >&2
  exit 1
fi
rm -f "$PIDFILE"
echo "stop: stopped $PID"
