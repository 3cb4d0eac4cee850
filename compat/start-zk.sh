#!/usr/bin/env bash
# start-zk.sh PORT DIR
# Starts Debian's Apache ZooKeeper 3.8 standalone in the background on
# 127.0.0.1:PORT (dataDir DIR/data, dataLogDir DIR/log), writes its pid to
# DIR/pid and waits until `srvr` reports `Mode:`. Server log: DIR/zookeeper.log,
# stdout/stderr: DIR/zookeeper.out. Stop it with compat/stop.sh DIR.
#
# Environment: ZK_HEAP (default 512m), ZK_START_TIMEOUT seconds (default 60).
set -euo pipefail

if [ $# -ne 2 ]; then
  echo "usage: $0 PORT DIR" >&2
  exit 2
fi
PORT=$1
DIR=$2
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=lib.sh
. "$HERE/lib.sh"

JAVA=${JAVA:-java}
ZK_JAR=/usr/share/java/zookeeper.jar
for f in "$ZK_JAR" /usr/share/java/slf4j-log4j12.jar /usr/share/java/log4j-1.2.jar; do
  [ -f "$f" ] || die "start-zk: $f missing (apt-get install zookeeper zookeeper-bin)"
done
command -v "$JAVA" >/dev/null || die "start-zk: java not found"

prepare_dir "$DIR"
DIR="$(cd "$DIR" && pwd)"
port_must_be_free "$PORT"

write_zoo_cfg "$DIR" "$PORT"

cat > "$DIR/conf/log4j.properties" <<LOG4J
log4j.rootLogger=INFO, FILE
log4j.appender.FILE=org.apache.log4j.FileAppender
log4j.appender.FILE.File=$DIR/zookeeper.log
log4j.appender.FILE.layout=org.apache.log4j.PatternLayout
log4j.appender.FILE.layout.ConversionPattern=%d{ISO8601} - %-5p [%t:%C{1}@%L] - %m%n
LOG4J

CP="$DIR/conf:$ZK_JAR:/usr/share/java/slf4j-log4j12.jar:/usr/share/java/log4j-1.2.jar"
# The AdminServer (ZK_ADMIN_ENABLE=true) needs Jetty and Jackson, which Debian
# ships but does not put on ZooKeeper's class path.
for j in jetty9-server jetty9-servlet jetty9-http jetty9-io jetty9-util jetty9-util-ajax \
  jetty9-security servlet-api jackson-core jackson-databind jackson-annotations; do
  if [ -f "/usr/share/java/$j.jar" ]; then CP="$CP:/usr/share/java/$j.jar"; fi
done
# setsid: the server does not belong to the caller's process group / terminal,
# so a Ctrl-C in the caller does not kill it behind the harness's back.
setsid "$JAVA" -Xmx"${ZK_HEAP:-512m}" -XX:+UseSerialGC -Dfile.encoding=UTF-8 \
  -Djava.awt.headless=true \
  -Dzookeeper.log.dir="$DIR" \
  -Dlog4j.configuration="file:$DIR/conf/log4j.properties" \
  -cp "$CP" org.apache.zookeeper.server.quorum.QuorumPeerMain "$DIR/conf/zoo.cfg" \
  </dev/null >"$DIR/zookeeper.out" 2>&1 &
echo $! > "$DIR/pid"

wait_for_mode "$PORT" "$(cat "$DIR/pid")" "${ZK_START_TIMEOUT:-60}" "$DIR/zookeeper.out" "$DIR/zookeeper.log"
echo "start-zk: Apache ZooKeeper up on 127.0.0.1:$PORT (pid $(cat "$DIR/pid"), dir $DIR)"
