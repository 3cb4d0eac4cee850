#!/usr/bin/python3
"""failover.py PORT=PIDFILE [PORT=PIDFILE ...]

A real client through a failover: kazoo connects to every server of an
ensemble on 127.0.0.1, owns an ephemeral and writes; the server it is
connected to is killed with SIGKILL (its pid read from PIDFILE); the client
must reconnect to another server within its session timeout and keep its
session (same id) and its ephemeral, and every acknowledged write must be
there. Prints how long the first write after the kill took.
"""
import os
import signal
import sys
import time

from kazoo.client import KazooClient
from kazoo.exceptions import ConnectionLoss, SessionExpiredError, NodeExistsError
from kazoo.protocol.states import KazooState


def main():
    if len(sys.argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    pidfiles = dict(a.split("=", 1) for a in sys.argv[1:])
    hosts = ",".join("127.0.0.1:%s" % p for p in pidfiles)
    states = []
    zk = KazooClient(hosts=hosts, timeout=10.0)
    zk.add_listener(states.append)
    zk.start(timeout=20)
    sid = zk.client_id[0]
    for path in ("/failover_eph", "/failover_after"):
        if zk.exists(path):
            zk.delete(path)
    zk.create("/failover_eph", b"mine", ephemeral=True)
    zk.ensure_path("/failover")
    written = []
    for i in range(20):
        written.append(zk.create("/failover/n-", str(i).encode(), sequence=True))
    port = str(zk._connection._socket.getpeername()[1])
    if port not in pidfiles:
        print("failover: connected to port %s, not one of %s" % (port, list(pidfiles)), file=sys.stderr)
        return 1
    with open(pidfiles[port]) as f:
        pid = int(f.read().strip())
    print("failover: session 0x%x on port %s; killing pid %d" % (sid, port, pid))
    os.kill(pid, signal.SIGKILL)
    killed = time.time()
    deadline = killed + 30
    while True:
        try:
            zk.create("/failover_after", b"y")
            break
        except NodeExistsError:
            break  # the create committed; its reply was lost with the server
        except (ConnectionLoss, SessionExpiredError) as e:
            if time.time() > deadline:
                print("failover: no write acknowledged 30 s after the kill: %r" % e, file=sys.stderr)
                return 1
            time.sleep(0.02)
    took = time.time() - killed
    now = str(zk._connection._socket.getpeername()[1])
    problems = []
    if zk.client_id[0] != sid:
        problems.append("session changed: 0x%x -> 0x%x" % (sid, zk.client_id[0]))
    if KazooState.LOST in states:
        problems.append("the session was lost")
    if now == port:
        problems.append("still connected to the killed server's port %s" % port)
    data, _ = zk.get("/failover_eph")
    if data != b"mine":
        problems.append("ephemeral data %r" % data)
    kids = set("/failover/" + k for k in zk.get_children("/failover"))
    missing = [p for p in written if p not in kids]
    if missing:
        problems.append("acknowledged writes missing: %s" % missing)
    zk.stop()
    zk.close()
    if problems:
        for p in problems:
            print("failover: FAIL: " + p, file=sys.stderr)
        return 1
    print("failover: ok: reconnected to port %s with session 0x%x and its ephemeral; first write %.0f ms after the kill"
          % (now, sid, took * 1000))
    return 0


if __name__ == "__main__":
    sys.exit(main())
