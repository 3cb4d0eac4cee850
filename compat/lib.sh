# Shared helpers for compat/*.sh (sourced, not executed).

die() {
  echo "$*" >&2
  exit 1
}

# srvr HOST PORT: prints the answer to the `srvr` four-letter word (or nothing).
srvr() {
  echo srvr | nc -w 3 "$1" "$2" 2>/dev/null || true
}

# prepare_dir DIR: create DIR/{conf,data,log}; refuse if a live server owns it.
prepare_dir() {
  local dir=$1
  if [ -f "$dir/pid" ] && kill -0 "$(cat "$dir/pid")" 2>/dev/null; then
    die "$dir/pid: process $(cat "$dir/pid") is still running; run compat/stop.sh $dir first"
  fi
  rm -f "$dir/pid"
  mkdir -p "$dir/conf" "$dir/data" "$dir/log"
}

# port_must_be_free PORT: fail if something already listens on 127.0.0.1:PORT
# (otherwise we would happily "find" somebody else's server).
port_must_be_free() {
  if nc -z -w 2 127.0.0.1 "$1" 2>/dev/null; then
    die "port 127.0.0.1:$1 is already in use"
  fi
}

# write_zoo_cfg DIR PORT: the one zoo.cfg both ZooKeeper and Paddock get.
write_zoo_cfg() {
  local dir=$1 port=$2
  cat > "$dir/conf/zoo.cfg" <<CFG
tickTime=2000
dataDir=$dir/data
dataLogDir=$dir/log
clientPort=$port
clientPortAddress=127.0.0.1
4lw.commands.whitelist=*
extendedTypesEnabled=true
admin.enableServer=${ZK_ADMIN_ENABLE:-false}
admin.serverAddress=127.0.0.1
admin.serverPort=${ZK_ADMIN_PORT:-8080}
CFG
  # Paddock only (Debian's ZooKeeper lacks the Prometheus provider's jars):
  # PADDOCK_METRICS_PORT serves Prometheus metrics there.
  if [ -n "${PADDOCK_METRICS_PORT:-}" ]; then
    cat >> "$dir/conf/zoo.cfg" <<CFG
metricsProvider.className=org.apache.zookeeper.metrics.prometheus.PrometheusMetricsProvider
metricsProvider.httpHost=127.0.0.1
metricsProvider.httpPort=$PADDOCK_METRICS_PORT
CFG
  fi
}

# wait_for_mode PORT PID TIMEOUT LOG...: poll `srvr` until it prints `Mode:`;
# fail (showing the tail of the logs) if PID dies or TIMEOUT seconds pass.
wait_for_mode() {
  local port=$1 pid=$2 timeout=$3
  shift 3
  local deadline=$((SECONDS + timeout))
  while :; do
    if srvr 127.0.0.1 "$port" | grep -q '^Mode:'; then
      return 0
    fi
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "server process $pid exited before serving on 127.0.0.1:$port" >&2
      show_logs "$@"
      exit 1
    fi
    if [ "$SECONDS" -ge "$deadline" ]; then
      echo "server (pid $pid) did not answer srvr with Mode: on 127.0.0.1:$port within ${timeout}s" >&2
      show_logs "$@"
      kill "$pid" 2>/dev/null || true
      exit 1
    fi
    sleep 0.3
  done
}

show_logs() {
  local f
  for f in "$@"; do
    if [ -s "$f" ]; then
      echo "---- last lines of $f ----" >&2
      tail -n 30 "$f" >&2
    fi
  done
}
