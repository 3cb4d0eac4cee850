#!/usr/bin/env bash
# zkcli-seed.sh HOST:PORT
#
# Drives Debian's Apache ZooKeeper CLI (zkCli.sh) against HOST:PORT and checks
# what it prints. zkCli's exit status says little (it reflects only the last
# command), so every check is on output: results go to stdout, but zkCli prints
# "Created /x" and every error ("Node does not exist: /x", "Insufficient
# permission : /x", ...) on stderr, so both streams are captured apart and
# order is checked within one stream only.
#
# Every piped session ends with `quit`, which closes the ZooKeeper session; a
# session that just hits EOF is NOT closed (its ephemerals linger until the
# session times out).
#
# Environment: ZKCLI (default /usr/share/zookeeper/bin/zkCli.sh),
#              ZKCLI_TIMEOUT seconds per invocation (default 60),
#              VERBOSE=1 to print every session's output.
set -uo pipefail

if [ $# -ne 1 ]; then
  echo "usage: $0 HOST:PORT" >&2
  exit 2
fi
HP=$1
ZKCLI=${ZKCLI:-/usr/share/zookeeper/bin/zkCli.sh}
[ -x "$ZKCLI" ] || { echo "zkcli-seed: $ZKCLI not found (apt-get install zookeeper)" >&2; exit 1; }
# Smaller, faster client JVMs; keeps the 2 shared cores for the server.
export CLIENT_JVMFLAGS="${CLIENT_JVMFLAGS:--XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xmx128m}"

WORK=$(mktemp -d)
WATCH_PID=
cleanup() {
  if [ -n "$WATCH_PID" ]; then kill "$WATCH_PID" 2>/dev/null; wait "$WATCH_PID" 2>/dev/null; fi
  exec 7>&- 2>/dev/null
  rm -rf "$WORK"
}
trap cleanup EXIT

# A base path of our own, so reruns against a used server do not collide.
B="/compat-zkcli-$$-$RANDOM"
# digest for user u1, password p1: base64(sha1("u1:p1"))
U1_DIGEST='u1:fpT/y03U+EjItKZOSLGvjnJlyng='
U1_DIGEST_RE='u1:fpT/y03U\+EjItKZOSLGvjnJlyng='

STEP=none
N=0
OUT= ERR=

# filter_err FILE: drop slf4j's "no binding" chatter.
filter_err() { grep -v '^SLF4J:' "$1" || true; }

# session NAME CMD...: one piped zkCli session running CMD... then `quit`.
# Sets OUT/ERR to files holding its stdout and (filtered) stderr.
session() {
  STEP=$1
  shift
  N=$((N + 1))
  OUT="$WORK/$N.out"
  ERR="$WORK/$N.err"
  printf '%s\n' "$@" quit | timeout "${ZKCLI_TIMEOUT:-60}" "$ZKCLI" -server "$HP" >"$OUT" 2>"$WORK/$N.raw"
  local rc=$?
  filter_err "$WORK/$N.raw" >"$ERR"
  if [ "$rc" -eq 124 ]; then fail "zkCli did not finish within ${ZKCLI_TIMEOUT:-60}s"; fi
  if [ -n "${VERBOSE:-}" ]; then dump; fi
}

# oneshot NAME ARGS...: `zkCli.sh -server HOST:PORT ARGS...` (one command).
oneshot() {
  STEP=$1
  shift
  N=$((N + 1))
  OUT="$WORK/$N.out"
  ERR="$WORK/$N.err"
  timeout "${ZKCLI_TIMEOUT:-60}" "$ZKCLI" -server "$HP" "$@" </dev/null >"$OUT" 2>"$WORK/$N.raw"
  local rc=$?
  filter_err "$WORK/$N.raw" >"$ERR"
  if [ "$rc" -eq 124 ]; then fail "zkCli did not finish within ${ZKCLI_TIMEOUT:-60}s"; fi
  if [ -n "${VERBOSE:-}" ]; then dump; fi
}

dump() {
  echo "---- [$STEP] stdout ----" >&2
  sed 's/^/  | /' "$OUT" >&2
  echo "---- [$STEP] stderr (SLF4J lines dropped) ----" >&2
  sed 's/^/  | /' "$ERR" >&2
}

fail() {
  echo "zkcli-seed: FAIL [$STEP]: $*" >&2
  dump
  exit 1
}

# Exact-line checks (fixed strings, whole line).
out_has()   { grep -Fxq -- "$1" "$OUT" || fail "expected stdout line: '$1'"; }
err_has()   { grep -Fxq -- "$1" "$ERR" || fail "expected stderr line: '$1'"; }
out_lacks() { ! grep -Fxq -- "$1" "$OUT" || fail "unexpected stdout line: '$1'"; }
err_lacks() { ! grep -Fxq -- "$1" "$ERR" || fail "unexpected stderr line: '$1'"; }
err_empty() { [ ! -s "$ERR" ] || fail "expected nothing on stderr"; }
# Regex checks (extended regex, whole line).
out_re()    { grep -Exq -- "$1" "$OUT" || fail "expected stdout line matching /$1/"; }
out_no_re() { ! grep -Exq -- "$1" "$OUT" || fail "unexpected stdout line matching /$1/"; }

# out_order RE...: stdout has lines matching each RE (whole line), in this order.
out_order() {
  local i=0 line
  local -a res=("$@")
  while IFS= read -r line; do
    [ "$i" -lt "${#res[@]}" ] || break
    if [[ "$line" =~ ^${res[$i]}$ ]]; then i=$((i + 1)); fi
  done <"$OUT"
  [ "$i" -eq "${#res[@]}" ] || fail "stdout lacks, in order, a line matching /${res[$i]}/ (after matching $i of ${#res[@]}: ${res[*]})"
}

# A child list as zkCli prints it, e.g. "[a, b, c]", containing NAME or not.
list_with()    { printf '\\[(.*, )?%s(, .*)?\\]' "$1"; }

# --------------------------------------------------------------------------
echo "zkcli-seed: server $HP, base path $B"

STEP=connect
oneshot connect ls /
out_re '\[.*zookeeper.*\]'

# Leftover from an aborted earlier run would make `create` fail; clear it.
session pre-clean 'deleteall /zk_test'

# 1. The "getting started" seed session, in one piped session.
session seed \
  'create /zk_test my_data' \
  'ls /' \
  'get /zk_test' \
  'set /zk_test junk' \
  'get -s /zk_test' \
  'delete /zk_test' \
  'ls /'
err_has 'Created /zk_test'
out_order "$(list_with zk_test)" 'my_data' 'junk' 'cZxid = 0x[0-9a-f]+' 'dataVersion = 1' 'dataLength = 4' 'numChildren = 0' '\[.*\]'
# The last child list must not contain zk_test any more.
last_list=$(grep -E '^\[.*\]$' "$OUT" | tail -n 1)
case "$last_list" in
  *zk_test*) fail "after delete, 'ls /' still shows zk_test: $last_list" ;;
esac
err_lacks 'Node already exists: /zk_test'

# The same through one-shot invocations.
oneshot oneshot-get-deleted get /zk_test
err_has 'Node does not exist: /zk_test'
oneshot oneshot-create create /zk_test one
err_has 'Created /zk_test'
oneshot oneshot-get get /zk_test
out_has 'one'
oneshot oneshot-delete delete /zk_test
oneshot oneshot-ls ls /
out_re '\[.*\]'
grep -E '^\[.*\]$' "$OUT" | grep -q 'zk_test' && fail "one-shot delete did not remove /zk_test"

# 2. Ephemeral and sequential nodes. Sequence numbers come from the parent's
#    cversion, so the plain ephemeral child uses up 0000000000.
session ephemeral-sequential \
  "create $B base" \
  "create -e $B/eph e" \
  "create -s $B/seq- s" \
  "create -s $B/seq- s" \
  "create -e -s $B/es- es" \
  "ls $B" \
  "stat $B/eph" \
  "stat $B"
err_has "Created $B"
err_has "Created $B/eph"
err_has "Created $B/seq-0000000001"
err_has "Created $B/seq-0000000002"
err_has "Created $B/es-0000000003"
out_has '[eph, es-0000000003, seq-0000000001, seq-0000000002]'
out_order 'ephemeralOwner = 0x[0-9a-f]*[1-9a-f][0-9a-f]*' 'dataLength = 1' 'numChildren = 0' \
  'cversion = 4' 'ephemeralOwner = 0x0' 'dataLength = 4' 'numChildren = 4'

# After `quit` closed that session its ephemerals are gone.
session ephemerals-gone "ls $B"
out_has '[seq-0000000001, seq-0000000002]'

# 3. stat of a persistent node: every field zkCli prints.
session stat "stat $B"
out_order 'cZxid = 0x[0-9a-f]+' 'ctime = .+' 'mZxid = 0x[0-9a-f]+' 'mtime = .+' 'pZxid = 0x[0-9a-f]+' \
  'cversion = 6' 'dataVersion = 0' 'aclVersion = 0' 'ephemeralOwner = 0x0' 'dataLength = 4' 'numChildren = 2'

# 4. Default ACL.
session getacl "getAcl $B"
out_order "'world,'anyone" ': cdrwa'

# 5. Versions and the common errors.
session versions-errors \
  "create $B/v a" \
  "set -v 5 $B/v b" \
  "delete -v 7 $B/v" \
  "set -v 0 $B/v b" \
  "get -s $B/v" \
  "create $B/v again" \
  "get $B/missing" \
  "create $B/no/such x" \
  "create $B/ne x" \
  "create $B/ne/x x" \
  "delete $B/ne" \
  "delete -v 1 $B/v" \
  "stat $B/v"
err_has "Created $B/v"
err_has "version No is not valid : $B/v"
[ "$(grep -Fxc "version No is not valid : $B/v" "$ERR")" -eq 2 ] || fail "expected two BadVersion errors for $B/v"
out_order 'b' 'dataVersion = 1'
err_has "Node already exists: $B/v"
err_has "Node does not exist: $B/missing"
err_has "Node does not exist: $B/no/such"
err_has "Node not empty: $B/ne"
err_has "Node does not exist: $B/v"

# 6. ACLs and digest auth.
session acl-owner \
  'addauth digest u1:p1' \
  "create $B/sec secret digest:$U1_DIGEST:cdrwa" \
  "getAcl $B/sec" \
  "get $B/sec" \
  "create $B/open o" \
  "setAcl $B/open auth::cdr" \
  "getAcl $B/open" \
  "create $B/ro readonly world:anyone:r"
err_has "Created $B/sec"
err_has "Created $B/open"
err_has "Created $B/ro"
err_lacks "Insufficient permission : $B/sec"
# getAcl without ADMIN permission hides digest hashes: the id reads "u1:x".
out_order "'digest,'$U1_DIGEST_RE" ': cdrwa' 'secret' "'digest,'u1:x" ': cdr'

session acl-anonymous \
  "get $B/sec" \
  "set $B/sec x" \
  "getAcl $B/sec" \
  "ls $B/sec" \
  "create $B/sec/child x" \
  "get $B/open" \
  "get $B/ro" \
  "set $B/ro x" \
  "getAcl $B/ro"
err_has "Insufficient permission : $B/sec"
[ "$(grep -Fxc "Insufficient permission : $B/sec" "$ERR")" -eq 4 ] || fail "expected 4 NoAuth errors on $B/sec (get, set, getAcl, ls)"
err_has "Insufficient permission : $B/sec/child"
err_has "Insufficient permission : $B/open"
err_has "Insufficient permission : $B/ro"
out_lacks 'secret'
out_order 'readonly' "'world,'anyone" ': r'

session acl-wrong-password 'addauth digest u1:wrong' "get $B/sec"
err_has "Insufficient permission : $B/sec"
out_lacks 'secret'

session acl-right-password \
  'addauth digest u1:p1' \
  "get $B/sec" \
  "set $B/sec s2" \
  "get -s $B/sec" \
  "setAcl $B/sec world:anyone:cdrwa" \
  "getAcl $B/sec"
err_empty
out_order 'secret' 's2' 'dataVersion = 1' 'aclVersion = 0' "'world,'anyone" ': cdrwa'

# 7. deleteall.
session deleteall \
  "create $B/tree t" \
  "create $B/tree/a a" \
  "create $B/tree/a/b b" \
  "create $B/tree/c c" \
  "deleteall $B/tree" \
  "stat $B/tree"
err_has "Created $B/tree/a/b"
err_has "Node does not exist: $B/tree"

# 8. Watches set and fired in one session (the client sees its own changes).
#    A trailing `sync` gives the event thread time to print before `quit`.
session watches-same-session \
  "create $B/w 1" \
  "get -w $B/w" \
  "set $B/w 2" \
  "create $B/wc x" \
  "ls -w $B/wc" \
  "create $B/wc/c x" \
  "stat -w $B/wn" \
  "create $B/wn x" \
  "sync $B"
err_has "Node does not exist: $B/wn"
out_has "WatchedEvent state:SyncConnected type:NodeDataChanged path:$B/w"
out_has "WatchedEvent state:SyncConnected type:NodeChildrenChanged path:$B/wc"
out_has "WatchedEvent state:SyncConnected type:NodeCreated path:$B/wn"
out_has 'Sync is OK'

# 9. A watch fired by another client: session A stays open on a fifo.
STEP=watch-other-session
mkfifo "$WORK/fifo"
N=$((N + 1))
OUT="$WORK/$N.out"
ERR="$WORK/$N.err"
timeout "${ZKCLI_TIMEOUT:-60}" "$ZKCLI" -server "$HP" <"$WORK/fifo" >"$OUT" 2>"$WORK/$N.raw" &
WATCH_PID=$!
exec 7>"$WORK/fifo"
printf '%s\n' "get -w $B/w" >&7
deadline=$((SECONDS + 30))
until grep -Fxq '2' "$OUT"; do
  [ "$SECONDS" -lt "$deadline" ] || { filter_err "$WORK/$N.raw" >"$ERR"; fail "watching session never printed the data of $B/w"; }
  sleep 0.2
done
WOUT=$OUT WN=$N
oneshot watch-other-session-set set "$B/w" 3
STEP=watch-other-session
OUT=$WOUT N=$WN
ERR="$WORK/$N.err"
deadline=$((SECONDS + 15))
until grep -Fxq "WatchedEvent state:SyncConnected type:NodeDataChanged path:$B/w" "$OUT"; do
  [ "$SECONDS" -lt "$deadline" ] || { filter_err "$WORK/$N.raw" >"$ERR"; fail "no NodeDataChanged event for $B/w after another client's set"; }
  sleep 0.2
done
printf 'quit\n' >&7
exec 7>&-
wait "$WATCH_PID"
WATCH_PID=
filter_err "$WORK/$N.raw" >"$ERR"
[ -n "${VERBOSE:-}" ] && dump

# 10. TTL and container nodes (extendedTypesEnabled=true). ZooKeeper reports
#     ephemeralOwner 0 to clients for both, although it stores a marker there.
session ttl-container \
  "create -t 60000 $B/ttl t" \
  "create -c $B/cont" \
  "create $B/cont/child x" \
  "stat $B/ttl" \
  "stat $B/cont"
err_has "Created $B/ttl"
err_has "Created $B/cont"
err_has "Created $B/cont/child"
out_order 'ephemeralOwner = 0x0' 'dataLength = 1' 'ephemeralOwner = 0x0' 'numChildren = 1'

# 11. Clean up and check it is all gone.
# ($B/open is readable by u1 only, and deleteall lists every node.)
session cleanup 'addauth digest u1:p1' "deleteall $B" "stat $B"
err_has "Node does not exist: $B"

echo "zkcli-seed: PASS ($N zkCli invocations)"
