# Shared helpers of bench/compare and bench/start-zk-ensemble.sh (sourced,
# not executed). They start Apache ZooKeeper 3.8 (Debian's packages) and
# Paddock the way compat/start-zk.sh and compat/start-paddock.sh do, with
# the same zoo.cfg keys (compat/lib.sh's write_zoo_cfg), plus what a
# benchmark needs on top:
#
#   maxClientCnxns=0   the watch workload opens 1,000 sessions from 127.0.0.1
#                      (both servers default to 60 per address)
#   forceSync=yes      fsync the txn log before acknowledging (the default of
#                      both, spelled out)
#
# Environment read by the launch functions:
#   PIN          command prefix pinning the server to CPUs ("taskset -c 0,1"), or empty
#   ZK_HEAP      ZooKeeper's -Xmx (default 512m)
#   PADDOCK_ENV  extra environment for Paddock ("GOMAXPROCS=2 GOMEMLIMIT=1800MiB"), or empty

BENCH_HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=../compat/lib.sh
. "$BENCH_HERE/../compat/lib.sh"

# bench_zoo_cfg DIR PORT: compat's zoo.cfg plus the benchmark's keys.
bench_zoo_cfg() {
  write_zoo_cfg "$1" "$2"
  cat >> "$1/conf/zoo.cfg" <<CFG
maxClientCnxns=0
forceSync=yes
CFG
}

# zk_log4j DIR: ZooKeeper logs to DIR/zookeeper.log.
zk_log4j() {
  cat > "$1/conf/log4j.properties" <<LOG4J
log4j.rootLogger=INFO, FILE
log4j.appender.FILE=org.apache.log4j.FileAppender
log4j.appender.FILE.File=$1/zookeeper.log
log4j.appender.FILE.layout=org.apache.log4j.PatternLayout
log4j.appender.FILE.layout.ConversionPattern=%d{ISO8601} - %-5p [%t:%C{1}@%L] - %m%n
LOG4J
}

# launch_zk DIR: starts QuorumPeerMain on DIR/conf/zoo.cfg in the
# background (its own session, as compat/start-zk.sh) and writes DIR/pid.
# It does not wait.
launch_zk() {
  local dir=$1 jar=/usr/share/java/zookeeper.jar
  local f
  for f in "$jar" /usr/share/java/slf4j-log4j12.jar /usr/share/java/log4j-1.2.jar; do
    [ -f "$f" ] || die "bench: $f missing (apt-get install zookeeper zookeeper-bin)"
  done
  zk_log4j "$dir"
  local cp="$dir/conf:$jar:/usr/share/java/slf4j-log4j12.jar:/usr/share/java/log4j-1.2.jar"
  # shellcheck disable=SC2086
  setsid ${PIN:-} "${JAVA:-java}" -Xmx"${ZK_HEAP:-512m}" -XX:+UseSerialGC -Dfile.encoding=UTF-8 \
    -Djava.awt.headless=true \
    -Dzookeeper.log.dir="$dir" \
    -Dlog4j.configuration="file:$dir/conf/log4j.properties" \
    -cp "$cp" org.apache.zookeeper.server.quorum.QuorumPeerMain "$dir/conf/zoo.cfg" \
    </dev/null >"$dir/zookeeper.out" 2>&1 &
  echo $! > "$dir/pid"
}

# launch_paddock DIR BIN: starts `BIN server DIR/conf/zoo.cfg` in the
# background and writes DIR/pid. It does not wait.
launch_paddock() {
  local dir=$1 bin=$2
  # shellcheck disable=SC2086
  env ${PADDOCK_ENV:-} setsid ${PIN:-} "$bin" server "$dir/conf/zoo.cfg" </dev/null >>"$dir/paddock.log" 2>&1 &
  echo $! > "$dir/pid"
}

# start_zk PORT DIR: a fresh standalone ZooKeeper, waited for.
start_zk() {
  local port=$1 dir=$2
  prepare_dir "$dir"
  dir="$(cd "$dir" && pwd)"
  port_must_be_free "$port"
  bench_zoo_cfg "$dir" "$port"
  launch_zk "$dir"
  wait_for_mode "$port" "$(cat "$dir/pid")" "${ZK_START_TIMEOUT:-60}" "$dir/zookeeper.out" "$dir/zookeeper.log"
}

# start_paddock PORT DIR BIN: a fresh standalone Paddock, waited for.
start_paddock() {
  local port=$1 dir=$2 bin=$3
  prepare_dir "$dir"
  dir="$(cd "$dir" && pwd)"
  port_must_be_free "$port"
  bench_zoo_cfg "$dir" "$port"
  launch_paddock "$dir" "$bin"
  wait_for_mode "$port" "$(cat "$dir/pid")" "${PADDOCK_START_TIMEOUT:-30}" "$dir/paddock.log"
}

# start_ensemble KIND BASEPORT DIR [BIN]: three servers of KIND (zk or
# paddock; BIN is Paddock's binary) on 127.0.0.1, server N (1..3) in
# DIR/zkN or DIR/pdN, clients on BASEPORT+N-1, quorum ports BASEPORT+3..+5,
# election ports BASEPORT+6..+8 (Paddock does not use them, but zoo.cfg
# needs them); the same zoo.cfg keys for both. Returns once every server
# answers srvr with Mode:.
start_ensemble() {
  local kind=$1 base=$2 dir=$3 bin=${4:-} prefix n d p
  case "$kind" in
    zk) prefix=zk ;;
    paddock) prefix=pd ;;
    *) die "start_ensemble: unknown kind $kind" ;;
  esac
  mkdir -p "$dir"
  dir="$(cd "$dir" && pwd)"
  for n in 1 2 3; do
    d="$dir/$prefix$n"
    prepare_dir "$d"
    for p in $((base + n - 1)) $((base + 2 + n)) $((base + 5 + n)); do
      port_must_be_free "$p"
    done
    bench_zoo_cfg "$d" $((base + n - 1))
    cat >> "$d/conf/zoo.cfg" <<CFG
initLimit=10
syncLimit=5
server.1=127.0.0.1:$((base + 3)):$((base + 6))
server.2=127.0.0.1:$((base + 4)):$((base + 7))
server.3=127.0.0.1:$((base + 5)):$((base + 8))
CFG
    echo "$n" > "$d/data/myid"
  done
  for n in 1 2 3; do
    if [ "$kind" = zk ]; then launch_zk "$dir/zk$n"; else launch_paddock "$dir/pd$n" "$bin"; fi
  done
  for n in 1 2 3; do
    d="$dir/$prefix$n"
    if [ "$kind" = zk ]; then
      wait_for_mode $((base + n - 1)) "$(cat "$d/pid")" "${ZK_START_TIMEOUT:-90}" "$d/zookeeper.out" "$d/zookeeper.log"
    else
      wait_for_mode $((base + n - 1)) "$(cat "$d/pid")" "${PADDOCK_START_TIMEOUT:-30}" "$d/paddock.log"
    fi
  done
  for n in 1 2 3; do
    echo "start-ensemble: $kind server $n on 127.0.0.1:$((base + n - 1)) ($(srvr 127.0.0.1 $((base + n - 1)) | grep '^Mode:'), pid $(cat "$dir/$prefix$n/pid"))"
  done
}
